import { strict as assert } from 'node:assert';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { CancelledError } from '../../../src/core/cancellation';
import { resizeAdapter } from '../../../src/core/resize/resize';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

test('format "same" on a LyCORIS file truncates its LoRA modules and copies LoKr modules byte for byte', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const r = 3;
    const input = await writeFixture(dir, 'mixed.safetensors', [
      { name: 'lora_unet_attn.lokr_w1', shape: [3, 4], values: gaussian(rng, 3, 4).data, dtype: 'F32' },
      { name: 'lora_unet_attn.lokr_w2_a', shape: [5, 2], values: gaussian(rng, 5, 2).data, dtype: 'F32' },
      { name: 'lora_unet_attn.lokr_w2_b', shape: [2, 6], values: gaussian(rng, 2, 6).data, dtype: 'F32' },
      { name: 'lora_unet_attn.alpha', shape: [], values: [3], dtype: 'F32' },
      { name: 'lora_unet_fc.lora_down.weight', shape: [r, 7], values: gaussian(rng, r, 7).data, dtype: 'F32' },
      { name: 'lora_unet_fc.lora_up.weight', shape: [8, r], values: gaussian(rng, 8, r).data, dtype: 'F32' },
    ]);
    const output = join(dir, 'out.safetensors');
    const result = await resizeAdapter({ input, output, method: { kind: 'fixed', rank: 1 }, format: 'same' });
    assert.deepEqual(
      result.skipped.map((s) => s.name),
      ['lora_unet_attn'],
    );
    assert.match(result.skipped[0].reason, /copied unchanged/);
    const a = await openAdapter(input);
    const b = await openAdapter(output);
    try {
      for (const name of ['lora_unet_attn.lokr_w1', 'lora_unet_attn.lokr_w2_a', 'lora_unet_attn.lokr_w2_b', 'lora_unet_attn.alpha']) {
        assert.deepEqual(await b.file.readBytes(name), await a.file.readBytes(name), name);
      }
      assert.equal(b.adapter.modules.find((m) => m.name === 'lora_unet_fc')?.rank, 1);
      assert.equal(b.adapter.modules.find((m) => m.name === 'lora_unet_attn')?.factors?.type, 'kronecker');
    } finally {
      await a.file.close();
      await b.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('a DoRA magnitude is kept as trained, with a note saying it was fitted to the original ΔW', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const [m, n, r] = [9, 5, 4];
    const magnitude = Float64Array.from({ length: m }, () => 1 + Math.abs(rng.gaussian()));
    const input = await writeFixture(
      dir,
      'adapter_model.safetensors',
      [
        { name: 'base_model.model.fc.lora_A.weight', shape: [r, n], values: gaussian(rng, r, n).data, dtype: 'F32' },
        { name: 'base_model.model.fc.lora_B.weight', shape: [m, r], values: gaussian(rng, m, r).data, dtype: 'F32' },
        { name: 'base_model.model.fc.lora_magnitude_vector', shape: [m], values: magnitude, dtype: 'F32' },
      ],
      { config: { peft_type: 'LORA', r, lora_alpha: 8, use_dora: true } },
    );
    const output = join(dir, 'out');
    const result = await resizeAdapter({ input, output, method: { kind: 'fixed', rank: 2 }, format: 'same' });
    assert.ok(
      result.notes.some((n) => /DoRA magnitude/.test(n) && /original ΔW/.test(n)),
      result.notes.join('\n'),
    );
    const b = await openAdapter(output);
    try {
      assert.equal(b.adapter.modules[0].magnitude, 'base_model.model.fc.lora_magnitude_vector');
      assert.deepEqual(Array.from(await b.file.readFloat64('base_model.model.fc.lora_magnitude_vector')), Array.from(Float32Array.from(magnitude)));
    } finally {
      await b.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('cancelling while the spectra are computed or while writing leaves nothing written', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const tensors = [0, 1, 2, 3].flatMap((j) => [
      { name: `base_model.model.l${j}.lora_A.weight`, shape: [2, 6], values: gaussian(rng, 2, 6).data },
      { name: `base_model.model.l${j}.lora_B.weight`, shape: [5, 2], values: gaussian(rng, 5, 2).data },
    ]);
    const input = await writeFixture(dir, 'adapter_model.safetensors', tensors, { config: { peft_type: 'LORA', r: 2, lora_alpha: 2 } });
    const token = { isCancellationRequested: false };
    const output = join(dir, 'out');
    await assert.rejects(
      resizeAdapter({ input, output, method: { kind: 'above_mean' }, format: 'same', token, onProgress: (done) => (token.isCancellationRequested = done >= 2) }),
      CancelledError,
    );
    assert.deepEqual((await readdir(dir)).sort(), ['adapter_config.json', 'adapter_model.safetensors']);
    // Cancelled while writing (pass two counts from 4 to 8): the temporary file and the new folder go.
    token.isCancellationRequested = false;
    await assert.rejects(
      resizeAdapter({ input, output, method: { kind: 'above_mean' }, format: 'same', token, onProgress: (done) => (token.isCancellationRequested = done >= 6) }),
      CancelledError,
    );
    assert.deepEqual((await readdir(dir)).sort(), ['adapter_config.json', 'adapter_model.safetensors']);
  } finally {
    await removeDir(dir);
  }
});
