import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../../src/cli/usage';
import { parseResizeArgs } from '../../../src/cli/resizeArgs';
import { corpusPath, removeDir, tempDir } from '../../helpers/fixtures';

/** The built CLI bundle (npm test builds it first), run as a user runs it. */
const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

test('resize takes --backend and --device as inspect does; bad values are usage errors', () => {
  const base = ['resize', 'in.safetensors', '--dry-run'];
  assert.deepEqual(parseResizeArgs(base).compute, { backend: 'auto', device: 'auto' });
  assert.deepEqual(parseResizeArgs([...base, '--backend', 'onnxruntime', '--device=cpu']).compute, { backend: 'onnxruntime', device: 'cpu' });
  assert.deepEqual(parseResizeArgs([...base, '--backend=js']).compute, { backend: 'js', device: 'auto' });
  assert.throws(
    () => parseResizeArgs([...base, '--backend', 'gpu']),
    (e: unknown) => e instanceof UsageError && /--backend takes one of auto, js, onnxruntime/.test(e.message),
  );
  assert.throws(
    () => parseResizeArgs([...base, '--device', 'tpu']),
    (e: unknown) => e instanceof UsageError && /--device takes one of auto, cuda, cpu/.test(e.message),
  );
});

test('--method above_mean is the σ-above-mean rule; the old name auto is accepted with a deprecation warning', () => {
  const base = ['resize', 'in.safetensors', '--dry-run'];
  const renamed = parseResizeArgs([...base, '--method', 'above_mean']);
  assert.deepEqual(renamed.method, { kind: 'above_mean' });
  assert.deepEqual(renamed.warnings, []);
  const old = parseResizeArgs([...base, '--method', 'auto']);
  assert.deepEqual(old.method, { kind: 'above_mean' });
  assert.equal(old.warnings.length, 1);
  assert.match(old.warnings[0], /^warning: rank method "auto" is deprecated: use "above_mean"/);
  assert.throws(
    () => parseResizeArgs([...base, '--method', 'auto', '--param', '2']),
    (e: unknown) => e instanceof UsageError && /--method auto takes no --param/.test(e.message),
  );
  // The warning reaches stderr when the CLI runs.
  const r = spawnSync(process.execPath, [CLI, 'resize', corpusPath('peft-gpt2-a'), '--dry-run', '--method', 'auto', '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /rank method "auto" is deprecated/);
  assert.match(r.stdout, /σ-above-mean/);
});

test('the CLI resizes on onnxruntime (its worker thread) and on js to the same plan', async () => {
  const dir = await tempDir();
  try {
    const plans = ['onnxruntime', 'js'].map((backend) => {
      const r = spawnSync(
        process.execPath,
        [
          CLI,
          'resize',
          corpusPath('peft-gpt2-a'),
          '--out',
          join(dir, backend),
          '--method',
          'energy',
          '--param',
          '0.9',
          '--backend',
          backend,
          '--device',
          'cpu',
          '--json',
          '--quiet',
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { plan: { layers: { kept: number }[] }; backend: string };
      assert.match(out.backend, backend === 'js' ? /^js$/ : /^onnxruntime cpu$/);
      return out.plan;
    });
    assert.deepEqual(
      plans[0].layers.map((l) => l.kept),
      plans[1].layers.map((l) => l.kept),
    );
  } finally {
    await removeDir(dir);
  }
});
