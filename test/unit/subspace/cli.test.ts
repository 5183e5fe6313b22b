import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpusPath } from '../../helpers/fixtures';

/** The built CLI bundle (npm test builds it first), run as a user runs it. */
const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface CompareJson {
  a: { path: string; format: string };
  k: number | null;
  comparisons: {
    b: { format: string };
    summary: { matched: number; unmatched: number; meanCosine: number | null };
    modules: {
      name: string;
      shape: number[];
      ranks: number[];
      cosine: number;
      relativeDistance: number;
      k: number;
      columnCosines: number[];
      rowAnglesDegrees: number[];
      meanColumnCosine: number;
    }[];
    unmatched: { side: string; name: string; reason: string }[];
  }[];
}

test('compare --json: PEFT Qwen2.5 against the mlx-lm Qwen2.5 adapter and against itself', () => {
  const peft = corpusPath('peft-qwen25-muzammel');
  const r = run('compare', peft, corpusPath('mlx-cli-adapters'), peft, '--json', '--k', '4');
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as CompareJson;
  assert.equal(report.a.format, 'peft');
  assert.equal(report.k, 4);
  const [mlx, self] = report.comparisons;
  assert.equal(mlx.b.format, 'mlx');
  // mlx-lm trained the last 4 of 24 layers' q_proj and v_proj: 8 shared modules, 40 only in A.
  assert.equal(mlx.summary.matched, 8);
  assert.equal(mlx.unmatched.length, 40);
  assert.ok(mlx.unmatched.every((u) => u.side === 'a' && /no module of B/.test(u.reason)));
  const v = mlx.modules.find((m) => m.name === 'model.layers.23.self_attn.v_proj');
  assert.ok(v);
  assert.deepEqual([v.shape, v.ranks, v.k, v.columnCosines.length, v.rowAnglesDegrees.length], [[128, 896], [8, 8], 4, 4, 4]);
  assert.ok(Math.abs(v.cosine) < 1 && v.relativeDistance > 0);
  assert.equal(self.summary.matched, 48);
  for (const m of self.modules) {
    assert.ok(Math.abs(m.cosine - 1) <= 1e-12, `${m.name}: ${m.cosine}`);
    assert.ok(m.relativeDistance <= 1e-12, m.name);
    assert.ok(
      m.columnCosines.every((c) => Math.abs(c - 1) <= 1e-9),
      m.name,
    );
  }
});

test('compare prints a table and the modules it could not compare; LoKr is listed, not fatal', () => {
  const r = run('compare', corpusPath('lycoris-lokr-r4'), corpusPath('lycoris-lokr-r4'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /0 modules compared, 350 not/);
  assert.match(r.stdout, /LoKr factors: not supported for subspace comparison/);
  assert.match(r.stdout, /… and 338 more/);
  const t = run('compare', corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-230'), corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-460'));
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /24 modules compared, 0 not/);
  assert.match(t.stdout, /^roberta\.encoder\.layer\.11\.attention\.self\.value\s+768×768\s+8\/8\s+0\.96\d+\s/m);
});

test('checkpoints --json on the real series: ordered by step, the final against itself is 1', () => {
  for (const [folder, steps] of [
    ['peft-roberta-mrpc-ckpts', [230, 460]],
    ['mlx-cli-adapters', [100, null]],
  ] as const) {
    const r = run('checkpoints', corpusPath(folder), '--json');
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout) as { checkpoints: { step: number | null }[]; modules: { cosineToFinal: number[]; topAngleToFinal: number[] }[] };
    assert.deepEqual(
      s.checkpoints.map((c) => c.step),
      steps,
    );
    for (const m of s.modules) {
      assert.ok(Math.abs(m.cosineToFinal[1] - 1) <= 1e-12);
      assert.ok(m.cosineToFinal[0] > 0 && m.cosineToFinal[0] < 1);
      assert.ok(m.topAngleToFinal[0] > 0 && m.topAngleToFinal[0] <= 90);
    }
  }
  const text = run('checkpoints', corpusPath('mlx-cli-adapters'));
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^model\.layers\.20\.self_attn\.q_proj\s+896×896\s+0\.9\d+\s+\d+(\.\d+)?°$/m);
});

test('usage and input errors exit 2, with a JSON error under --json', () => {
  const one = run('compare', corpusPath('peft-tinygpt2'));
  assert.equal(one.status, 2);
  assert.match(one.stderr, /compare needs at least two adapters/);
  const k = run('compare', corpusPath('peft-tinygpt2'), corpusPath('peft-tinygpt2'), '--k', '0');
  assert.equal(k.status, 2);
  assert.match(k.stderr, /--k takes a whole number/);
  const missing = run('compare', corpusPath('peft-tinygpt2'), '/no/such/adapter', '--json');
  assert.equal(missing.status, 2);
  assert.equal((JSON.parse(missing.stdout) as { error: { code: string } }).error.code, 'NOT_FOUND');
  const single = run('checkpoints', corpusPath('peft-tinygpt2'), '--json');
  assert.equal(single.status, 2);
  assert.equal((JSON.parse(single.stdout) as { error: { code: string } }).error.code, 'TOO_FEW_CHECKPOINTS');
  const none = run('checkpoints');
  assert.equal(none.status, 2);
  for (const r of [one, k, missing, single, none]) assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at /);
});
