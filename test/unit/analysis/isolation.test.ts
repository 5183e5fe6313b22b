import { strict as assert } from 'node:assert';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../cli/runCli';
import { corpusPath, removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/** One module of a bad config or bad data is skipped with a warning; the others are analysed and the run exits 0. */

interface ModuleJson {
  readonly name: string;
  readonly status: string;
  readonly singularValues?: number[];
  readonly frobenius: number | null;
  readonly effectiveRank: number | null;
  readonly warnings: string[];
}

const MODULES = ['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.v_proj', 'model.layers.1.self_attn.q_proj', 'model.layers.1.self_attn.v_proj'];

/** A PEFT adapter of four 8×8 rank-4 modules in F64; `factor` multiplies the named module's factors. */
async function writeAdapter(dir: string, rng: Rng, config: Record<string, unknown>, factor: { module: string; by: number } | null = null, everyBy = 1): Promise<void> {
  const tensors: FixtureTensor[] = [];
  for (const m of MODULES) {
    const by = (factor?.module === m ? factor.by : 1) * everyBy;
    const scaled = (count: number) => rng.gaussians(count).map((x) => x * by);
    tensors.push({ name: `base_model.model.${m}.lora_A.weight`, shape: [4, 8], values: scaled(32) });
    tensors.push({ name: `base_model.model.${m}.lora_B.weight`, shape: [8, 4], values: scaled(32) });
  }
  await writeFixture(dir, 'adapter_model.safetensors', tensors, { config: { peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['q_proj', 'v_proj'], ...config } });
}

function inspectJson(dir: string): { status: number | null; modules: ModuleJson[]; stderr: string } {
  const r = runCli(['inspect', dir, '--json']);
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
  return { status: r.status, modules: (JSON.parse(r.stdout) as { modules: ModuleJson[] }).modules, stderr: r.stderr };
}

/** Runs the bad config and the clean one on the same factors; `bad` lists the modules that must be skipped. */
async function checkIsolated(config: Record<string, unknown>, bad: readonly string[], reason: RegExp, factor: { module: string; by: number } | null = null): Promise<void> {
  const seed = Rng.fresh().seed;
  const dir = await tempDir();
  const cleanDir = await tempDir();
  try {
    await writeAdapter(dir, new Rng(seed), config, factor);
    await writeAdapter(cleanDir, new Rng(seed), {});
    const got = inspectJson(dir).modules;
    const clean = inspectJson(cleanDir).modules;
    for (const m of got) {
      const want = clean.find((c) => c.name === m.name);
      assert.ok(want, m.name);
      if (bad.includes(m.name)) {
        assert.equal(m.status, 'skipped', `${m.name} (seed ${seed})`);
        assert.ok(
          m.warnings.some((w) => reason.test(w)),
          `${m.name}: ${m.warnings.join('; ')}`,
        );
      } else {
        assert.equal(m.status, 'ok', `${m.name}: ${m.warnings.join('; ')}`);
        assert.deepEqual(m.singularValues, want.singularValues);
        assert.equal(m.frobenius, want.frobenius);
      }
    }
  } finally {
    await removeDir(dir);
    await removeDir(cleanDir);
  }
}

const ALL = MODULES;
const Q = MODULES.filter((m) => m.endsWith('q_proj'));

test('r: 0 and r: -0.0 skip every module with the reason, exit 0', async () => {
  await checkIsolated({ r: 0 }, ALL, /r must be a positive number/);
  await checkIsolated({ r: -0 }, ALL, /r must be a positive number/);
});

test('rank_pattern {"q_proj": 0} skips only q_proj; v_proj keeps its numbers', async () => {
  await checkIsolated({ rank_pattern: { q_proj: 0 } }, Q, /r must be a positive number/);
});

test('use_rslora with r ≤ 0 is an invalid scale, not NaN metrics', async () => {
  await checkIsolated({ use_rslora: true, r: -4 }, ALL, /r must be a positive number/);
  await checkIsolated({ use_rslora: true, r: 0 }, ALL, /r must be a positive number/);
});

/**
 * lora_alpha 1e308 against the same factors with α = 8: a module whose ΔW fits in float64 is
 * analysed exactly (σ scaled by the ratio of the scales), the rest are skipped with the reason,
 * and only where ‖ΔW‖F is truly out of range. `by` multiplies every factor.
 */
async function checkHugeAlpha(by: number): Promise<ModuleJson[]> {
  const seed = Rng.fresh().seed;
  const dir = await tempDir();
  const cleanDir = await tempDir();
  try {
    await writeAdapter(dir, new Rng(seed), { lora_alpha: 1e308 }, null, by);
    await writeAdapter(cleanDir, new Rng(seed), {}, null, by);
    const got = inspectJson(dir).modules;
    const clean = inspectJson(cleanDir).modules;
    // The clean run's scale is α/r = 8/4; the bad one's 1e308/4.
    const ratio = 1e308 / 4 / 2;
    for (const m of got) {
      const want = clean.find((c) => c.name === m.name);
      assert.ok(want?.singularValues && want.frobenius !== null, m.name);
      if (m.status === 'ok') {
        assert.ok(m.singularValues && m.singularValues.length === want.singularValues.length, `${m.name} (seed ${seed})`);
        m.singularValues.forEach((v, i) =>
          assert.ok(Math.abs(v - want.singularValues![i] * ratio) <= 1e-12 * want.singularValues![0] * ratio, `${m.name} σ${i + 1} (seed ${seed})`),
        );
      } else {
        assert.equal(m.status, 'skipped', `${m.name} (seed ${seed})`);
        assert.ok(
          m.warnings.some((w) => /cannot be computed|overflows/.test(w)),
          `${m.name}: ${m.warnings.join('; ')}`,
        );
        // Skipped only where the true ΔW is out of float64's range: its Frobenius norm s·‖BA‖F overflows.
        assert.ok(want.frobenius * ratio > Number.MAX_VALUE / 8, `${m.name} skipped though ‖ΔW‖F = ${want.frobenius * ratio} (seed ${seed})`);
      }
    }
    return got;
  } finally {
    await removeDir(dir);
    await removeDir(cleanDir);
  }
}

test('lora_alpha: 1e308 on plain factors: a module whose ΔW fits is analysed exactly, the rest skipped with the reason', async () => {
  await checkHugeAlpha(1);
});

test('lora_alpha: 1e308 with factors ×1e3 overflows every ΔW: every module skipped, exit 0', async () => {
  // s·σ1(BA) ≈ 2.5e307·1e6·σ1 is out of float64's range for any draw.
  const got = await checkHugeAlpha(1e3);
  assert.deepEqual(
    got.map((m) => m.status),
    MODULES.map(() => 'skipped'),
  );
});

test('AdaLoRA init_r: -1e-5 is an invalid scale', async () => {
  await checkIsolated({ peft_type: 'ADALORA', init_r: -1e-5 }, ALL, /init_r must be a positive number/);
});

test('one module with F64 factors ×1e200 is skipped; the others equal the clean run', async () => {
  await checkIsolated({}, [MODULES[1]], /cannot be computed|overflows/, { module: MODULES[1], by: 1e200 });
});

test('mlx scale: 1e308: each module is analysed or skipped with a warning, exit 0', async () => {
  const dir = await tempDir();
  try {
    await cp(corpusPath('mlx-cli-adapters'), dir, { recursive: true });
    const configPath = join(dir, 'adapter_config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as { lora_parameters: Record<string, unknown> };
    config.lora_parameters.scale = 1e308;
    await writeFile(configPath, JSON.stringify(config));
    const r = runCli(['inspect', join(dir, 'adapters.safetensors'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const modules = (JSON.parse(r.stdout) as { modules: ModuleJson[] }).modules;
    assert.ok(modules.length > 0);
    // A module whose ΔW still fits in float64 is analysed with finite numbers; the rest are skipped with the reason.
    for (const m of modules) {
      if (m.status === 'ok') assert.ok(m.frobenius !== null && Number.isFinite(m.frobenius), m.name);
      else
        assert.ok(
          m.warnings.some((w) => /cannot be computed|overflows/.test(w)),
          m.warnings.join('; '),
        );
    }
  } finally {
    await removeDir(dir);
  }
});

test('resize --dry-run skips a module whose scale is invalid, naming the rule, and plans the rest', async () => {
  const dir = await tempDir();
  try {
    await writeAdapter(dir, Rng.fresh(), { rank_pattern: { q_proj: 0 } });
    const r = runCli(['resize', dir, '--method', 'fixed', '--param', '1', '--dry-run', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { plan: { layers: { name: string }[] }; skipped: { name: string; reason: string }[] };
    assert.deepEqual(out.skipped.map((s) => s.name).sort(), [...Q].sort());
    for (const s of out.skipped) assert.match(s.reason, /r must be a positive number/);
    assert.equal(out.plan.layers.length, MODULES.length - Q.length);
  } finally {
    await removeDir(dir);
  }
});
