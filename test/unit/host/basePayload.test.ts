import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAgainstBase } from '../../../src/core/base/analyzeBase';
import { BaseModel } from '../../../src/core/base/baseModel';
import { JsDenseEngine } from '../../../src/core/compute/dense';
import { baseLabel, baseModelPayload } from '../../../src/host/basePayload';
import { writeBaseFixture } from '../../helpers/baseFixture';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

test('baseModelPayload: analysed rows with typed columns equal to the core, skipped reasons, CondLoRA maps as dense matrices', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const fixture = await writeBaseFixture(dir, rng);
    const base = await BaseModel.open(fixture.base);
    const opened = await openAdapter(fixture.adapter);
    const analysis = await analyzeAgainstBase(opened, base, new JsDenseEngine(), { k: 4, gaussian: () => rng.gaussian() }).finally(async () => {
      await opened.file.close();
      await base.close();
    });
    const payload = baseModelPayload(
      fixture.adapter,
      analysis,
      { path: fixture.base, shards: ['a', 'b'], engine: 'js', device: { name: 'cpu', precision: 'float64', skipped: [], text: 'cpu (float64)' }, epsilon: 0.5 },
      1.5,
    );
    assert.equal(payload.adapter.label, 'adapter');
    assert.equal(payload.base.label, 'base');
    assert.equal(baseLabel('/m/llama/model.safetensors.index.json'), 'llama');
    assert.equal(baseLabel('/m/sd15/model_index.json'), 'sd15');
    assert.equal(baseLabel('/m/gpt2.safetensors'), 'gpt2.safetensors');
    assert.equal(payload.base.fallbackReason, null);
    assert.equal(payload.k, 4);
    assert.equal(payload.modules.length, 11);
    assert.deepEqual(payload.skipped.map((s) => s.name).sort(), ['model.layers.0.mlp.down_proj', 'model.layers.5.self_attn.v_proj']);
    assert.match(payload.skipped.find((s) => s.name.endsWith('v_proj'))?.reason ?? '', /32×32/);
    const ok = analysis.modules.filter((m) => m.status === 'ok');
    for (const [i, m] of ok.entries()) {
      if (m.status !== 'ok') continue;
      const row = payload.modules[i];
      assert.equal(row.name, m.name);
      assert.equal(row.weight, m.weight);
      assert.equal(row.conversionMethod, m.conversion.method);
      assert.deepEqual([row.rows, row.cols], m.name.endsWith('q_proj') ? [48, 32] : [24, 32]);
      assert.equal(row.depth, Number(/layers\.(\d+)/.exec(m.name)?.[1]));
      const meanOf = (xs: Float64Array) => xs.reduce((s, x) => s + x, 0) / xs.length;
      assert.equal(payload.columnCosine[i], meanOf(m.alignment.columnCosines));
      assert.equal(payload.rowCosine[i], meanOf(m.alignment.rowCosines));
      assert.equal(payload.meanCosine[i], m.alignment.meanCosine);
      assert.equal(payload.amplification[i], m.alignment.amplification);
      assert.equal(payload.intruders[i], m.intruders.count);
      assert.equal(payload.undetermined[i], m.intruders.uncertain);
      assert.equal(payload.intruderK[i], 4);
    }
    assert.ok(payload.columnCosine instanceof Float64Array && payload.amplification instanceof Float64Array);
    assert.deepEqual(
      payload.conversionGroups.map((g) => [g.moduleType, g.layers.length]),
      [
        ['self_attn.q_proj', 6],
        ['self_attn.v_proj', 5],
      ],
    );
    const g = payload.conversionGroups[0];
    const want = analysis.conversionGroups[0];
    for (const [got, core] of [
      [g.phiA, want.phiA],
      [g.phiB, want.phiB],
    ] as const) {
      assert.ok(got.map.values instanceof Float64Array);
      assert.deepEqual(Array.from(got.map.values), Array.from(core.map.data));
      assert.equal(got.mean, core.mean);
      assert.equal(got.random, core.random);
    }
    assert.deepEqual(Array.from(g.sharedFitErrors), Array.from(want.sharedFit.relativeErrors));
  } finally {
    await removeDir(dir);
  }
});
