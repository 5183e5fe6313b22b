import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import type { CondLoraJson } from '../../../src/cli/base';
import { Rng } from '../../helpers/random';

/** `inspect --base` as a user runs it: the built bundle, a generated tiny-gpt2 base, sharded. */
const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface BaseModuleJson {
  status: string;
  reason?: string;
  weight?: string;
  transposed?: boolean;
  alignment?: { meanCosine: number; columnCosines: number[] };
  amplification?: number | null;
  intruders?: { count: number; k: number };
}

test('inspect --base on a sharded tiny-gpt2 base: a base object per module, the table, and exit 2 for a missing shard', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const shapes: [string, number[]][] = [
      ['attn.c_attn', [2, 6]],
      ['attn.c_proj', [2, 2]],
      ['mlp.c_proj', [8, 2]],
    ];
    const map: Record<string, string> = {};
    for (const l of [0, 1]) {
      const shard = `model-0000${l + 1}-of-00002.safetensors`;
      const tensors = shapes.map(([n, s]) => ({ name: `transformer.h.${l}.${n}.weight`, shape: s, values: rng.gaussians(s[0] * s[1]), dtype: 'F32' as const }));
      for (const t of tensors) map[t.name] = shard;
      await writeFixture(dir, shard, tensors);
    }
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: map }));
    const adapter = corpusPath('peft-tinygpt2');
    const r = run('inspect', adapter, '--base', dir, '--json', '--k', '2', '--backend', 'js');
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      modules: { name: string; base: BaseModuleJson }[];
      againstBase: { k: number; kBase: number; shards: string[]; condLora: CondLoraJson[] };
    };
    assert.equal(report.againstBase.k, 2);
    assert.equal(report.againstBase.shards.length, 2);
    assert.equal(report.modules.length, 6);
    for (const m of report.modules) {
      assert.equal(m.base.status, 'ok', m.base.reason);
      assert.equal(m.base.weight, `${m.name}.weight`);
      assert.equal(m.base.transposed, true);
      assert.ok(m.base.alignment && m.base.alignment.meanCosine >= 0 && m.base.alignment.meanCosine <= 1);
      assert.ok(m.base.intruders && m.base.intruders.count <= m.base.intruders.k);
    }
    assert.deepEqual(report.againstBase.condLora.map((g) => g.moduleType).sort(), ['attn.c_attn', 'attn.c_proj', 'mlp.c_proj']);
    for (const g of report.againstBase.condLora) {
      const L = g.modules.length;
      for (const p of [g.phiA, g.phiB]) {
        assert.equal(p.map.length, L);
        assert.ok(p.map.every((row) => row.length === L));
        assert.ok(p.mean !== null && p.mean >= 0 && p.mean <= 1 && p.random !== null && p.random > 0 && p.random <= 1, JSON.stringify(p));
      }
      assert.equal(g.sharedFit.relativeErrors.length, L);
    }
    const text = run('inspect', adapter, '--base', dir, '--backend', 'js');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /against the base model/);
    assert.match(text.stdout, /module\s+align\s+amplif\s+intruders\s+base weight/);
    assert.match(text.stdout, /transformer\.h\.1\.mlp\.c_proj\s+[0-9.]+\s+[0-9.e+]+\s+\d\/\d/);
    assert.match(
      text.stdout,
      /CondLoRA attn\.c_attn \(2 layers\): φ_A [0-9.]+ \(random [0-9.]+\), φ_B [0-9.]+ \(random [0-9.]+\), one shared conversion: median relative error [0-9.]+/,
    );
    await rm(join(dir, 'model-00002-of-00002.safetensors'));
    const missing = run('inspect', adapter, '--base', dir, '--json');
    assert.equal(missing.status, 2);
    assert.equal((JSON.parse(missing.stdout) as { error: { code: string } }).error.code, 'MISSING_SHARD');
    const none = run('inspect', adapter, '--base', join(dir, 'nope'));
    assert.equal(none.status, 2);
    assert.match(none.stderr, /no such base model/);
    const usage = run('inspect', adapter, '--k', '3');
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--k goes with --base/);
  } finally {
    await removeDir(dir);
  }
});
