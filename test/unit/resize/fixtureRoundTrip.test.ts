import { strict as assert } from 'node:assert';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { resizeAdapter } from '../../../src/core/resize/resize';
import { gaussian, inverse, multiplyDense } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { checkRoundTrip } from './roundTripCheck';

const same = (name: string): string => name;

test('kohya conv (3×3 LoCon and a Tucker core) keeps kernel shapes; F16 output within F16 rounding', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const [r, out, inputs, k] = [4, 6, 5, 3];
    const input = await writeFixture(
      dir,
      'locon.safetensors',
      [
        { name: 'lora_unet_conv_in.lora_down.weight', shape: [r, inputs, k, k], values: gaussian(rng, r, inputs * k * k).data, dtype: 'F32' },
        { name: 'lora_unet_conv_in.lora_up.weight', shape: [out, r, 1, 1], values: gaussian(rng, out, r).data, dtype: 'F32' },
        { name: 'lora_unet_conv_in.alpha', shape: [], values: [2], dtype: 'F32' },
        { name: 'lora_unet_tucker.lora_down.weight', shape: [r, inputs, 1, 1], values: gaussian(rng, r, inputs).data, dtype: 'F32' },
        { name: 'lora_unet_tucker.lora_mid.weight', shape: [r, r, k, k], values: gaussian(rng, r, r * k * k).data, dtype: 'F32' },
        { name: 'lora_unet_tucker.lora_up.weight', shape: [out, r, 1, 1], values: gaussian(rng, out, r).data, dtype: 'F32' },
        { name: 'lora_unet_tucker.alpha', shape: [], values: [-3], dtype: 'F32' },
        { name: 'lora_te_fc.lora_down.weight', shape: [r, 7], values: gaussian(rng, r, 7).data, dtype: 'F32' },
        { name: 'lora_te_fc.lora_up.weight', shape: [9, r], values: gaussian(rng, 9, r).data, dtype: 'F32' },
      ],
      { metadata: { ss_network_dim: '4', ss_network_alpha: '2', sshs_model_hash: 'stale' } },
    );
    const output = join(dir, 'small.safetensors');
    const result = await resizeAdapter({ input, output, method: { kind: 'fixed', rank: 2 }, format: 'same', dtype: 'F16' });
    const reopened = await openAdapter(output);
    try {
      const shapes = Object.fromEntries(reopened.adapter.header.tensors.map((t) => [t.name, t.shape]));
      assert.deepEqual(shapes['lora_unet_conv_in.lora_down.weight'], [2, inputs, k, k]);
      assert.deepEqual(shapes['lora_unet_conv_in.lora_up.weight'], [out, 2, 1, 1]);
      assert.deepEqual(shapes['lora_unet_tucker.lora_down.weight'], [2, inputs, k, k], 'the Tucker core is contracted into a plain conv down');
      assert.equal(shapes['lora_unet_tucker.lora_mid.weight'], undefined);
      assert.equal(reopened.adapter.header.metadata?.sshs_model_hash, undefined, 'a stale hash is dropped');
      assert.equal(reopened.adapter.header.metadata?.ss_network_dim, 'Dynamic');
    } finally {
      await reopened.file.close();
    }
    assert.equal(await checkRoundTrip(input, output, result.plan, 'F16', same, rng.tag), 3);
  } finally {
    await removeDir(dir);
  }
});

test('MoSLoRA mixer and AdaLoRA E are folded: plain LoRA out, same truncation, GL(r)-invariant', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const [m, n, r] = [12, 10, 5];
    const B = gaussian(rng, m, r);
    const A = gaussian(rng, r, n);
    const M = gaussian(rng, r, r);
    const E = gaussian(rng, r, 1);
    const mos = await writeFixture(
      join(dir),
      'adapter_model.safetensors',
      [
        { name: 'base_model.model.fc.lora_A.weight', shape: [r, n], values: A.data },
        { name: 'base_model.model.fc.lora_B.weight', shape: [m, r], values: B.data },
        { name: 'base_model.model.fc.lora_AB.weight', shape: [r, r], values: M.data },
      ],
      { config: { peft_type: 'LORA', r, lora_alpha: 10, target_modules: ['fc'] } },
    );
    const out = join(dir, 'mos-out');
    const result = await resizeAdapter({ input: mos, output: out, method: { kind: 'fixed', rank: 3 }, format: 'same' });
    assert.equal(await checkRoundTrip(mos, out, result.plan, 'F64', same, rng.tag), 1);
    const written = await openAdapter(out);
    assert.deepEqual(written.adapter.header.tensors.map((t) => t.name).sort(), ['base_model.model.fc.lora_A.weight', 'base_model.model.fc.lora_B.weight']);
    await written.file.close();

    // The same ΔW as (B·R)(R⁻¹·M·R)(R⁻¹·A), R = I + 0.1·G (‖0.1·G‖₂ ≲ 0.45, so κ(R) ≲ 3 and
    // the reparametrized factors lose no more than a few ulps): same plan, same written ΔW.
    const R = gaussian(rng, r, r, 0.1);
    for (let i = 0; i < r; i++) R.data[i * r + i] += 1;
    const Ri = inverse(R);
    const repar = join(dir, 'repar');
    await mkdir(repar);
    const reparFile = await writeFixture(
      repar,
      'adapter_model.safetensors',
      [
        { name: 'base_model.model.fc.lora_A.weight', shape: [r, n], values: multiplyDense(Ri, A).data },
        { name: 'base_model.model.fc.lora_B.weight', shape: [m, r], values: multiplyDense(B, R).data },
        { name: 'base_model.model.fc.lora_AB.weight', shape: [r, r], values: multiplyDense(multiplyDense(Ri, M), R).data },
      ],
      { config: { peft_type: 'LORA', r, lora_alpha: 10, target_modules: ['fc'] } },
    );
    const reparOut = join(dir, 'repar-out');
    const reparResult = await resizeAdapter({ input: reparFile, output: reparOut, method: { kind: 'fixed', rank: 3 }, format: 'same' });
    assert.deepEqual(
      reparResult.plan.layers.map((l) => l.kept),
      result.plan.layers.map((l) => l.kept),
    );
    assert.equal(await checkRoundTrip(mos, reparOut, result.plan, 'F64', same, rng.tag), 1);

    const ada = join(dir, 'ada');
    await mkdir(ada);
    const adaFile = await writeFixture(
      ada,
      'adapter_model.safetensors',
      [
        { name: 'base_model.model.fc.lora_A', shape: [r, n], values: A.data },
        { name: 'base_model.model.fc.lora_B', shape: [m, r], values: B.data },
        { name: 'base_model.model.fc.lora_E', shape: [r, 1], values: E.data },
      ],
      { config: { peft_type: 'ADALORA', r: 4, init_r: r, target_r: 2, lora_alpha: 8 } },
    );
    const adaOut = join(dir, 'ada-out');
    const adaResult = await resizeAdapter({ input: adaFile, output: adaOut, method: { kind: 'energy', level: 0.9 }, format: 'same' });
    assert.equal(await checkRoundTrip(adaFile, adaOut, adaResult.plan, 'F64', same, rng.tag), 1);
    const config = JSON.parse(await readFile(join(adaOut, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.peft_type, 'LORA');
    assert.equal(config.init_r, undefined);
    const adaWritten = await openAdapter(adaOut);
    assert.deepEqual(adaWritten.adapter.header.tensors.map((t) => t.name).sort(), ['base_model.model.fc.lora_A.weight', 'base_model.model.fc.lora_B.weight']);
    await adaWritten.file.close();
  } finally {
    await removeDir(dir);
  }
});
