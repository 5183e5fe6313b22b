import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter } from '../../../src/core/analysis/analyze';
import { mixerInitComparison } from '../../../src/core/analysis/mixerInit';
import { jsonText } from '../../../src/core/report/escape';
import { buildReport } from '../../../src/core/report/report';
import { reportText } from '../../../src/core/report/text';
import { layerAnalysisOf } from '../../../src/host/payloads';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { referenceSingularValues } from '../../helpers/referenceSvd';

/** M_ij ~ U(−1/√r, 1/√r), what kaiming_uniform_(a=√5) draws for MoSLoRA's nn.Linear(r, r) mixer. */
function initMixer(rng: Rng, r: number, scale = 1): number[] {
  return Array.from({ length: r * r }, () => (scale * (rng.next() * 2 - 1)) / Math.sqrt(r));
}

/** The figures from their definitions, summed plainly in float64. */
function reference(values: readonly number[], r: number) {
  const b = 1 / Math.sqrt(r);
  const energy = values.reduce((s, v) => s + v * v, 0);
  const mean = r / 3;
  const sd = 2 / Math.sqrt(45);
  return {
    frobenius: Math.sqrt(energy),
    mean,
    sd,
    z: (energy - mean) / sd,
    maxOverBound: Math.max(...values.map(Math.abs)) / b,
    outside: values.filter((v) => Math.abs(v) > b).length / values.length,
  };
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-13 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('inspect --json carries the stored mixer M, σ(M) and where M stands against its init; no ‖M − I‖', async () => {
  const dir = await tempDir();
  try {
    const rng = Rng.fresh();
    const r = 4;
    // PEFT keys as MoSLoRA's fork of PEFT writes them (lora_A/lora_AB/lora_B .weight, nn.Linear rows).
    const atInit = initMixer(rng, r);
    const trained = initMixer(rng, r, 6);
    const tensors = [
      ['near_init', atInit],
      ['trained', trained],
    ].flatMap(([name, M]) => [
      { name: `base_model.model.${name as string}.lora_A.weight`, shape: [r, 7], values: gaussian(rng, r, 7).data },
      { name: `base_model.model.${name as string}.lora_AB.weight`, shape: [r, r], values: M as number[] },
      { name: `base_model.model.${name as string}.lora_B.weight`, shape: [6, r], values: gaussian(rng, 6, r).data },
    ]);
    const path = await writeFixture(dir, 'adapter_model.safetensors', tensors, { config: { peft_type: 'LORA', r, lora_alpha: r } });
    const opened = await openAdapter(path);
    try {
      const json = JSON.parse(jsonText(buildReport(opened.adapter, await analyzeAdapter(opened)), undefined, 2));
      assert.doesNotMatch(JSON.stringify(json), /identity|minusI|distanceFrom/i, 'no comparison with I is reported');
      for (const [name, M] of [
        ['near_init', atInit],
        ['trained', trained],
      ] as const) {
        const module = json.modules.find((m: { name: string }) => m.name === name);
        assert.ok(module?.mixer, `${name} has mixer figures (${rng.tag})`);
        const { mixer } = module;
        assert.equal(mixer.basisDependent, true);
        assert.deepEqual(
          mixer.matrix,
          Array.from({ length: r }, (_, i) => M.slice(i * r, i * r + r)),
        );
        const want = referenceSingularValues({ rows: r, cols: r, data: M.map((v) => ({ hi: v, lo: 0 })) });
        mixer.singularValues.forEach((s: number, i: number) => assert.ok(Math.abs(s - want[i]) <= 1e-13 * want[0], `σ${i + 1}(M)`));
        close(mixer.condition, want[0] / want[r - 1], 'cond(M)');
        const ref = reference(M, r);
        assert.match(mixer.init.rule, /kaiming_uniform_\(a=√5\)/);
        close(mixer.init.bound, 1 / Math.sqrt(r), 'bound');
        close(mixer.init.frobenius, ref.frobenius, 'frobenius');
        close(mixer.init.initFrobeniusSquaredMean, ref.mean, 'E‖M₀‖²');
        close(mixer.init.initFrobeniusSquaredSd, ref.sd, 'sd‖M₀‖²');
        close(mixer.init.frobeniusZ, ref.z, 'z');
        close(mixer.init.maxAbsOverBound, ref.maxOverBound, 'max/bound');
        close(mixer.init.outsideBound, ref.outside, 'outside');
      }
      const near = json.modules.find((m: { name: string }) => m.name === 'near_init').mixer.init;
      assert.equal(near.outsideBound, 0, 'an M drawn from the init lies inside its bound');
      const far = json.modules.find((m: { name: string }) => m.name === 'trained').mixer.init;
      assert.ok(far.outsideBound > 0 && far.frobeniusZ > near.frobeniusZ, `a 6× M leaves the init's range (${rng.tag})`);
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test("the init distribution's ‖M₀‖_F² mean and sd match draws from U(−1/√r, 1/√r)", () => {
  const rng = Rng.fresh();
  for (const r of [2, 8]) {
    const draws = 20000;
    let sum = 0;
    let sumSq = 0;
    for (let t = 0; t < draws; t++) {
      const e = initMixer(rng, r).reduce((s, v) => s + v * v, 0);
      sum += e;
      sumSq += e * e;
    }
    const mean = sum / draws;
    const sd = Math.sqrt(sumSq / draws - mean * mean);
    const c = mixerInitComparison(new Float64Array(r * r), r);
    // Standard error of the mean is sd/√draws ≈ 0.002; 10 of them leave no room for chance failures.
    assert.ok(Math.abs(mean - c.initFrobeniusSquaredMean) < 10 * (c.initFrobeniusSquaredSd / Math.sqrt(draws)), `r=${r}: mean ${mean} (${rng.tag})`);
    assert.ok(Math.abs(sd - c.initFrobeniusSquaredSd) < 0.05 * c.initFrobeniusSquaredSd, `r=${r}: sd ${sd} (${rng.tag})`);
  }
});

test("AdaLoRA's own selection (lora_E zeros, ranknum) is reported as the learned allocation in the analysis, JSON and text", async () => {
  const dir = await tempDir();
  try {
    const rng = Rng.fresh();
    const r = 6;
    // PEFT AdaLoRA's key names: bare lora_A/lora_B/lora_E parameters, and the ranknum buffer
    // (AdaLoraLayer.update_layer) as a full state dict holds it. The RankAllocator zeroes the E of
    // pruned triplets (mask_to_budget), so two of six are 0 here.
    const E = gaussian(rng, r, 1).data.map((v, i) => (i === 1 || i === 4 ? 0 : v));
    const tensors = [
      { name: 'base_model.model.fc.lora_A', shape: [r, 9], values: gaussian(rng, r, 9).data },
      { name: 'base_model.model.fc.lora_B', shape: [10, r], values: gaussian(rng, 10, r).data },
      { name: 'base_model.model.fc.lora_E', shape: [r, 1], values: E },
      { name: 'base_model.model.fc.ranknum', shape: [1], values: [r] },
      // A plain LoRA module beside it has no selection values, so no allocation.
      { name: 'base_model.model.plain.lora_A.weight', shape: [2, 5], values: gaussian(rng, 2, 5).data },
      { name: 'base_model.model.plain.lora_B.weight', shape: [4, 2], values: gaussian(rng, 4, 2).data },
    ];
    const path = await writeFixture(dir, 'adapter_model.safetensors', tensors, { config: { peft_type: 'ADALORA', r: 4, init_r: r, target_r: 4, lora_alpha: 8 } });
    const opened = await openAdapter(path);
    try {
      const analysis = await analyzeAdapter(opened);
      const fc = analysis.modules.find((m) => m.name === 'fc');
      assert.ok(fc?.status === 'ok' && fc.learnedAllocation, `fc has a learned allocation (${rng.tag})`);
      const report = buildReport(opened.adapter, analysis);
      const json = JSON.parse(jsonText(report, undefined, 2));
      const allocation = json.modules.find((m: { name: string }) => m.name === 'fc').learnedAllocation;
      assert.deepEqual(allocation, { source: 'AdaLoRA lora_E', values: Array.from(E), learnedRank: 4, storedRank: r, ranknum: r });
      assert.equal(json.modules.find((m: { name: string }) => m.name === 'plain').learnedAllocation, undefined);
      assert.match(reportText(report), /AdaLoRA's learned allocation[^\n]*\n {2}fc {2}kept 4 of 6 · ranknum 6/);
      const payload = layerAnalysisOf(fc, 0);
      assert.ok(payload.status === 'ok');
      assert.deepEqual(payload.learnedAllocation, { learnedRank: 4, storedRank: r, ranknum: r });
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('a NaN entry in M leaves its figures NaN (a later finite entry does not stand in for the maximum)', () => {
  const c = mixerInitComparison(Float64Array.from([0.1, Number.NaN, 0.3, 0.2]), 2);
  assert.ok(Number.isNaN(c.frobenius));
  assert.ok(Number.isNaN(c.maxAbsOverBound));
  assert.ok(Number.isNaN(c.outsideBound));
  assert.ok(Number.isNaN(c.frobeniusZ));
  const finite = mixerInitComparison(Float64Array.from([0.1, -0.9, 0.3, 0.2]), 2);
  assert.ok(Math.abs(finite.maxAbsOverBound - 0.9 * Math.SQRT2) < 1e-15);
  assert.equal(finite.outsideBound, 0.25);
});
