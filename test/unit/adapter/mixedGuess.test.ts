import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import { assertSpectrum, withAnalysis } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';
import { materialize, type Dense } from '../../helpers/referenceSvd';

/** A file that mixes keys a rule knows with broken ones: the broken ones are paired by stem and shape too. */

const t = (name: string, X: Dense): FixtureTensor => ({ name, shape: [X.rows, X.cols], values: X.data });

test('kohya keys mixed with broken "_lora_down.weight" suffixes: the broken pairs are guessed, analysed and named in a warning', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const q = { up: gaussian(rng, 6, r), down: gaussian(rng, r, 5) };
  const k = { up: gaussian(rng, 6, r), down: gaussian(rng, r, 5) };
  const stem = 'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2';
  // kohya sd-scripts networks/lora.py keys (<lora_name>.lora_down.weight, .alpha) beside a hand
  // conversion's "_lora_down.weight" / "_alpha" for one module.
  const path = await writeFixture(dir, 'mixed.safetensors', [
    t(`${stem}_to_q.lora_down.weight`, q.down),
    t(`${stem}_to_q.lora_up.weight`, q.up),
    { name: `${stem}_to_q.alpha`, shape: [], values: [1], dtype: 'F32' },
    t(`${stem}_to_k_lora_down.weight`, k.down),
    t(`${stem}_to_k_lora_up.weight`, k.up),
    { name: `${stem}_to_k_alpha`, shape: [], values: [4], dtype: 'F32' },
    { name: 'some_other_tensor', shape: [3], values: [1, 2, 3] },
  ]);
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'kohya');
    assert.deepEqual(
      adapter.modules.map((m) => m.name),
      [`${stem}_to_k`, `${stem}_to_q`],
    );
    assertSpectrum(results, `${stem}_to_q`, materialize(1 / r, q.up, q.down), rng);
    assertSpectrum(results, `${stem}_to_k`, materialize(4 / r, k.up, k.down), rng);
    assert.match(adapter.formatDetail, /1 module\(s\) paired by a guessed rule \(broken-suffix\)/);
    assert.match(adapter.warnings.join('\n'), /guessed rule: 1 module\(s\) have factor keys with a separator no layout uses/);
    assert.deepEqual(
      adapter.otherTensors.map((o) => o.name),
      ['some_other_tensor'],
    );
  });
  await removeDir(dir);
});

test('PEFT keys mixed with broken ".lora.down" pairs: the guessed pair is analysed with its scale unknown', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const r = 2;
  const q = { B: gaussian(rng, 6, r), A: gaussian(rng, r, 5) };
  const v = { up: gaussian(rng, 6, r), down: gaussian(rng, r, 5) };
  // PEFT save_pretrained keys (base_model.model.<path>.lora_A.weight) beside a broken ".lora.down" pair.
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      t('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', q.A),
      t('base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight', q.B),
      t('base_model.model.model.layers.0.self_attn.v_proj.lora.down', v.down),
      t('base_model.model.model.layers.0.self_attn.v_proj.lora.up', v.up),
    ],
    { config: { peft_type: 'LORA', r, lora_alpha: 2 * r, target_modules: ['q_proj', 'v_proj'] } },
  );
  await withAnalysis(path, ({ adapter }, results) => {
    assert.equal(adapter.format, 'peft');
    const q0 = adapter.modules.find((m) => m.name === 'model.layers.0.self_attn.q_proj');
    const v0 = adapter.modules.find((m) => m.name.endsWith('v_proj'));
    assert.equal(q0?.scale, 2);
    assert.ok(v0, adapter.modules.map((m) => m.name).join(', '));
    assert.equal(v0.scaleKnown, false);
    assertSpectrum(results, 'model.layers.0.self_attn.q_proj', materialize(2, q.B, q.A), rng);
    assertSpectrum(results, v0.name, materialize(v0.scale, v.up, v.down), rng);
    assert.equal(adapter.otherTensors.length, 0);
  });
  await removeDir(dir);
});
