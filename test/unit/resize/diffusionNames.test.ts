import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { resizeAdapter } from '../../../src/core/resize/resize';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { checkRoundTrip } from './roundTripCheck';

/** A resized cloneofsimo or XLabs file is written under names a standard loader reads, and reopens with the same modules. */

async function reopen(path: string): Promise<{ names: string[]; tensors: string[]; metadata: Readonly<Record<string, string>>; detail: string }> {
  const { adapter, file } = await openAdapter(path);
  try {
    return {
      names: adapter.modules.map((m) => m.name).sort(),
      tensors: adapter.header.tensors.map((t) => t.name),
      metadata: adapter.header.metadata ?? {},
      detail: adapter.formatDetail,
    };
  } finally {
    await file.close();
  }
}

test('cloneofsimo: the resized file keeps <model>:<i>:up/down, no alpha, and each module’s new rank in <model>:<i>:rank', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const r = 4;
    // lora_diffusion/lora.py save_safeloras_with_embeds: `<model>:<i>:up` [out, r], `:down` [r, in], metadata
    // `<model>` = the target classes as JSON, `<model>:<i>:rank`. Shapes that fit no SD UNet keep the names positional;
    // four square CLIPAttention layers map to one text-encoder layer's k, v, q, out projections.
    const tensors: FixtureTensor[] = [];
    const metadata: Record<string, string> = { unet: JSON.stringify(['CrossAttention', 'Attention', 'GEGLU']), text_encoder: JSON.stringify(['CLIPAttention']) };
    const add = (model: string, i: number, m: number, n: number) => {
      tensors.push({ name: `${model}:${i}:up`, shape: [m, r], values: gaussian(rng, m, r).data }, { name: `${model}:${i}:down`, shape: [r, n], values: gaussian(rng, r, n).data });
      metadata[`${model}:${i}:rank`] = String(r);
    };
    for (let i = 0; i < 3; i++) add('unet', i, 6 + i, 5);
    for (let i = 0; i < 4; i++) add('text_encoder', i, 6, 6);
    const input = await writeFixture(dir, 'lora.safetensors', tensors, { metadata });
    const before = await reopen(input);
    const output = join(dir, 'small.safetensors');
    const result = await resizeAdapter({ input, output, method: { kind: 'fixed', rank: 2 }, format: 'same', dtype: 'F32' });
    const after = await reopen(output);
    assert.match(after.detail, /cloneofsimo/);
    assert.deepEqual(after.names, before.names);
    assert.ok(before.names.includes('text_encoder.text_model.encoder.layers.0.self_attn.q_proj'), before.names.join());
    for (const name of after.tensors) assert.match(name, /^(unet|text_encoder):\d:(up|down)$/);
    assert.equal(after.tensors.length, 14);
    for (let i = 0; i < 3; i++) assert.equal(after.metadata[`unet:${i}:rank`], '2');
    for (let i = 0; i < 4; i++) assert.equal(after.metadata[`text_encoder:${i}:rank`], '2');
    assert.equal(after.metadata.unet, metadata.unet, 'the target classes the loader needs are kept');
    assert.equal(await checkRoundTrip(input, output, result.plan, 'F32', (name) => name, rng.tag), 7);
  } finally {
    await removeDir(dir);
  }
});

test('XLabs: the resized file has kohya FLUX names (lora_unet_ + BFL path), the single-block qkv under ComfyUI’s linear1_qkv', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const [h, r] = [6, 4];
    // x-flux DoubleStreamBlockLoraProcessor / SingleStreamBlockLoraProcessor (LoRALinearLayer down [r, in], up [out, r]).
    const entries: [string, number, number][] = [
      ['double_blocks.0.processor.qkv_lora1', 3 * h, h],
      ['double_blocks.0.processor.proj_lora1', h, h],
      ['double_blocks.0.processor.qkv_lora2', 3 * h, h],
      ['double_blocks.0.processor.proj_lora2', h, h],
      ['single_blocks.1.processor.qkv_lora', 3 * h, h],
      ['single_blocks.1.processor.proj_lora', h, 5 * h],
    ];
    const tensors = entries.flatMap(([name, m, n]): FixtureTensor[] => [
      { name: `${name}.down.weight`, shape: [r, n], values: gaussian(rng, r, n).data },
      { name: `${name}.up.weight`, shape: [m, r], values: gaussian(rng, m, r).data },
    ]);
    const input = await writeFixture(dir, 'xlabs.safetensors', tensors);
    const output = join(dir, 'small.safetensors');
    const result = await resizeAdapter({ input, output, method: { kind: 'fixed', rank: 2 }, format: 'same', dtype: 'F32' });
    const after = await reopen(output);
    const kohya = {
      'double_blocks.0.img_attn.qkv': 'lora_unet_double_blocks_0_img_attn_qkv',
      'double_blocks.0.img_attn.proj': 'lora_unet_double_blocks_0_img_attn_proj',
      'double_blocks.0.txt_attn.qkv': 'lora_unet_double_blocks_0_txt_attn_qkv',
      'double_blocks.0.txt_attn.proj': 'lora_unet_double_blocks_0_txt_attn_proj',
      'single_blocks.1.linear1.qkv': 'diffusion_model.single_blocks.1.linear1_qkv',
      'single_blocks.1.linear2': 'lora_unet_single_blocks_1_linear2',
    } as Record<string, string>;
    assert.deepEqual(after.names, Object.values(kohya).sort());
    // kohya's rule: lora_unet_ + the base module's path with `.` → `_`; every factor has its alpha.
    for (const name of after.tensors) assert.match(name, /^(lora_unet_[a-z0-9_]+|diffusion_model\.single_blocks\.1\.linear1_qkv)\.(lora_down\.weight|lora_up\.weight|alpha)$/);
    assert.equal(after.tensors.length, 18);
    assert.equal(await checkRoundTrip(input, output, result.plan, 'F32', (name) => kohya[name], rng.tag), 6);
  } finally {
    await removeDir(dir);
  }
});
