import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ortInfo } from '../../../src/core/compute/ort/runtime';
import { corpusPath } from '../../helpers/fixtures';

/** The built CLI bundle (npm test builds it first), run as a user runs it. */
const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');
const SAMPLE = join(__dirname, '..', '..', '..', '..', 'media', 'samples', 'roberta-mrpc-lora');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('an input error thrown in the analysis worker exits 2 and prints its own code with --json', () => {
  const r = run('checkpoints', corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-460'), '--json');
  assert.equal(r.status, 2, r.stderr);
  const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  assert.equal(error.code, 'TOO_FEW_CHECKPOINTS');
  assert.match(error.message, /at least two checkpoints/);
});

test('--device cuda on a small adapter fails with the install hint and exit 2 where CUDA cannot run, whatever the backend request', (t) => {
  if (ortInfo().providers.some((p) => p.name === 'cuda' && p.available)) return t.skip('the CUDA provider is installed here');
  for (const backend of ['auto', 'onnxruntime']) {
    const r = run('inspect', SAMPLE, '--device', 'cuda', '--backend', backend, '--json');
    assert.equal(r.status, 2, `${backend}: ${r.stderr}`);
    const { error } = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    assert.equal(error.code, 'DEVICE_UNAVAILABLE', backend);
    assert.match(error.message, /--onnxruntime-node-install=cuda12/);
    assert.match(error.message, /CUDA 12/);
    assert.match(error.message, /cuDNN 9/);
  }
  const text = run('inspect', SAMPLE, '--device', 'cuda');
  assert.equal(text.status, 2);
  assert.match(text.stderr, /^lora-lens: .*--onnxruntime-node-install=cuda12/);
});
