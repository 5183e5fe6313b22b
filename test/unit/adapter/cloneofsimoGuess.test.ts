import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import { assertSpectrum, withAnalysis } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';
import { materialize, type Dense } from '../../helpers/referenceSvd';

/** cloneofsimo lora_diffusion files and factors under keys no rule knows. */

const t = (name: string, X: Dense, dtype: FixtureTensor['dtype'] = 'F64'): FixtureTensor => ({ name, shape: [X.rows, X.cols], values: X.data, dtype });

/** SD 1.x UNet attention layers in the order lora_diffusion walks them (down, up, mid blocks; attn1 then attn2). */
function sd15AttentionShapes(): [number, number][] {
  const widths = [320, 320, 640, 640, 1280, 1280, 1280, 1280, 1280, 640, 640, 640, 320, 320, 320, 1280];
  return widths.flatMap((w) => [
    [w, w],
    [w, w],
    [w, w],
    [w, w],
    [w, w],
    [w, 768],
    [w, 768],
    [w, w],
  ]);
}

test('cloneofsimo lora_diffusion: unet:N / text_encoder:N mapped to real names where order and shapes agree; embeddings listed', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 1;
  const tensors: FixtureTensor[] = [];
  // lora_diffusion/lora.py save_safeloras_with_embeds: "<model>:<i>:up" [out, r], ":down" [r, in], metadata "<model>" = JSON targets, "<model>:<i>:rank".
  const metadata: Record<string, string> = { unet: JSON.stringify(['CrossAttention', 'Attention']), text_encoder: JSON.stringify(['CLIPAttention']), '<s1>': '<embed>' };
  sd15AttentionShapes().forEach(([m, n], i) => {
    tensors.push({ name: `unet:${i}:up`, shape: [m, r], values: new Float64Array(m).fill(0.01), dtype: 'F16' });
    tensors.push({ name: `unet:${i}:down`, shape: [r, n], values: new Float64Array(n).fill(0.01), dtype: 'F16' });
    metadata[`unet:${i}:rank`] = String(r);
  });
  const te: { up: Dense; down: Dense }[] = [];
  for (let i = 0; i < 8; i++) {
    const p = { up: gaussian(rng, 6, 2), down: gaussian(rng, 2, 6) };
    te.push(p);
    tensors.push(t(`text_encoder:${i}:up`, p.up), t(`text_encoder:${i}:down`, p.down));
  }
  tensors.push({ name: '<s1>', shape: [768], values: new Float64Array(768), dtype: 'F32' });
  const path = await writeFixture(dir, 'lora_diffusion.safetensors', tensors, { metadata });
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'diffusers');
    assert.match(adapter.formatDetail, /cloneofsimo lora_diffusion.*1 textual-inversion embedding/);
    assert.equal(adapter.modules.length, 128 + 8);
    const names = new Set(adapter.modules.map((m) => m.name));
    assert.ok(names.has('unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q'));
    assert.ok(names.has('unet.up_blocks.3.attentions.2.transformer_blocks.0.attn2.to_out.0'));
    assert.deepEqual(adapter.modules.find((m) => m.name === 'unet.mid_block.attentions.0.transformer_blocks.0.attn2.to_k')?.shape, [1280, 768]);
    // CLIPAttention registers k_proj, v_proj, q_proj, out_proj: text_encoder:2 is layer 0's q_proj.
    assert.ok(names.has('text_encoder.text_model.encoder.layers.1.self_attn.out_proj'));
    assertSpectrum(results, 'text_encoder.text_model.encoder.layers.0.self_attn.q_proj', materialize(1, te[2].up, te[2].down), rng);
    assert.equal(adapter.modules[0].scale, 1);
    assert.deepEqual(
      adapter.otherTensors.map((o) => [o.name, o.role]),
      [['<s1>', 'token embedding']],
    );
    assert.equal(adapter.baseModel, 'SD 1.x (inferred from module names)');
  });
  await removeDir(dir);
});

