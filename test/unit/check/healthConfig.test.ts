import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { configFindings } from '../../../src/core/check/configHealth';
import { HEALTH_CODES } from '../../../src/core/check/healthCodes';
import { gaussian } from '../../helpers/factors';
import { corpusPath, type FixtureTensor } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { findingsOf, peftConfig, peftName, peftTensors, RANK, WIDTH, withCode } from './healthFixtures';

/** Each config finding: a generated adapter whose config contradicts its tensors, and a clean counterpart. */

test('a rank_pattern key that applies to no module is a warning on that key', async () => {
  const rng = Rng.fresh();
  const tensors = peftTensors(rng, new Map([[peftName(0, 'q_proj'), { rank: 4 }]]));
  const bad = withCode(await findingsOf(tensors, { config: peftConfig({ rank_pattern: { 'model.layers.0.self_attn.q_proj': 4, k_proj: 2 } }) }), HEALTH_CODES.patternUnmatched);
  assert.equal(bad.length, 1, rng.tag);
  assert.equal(bad[0].severity, 'warning');
  assert.equal(bad[0].configKey, 'rank_pattern.k_proj');
  const clean = await findingsOf(tensors, { config: peftConfig({ rank_pattern: { 'model.layers.0.self_attn.q_proj': 4 } }) });
  assert.deepEqual(clean, [], rng.tag);
});

test('a target_modules entry that matches no module is a warning pointing at the entry', async () => {
  const rng = Rng.fresh();
  const tensors = peftTensors(rng);
  const bad = withCode(await findingsOf(tensors, { config: peftConfig({ target_modules: ['q_proj', 'o_proj', 'v_proj'] }) }), HEALTH_CODES.targetUnmatched);
  assert.equal(bad.length, 1, rng.tag);
  assert.equal(bad[0].severity, 'warning');
  assert.equal(bad[0].configKey, 'target_modules.1');
  assert.deepEqual(withCode(await findingsOf(tensors, { config: peftConfig() }), HEALTH_CODES.targetUnmatched), [], rng.tag);
});

test("a config r the tensors do not have is a warning on 'r'", async () => {
  const rng = Rng.fresh();
  const tensors = peftTensors(rng);
  const bad = withCode(await findingsOf(tensors, { config: peftConfig({ r: 2 * RANK }) }), HEALTH_CODES.rankMismatch);
  assert.equal(bad.length, 1, rng.tag);
  assert.equal(bad[0].severity, 'warning');
  assert.equal(bad[0].configKey, 'r');
  assert.equal(bad[0].modules.length, 12);
  assert.deepEqual(withCode(await findingsOf(tensors, { config: peftConfig({ r: RANK }) }), HEALTH_CODES.rankMismatch), [], rng.tag);
});

/** kohya sd-scripts networks/lora.py names: `lora_unet_<path with _>.lora_down.weight` [r, in], `.lora_up.weight` [out, r], `.alpha` []. */
function kohyaTensors(rng: Rng, alphas: readonly number[]): FixtureTensor[] {
  const tensors: FixtureTensor[] = [];
  const projections = ['to_q', 'to_k', 'to_v', 'to_out_0'];
  alphas.forEach((alpha, i) => {
    const name = `lora_unet_down_blocks_0_attentions_${i >> 2}_transformer_blocks_0_attn1_${projections[i % 4]}`;
    tensors.push({ name: `${name}.lora_down.weight`, shape: [RANK, WIDTH], values: gaussian(rng, RANK, WIDTH).data });
    tensors.push({ name: `${name}.lora_up.weight`, shape: [WIDTH, RANK], values: gaussian(rng, WIDTH, RANK).data });
    tensors.push({ name: `${name}.alpha`, shape: [], values: [alpha] });
  });
  return tensors;
}

test('stored alphas that contradict ss_network_alpha are a warning naming the modules', async () => {
  const rng = Rng.fresh();
  const metadata = { ss_network_alpha: '16.0', ss_network_dim: String(RANK) };
  const bad = withCode(await findingsOf(kohyaTensors(rng, [16, 16, 8, 16, 16, 16, 16, 16]), { metadata }, 'lora.safetensors'), HEALTH_CODES.alphaMismatch);
  assert.equal(bad.length, 1, rng.tag);
  assert.equal(bad[0].severity, 'warning');
  assert.deepEqual(bad[0].modules, ['lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_v']);
  assert.deepEqual(await findingsOf(kohyaTensors(rng, Array(8).fill(16)), { metadata }, 'lora.safetensors'), [], rng.tag);
});

test('a module stored twice is an error; the same module stored once is clean', async () => {
  const rng = Rng.fresh();
  const tensors = peftTensors(rng);
  // PEFT's in-memory state dict names the adapter (`lora_A.default.weight`); save_pretrained drops it.
  const extra: FixtureTensor[] = tensors.filter((t) => t.name.includes('layers.1.self_attn.q_proj')).map((t) => ({ ...t, name: t.name.replace('.weight', '.default.weight') }));
  const bad = withCode(await findingsOf([...tensors, ...extra], { config: peftConfig() }), HEALTH_CODES.duplicate);
  assert.equal(bad.length, 1, rng.tag);
  assert.equal(bad[0].severity, 'error');
  assert.deepEqual(bad[0].modules, [peftName(1, 'q_proj')]);
  assert.deepEqual(withCode(await findingsOf(tensors, { config: peftConfig() }), HEALTH_CODES.duplicate), [], rng.tag);
});

test('a file with no module (a UniLoRA shared vector) gets NO_MODULES, not one HEALTH_TARGET_UNMATCHED per target_modules entry', async () => {
  const opened = await openAdapter(corpusPath('peft-unilora-roberta', 'adapter_model.safetensors'));
  try {
    assert.equal(opened.adapter.modules.length, 0);
    assert.ok(Array.isArray(opened.adapter.config?.values.target_modules) && opened.adapter.config.values.target_modules.length > 0);
    assert.deepEqual(configFindings(opened.adapter), []);
  } finally {
    await opened.file.close();
  }
});
