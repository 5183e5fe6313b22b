import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { BaseModel } from '../../../src/core/base/baseModel';
import { indexBaseWeights, matchBaseWeight, type BaseWeightIndex, type WeightMatch } from '../../../src/core/base/weightNames';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/** Adapter module names of every layout against base weight names, and the shape checks. */

const BASE: readonly (readonly [string, readonly number[]])[] = [
  ['model.layers.0.self_attn.q_proj.weight', [8, 6]],
  ['model.layers.1.self_attn.q_proj.weight', [8, 6]],
  ['model.layers.10.self_attn.q_proj.weight', [8, 6]],
  ['h.0.attn.c_attn.weight', [2, 6]],
  ['h.0.attn.c_proj.weight', [2, 2]],
  ['h.0.attn.c_proj.bias', [2]],
  ['down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight', [4, 4]],
  ['down_blocks.0.resnets.0.conv1.weight', [4, 2, 3, 3]],
  ['text_model.encoder.layers.0.self_attn.q_proj.weight', [5, 5]],
  ['left.blocks.0.proj.weight', [3, 3]],
  ['right.blocks.0.proj.weight', [3, 3]],
];

async function withIndex(body: (index: BaseWeightIndex) => void): Promise<void> {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const tensors = BASE.map(([name, shape]) => ({ name, shape, values: rng.gaussians(shape.reduce((a, b) => a * b, 1)) }));
    const base = await BaseModel.open(await writeFixture(dir, 'model.safetensors', tensors));
    try {
      body(indexBaseWeights(base.weights.values()));
    } finally {
      await base.close();
    }
  } finally {
    await removeDir(dir);
  }
}

function found(match: WeightMatch): { name: string; transposed: boolean } {
  if ('reason' in match) return assert.fail(match.reason);
  return { name: match.weight.name, transposed: match.transposed };
}

test('PEFT, mlx-lm, kohya and diffusers names find their base weight', () =>
  withIndex((index) => {
    const cases: [string, [number, number], string][] = [
      ['model.layers.0.self_attn.q_proj', [8, 6], 'model.layers.0.self_attn.q_proj.weight'],
      ['base_model.model.model.layers.1.self_attn.q_proj', [8, 6], 'model.layers.1.self_attn.q_proj.weight'],
      ['layers.10.self_attn.q_proj', [8, 6], 'model.layers.10.self_attn.q_proj.weight'],
      ['lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q', [4, 4], 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight'],
      ['unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q', [4, 4], 'down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.weight'],
      ['lora_unet_down_blocks_0_resnets_0_conv1', [4, 18], 'down_blocks.0.resnets.0.conv1.weight'],
      ['lora_te1_text_model_encoder_layers_0_self_attn_q_proj', [5, 5], 'text_model.encoder.layers.0.self_attn.q_proj.weight'],
      ['text_encoder.text_model.encoder.layers.0.self_attn.q_proj', [5, 5], 'text_model.encoder.layers.0.self_attn.q_proj.weight'],
    ];
    for (const [name, shape, want] of cases) assert.deepEqual(found(matchBaseWeight({ name, shape }, index, false)), { name: want, transposed: false }, name);
  }));

test('GPT-2 Conv1D weights (stored in×out) match transposed; a square one only with fan_in_fan_out', () =>
  withIndex((index) => {
    assert.deepEqual(found(matchBaseWeight({ name: 'transformer.h.0.attn.c_attn', shape: [6, 2] }, index, true)), { name: 'h.0.attn.c_attn.weight', transposed: true });
    assert.deepEqual(found(matchBaseWeight({ name: 'transformer.h.0.attn.c_proj', shape: [2, 2] }, index, true)), { name: 'h.0.attn.c_proj.weight', transposed: true });
    assert.deepEqual(found(matchBaseWeight({ name: 'transformer.h.0.attn.c_proj', shape: [2, 2] }, index, false)), { name: 'h.0.attn.c_proj.weight', transposed: false });
  }));

test('a wrong shape, a missing name, another layer index and an ambiguous name give reasons, not matches', () =>
  withIndex((index) => {
    const reason = (name: string, shape: [number, number]) => {
      const m = matchBaseWeight({ name, shape }, index, false);
      return 'reason' in m ? m.reason : `matched ${m.weight.name}`;
    };
    assert.match(reason('model.layers.0.self_attn.q_proj', [8, 7]), /base weight model\.layers\.0\.self_attn\.q_proj\.weight is 8×6, but ΔW is 8×7 \(nor is it the 7×8 transpose/);
    assert.match(reason('model.layers.0.self_attn.v_proj', [8, 6]), /no base weight named like model\.layers\.0\.self_attn\.v_proj\.weight/);
    assert.match(reason('model.layers.2.self_attn.q_proj', [8, 6]), /no base weight/);
    assert.match(reason('h.1.attn.c_attn', [6, 2]), /no base weight/);
    assert.match(reason('blocks.0.proj', [3, 3]), /ambiguous: base weights left\.blocks\.0\.proj\.weight and right\.blocks\.0\.proj\.weight/);
    assert.match(reason('unet.text_model.encoder.layers.0.self_attn.q_proj', [5, 5]), /matched/, 'a base file without components matches any component');
    const kind = (name: string, shape: [number, number]) => {
      const m = matchBaseWeight({ name, shape }, index, false);
      return 'reason' in m ? m.kind : 'matched';
    };
    assert.deepEqual(
      [kind('model.layers.0.self_attn.q_proj', [8, 7]), kind('model.layers.0.self_attn.v_proj', [8, 6]), kind('blocks.0.proj', [3, 3])],
      ['shape', 'missing', 'undetermined'],
    );
  }));