test('cloneofsimo lora_diffusion with an order the shapes do not confirm keeps positional names and says so', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const p = { up: gaussian(rng, 5, 2), down: gaussian(rng, 2, 4) };
  const path = await writeFixture(dir, 'positional.safetensors', [t('unet:0:up', p.up), t('unet:0:down', p.down)], {
    metadata: { unet: JSON.stringify(['CrossAttention', 'Attention', 'GEGLU']), 'unet:0:rank': '2' },
  });
  await withAnalysis(path, ({ adapter }, results) => {
    assert.deepEqual(
      adapter.modules.map((m) => m.name),
      ['unet:0'],
    );
    assert.ok(
      adapter.warnings.some((w) => /unet: lora_diffusion names layers by position.*positional names are kept/.test(w)),
      adapter.warnings.join('\n'),
    );
    assertSpectrum(results, 'unet:0', materialize(1, p.up, p.down), rng);
  });
  await removeDir(dir);
});

test('broken suffixes and a doubled unet_ prefix: paired by stem and shape, alpha applied, the guessed rule and the loaders named', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const k = { up: gaussian(rng, 6, r), down: gaussian(rng, r, 5) };
  const v = { up: gaussian(rng, 6, r), down: gaussian(rng, r, 5) };
  // A hand conversion seen in the wild: kohya-like names with "_lora_down.weight" and "lora_unet_unet_".
  const stem = 'lora_unet_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2';
  const path = await writeFixture(dir, 'converted.safetensors', [
    t(`${stem}_to_k_lora_down.weight`, k.down),
    t(`${stem}_to_k_lora_up.weight`, k.up),
    { name: `${stem}_to_k_alpha`, shape: [], values: [1], dtype: 'F32' },
    // The up factor saved first and named "down": shapes decide.
    t(`${stem}_to_v_lora_up.weight`, v.down),
    t(`${stem}_to_v_lora_down.weight`, v.up),
    { name: 'some_other_tensor', shape: [3], values: [1, 2, 3] },
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.notEqual(adapter.formatDetail, 'no adapter found');
    assert.match(adapter.formatDetail, /guessed rule \(broken-suffix\)/);
    const fixed = 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2';
    assert.deepEqual(
      adapter.modules.map((m) => m.name),
      [`${fixed}_to_k`, `${fixed}_to_v`],
    );
    assert.equal(adapter.modules[0].scale, 1 / r);
    assertSpectrum(results, `${fixed}_to_k`, materialize(1 / r, k.up, k.down), rng);
    assertSpectrum(results, `${fixed}_to_v`, materialize(1, v.up, v.down), rng);
    const text = adapter.warnings.join('\n');
    assert.match(text, /guessed rule: 2 module\(s\) have factor keys with a separator no layout uses.*a standard loader finds no LoRA module/);
    assert.match(text, /guessed rule: 2 module name\(s\) repeat the component.*skip these factors/);
    assert.deepEqual(
      adapter.otherTensors.map((o) => o.name),
      ['some_other_tensor'],
    );
  });
  await removeDir(dir);
});

test('anonymous w_a_000 / w_b_000 factors: paired by index and shape, scale unknown; a file without pairs still has no adapter', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const p0 = { up: gaussian(rng, 7, 3), down: gaussian(rng, 3, 4) };
  const p1 = { up: gaussian(rng, 4, 3), down: gaussian(rng, 3, 4) };
  const path = await writeFixture(dir, 'anonymous.safetensors', [t('w_a_000', p0.down), t('w_b_000', p0.up), t('w_a_001', p1.down), t('w_b_001', p1.up)]);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.deepEqual(
      adapter.modules.map((m) => m.name),
      ['w_000', 'w_001'],
    );
    assert.equal(adapter.modules[0].scaleKnown, false);
    assert.ok(adapter.warnings.some((w) => /2 pair\(s\) of anonymous tensors.*No standard loader/.test(w)));
    assertSpectrum(results, 'w_000', materialize(1, p0.up, p0.down), rng);
    assertSpectrum(results, 'w_001', materialize(1, p1.up, p1.down), rng);
  });
  const full = await writeFixture(dir, 'full.safetensors', [t('conv.weight', gaussian(rng, 3, 3)), t('w_a_007', gaussian(rng, 2, 3))]);
  const opened = await openAdapter(full);
  try {
    assert.equal(opened.adapter.formatDetail, 'no adapter found');
  } finally {
    await opened.file.close();
  }
  await removeDir(dir);
});
