import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BaseJson } from '../../../src/cli/base';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/**
 * `inspect --base --device …` as a user runs it (the built bundle). Whether this machine has a
 * GPU adapter is not known in advance, so each run must end in one of the two documented
 * states: WebGPU in float32, or (auto) the CPU with the reasons / (webgpu) exit 2 with the code.
 */
const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('inspect --base reports the dense device and precision; explicit webgpu is WebGPU or exit 2 WEBGPU_UNAVAILABLE', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const shapes: [string, number[]][] = [
      ['attn.c_attn', [2, 6]],
      ['attn.c_proj', [2, 2]],
      ['mlp.c_proj', [8, 2]],
    ];
    const tensors = [0, 1].flatMap((l) =>
      shapes.map(([n, s]) => ({ name: `transformer.h.${l}.${n}.weight`, shape: s, values: rng.gaussians(s[0] * s[1]), dtype: 'F32' as const })),
    );
    await writeFixture(dir, 'model.safetensors', tensors);
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: Object.fromEntries(tensors.map((t) => [t.name, 'model.safetensors'])) }));
    const adapter = corpusPath('peft-tinygpt2');

    const auto = run('inspect', adapter, '--base', dir, '--json', '--k', '2');
    assert.equal(auto.status, 0, auto.stderr);
    const device = (JSON.parse(auto.stdout) as { againstBase: BaseJson }).againstBase.device;
    if (device.name === 'webgpu') assert.equal(device.precision, 'float32');
    else {
      assert.equal(device.precision, 'float64');
      // Without CUDA, auto passed over both GPUs and says why.
      if (device.name === 'cpu')
        assert.deepEqual(
          device.skipped.map((s) => s.device),
          ['cuda', 'webgpu'],
        );
      assert.ok(device.skipped.every((s) => s.reason.length > 0));
    }

    const webgpu = run('inspect', adapter, '--base', dir, '--json', '--k', '2', '--device', 'webgpu');
    if (webgpu.status === 0) {
      const explicit = (JSON.parse(webgpu.stdout) as { againstBase: BaseJson }).againstBase.device;
      assert.deepEqual([explicit.name, explicit.precision, explicit.skipped], ['webgpu', 'float32', []]);
    } else {
      assert.equal(webgpu.status, 2, webgpu.stderr);
      const error = (JSON.parse(webgpu.stdout) as { error: { code: string; message: string } }).error;
      assert.equal(error.code, 'WEBGPU_UNAVAILABLE');
      assert.match(error.message, /^--device webgpu cannot run here: .+/);
    }

    const text = run('inspect', adapter, '--base', dir, '--k', '2', '--device', 'cpu');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /against the base model .* · device cpu \(float64\)\n/);
  } finally {
    await removeDir(dir);
  }
});
