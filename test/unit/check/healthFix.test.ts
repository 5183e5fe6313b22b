import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { HEALTH_CODES } from '../../../src/core/check/healthCodes';
import { gaussian } from '../../helpers/factors';
import type { FixtureTensor } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { findingsOf, peftConfig, peftName, peftTensors, RANK, WIDTH, withCode } from './healthFixtures';

/** The config value a finding carries as its quick fix: only where one value is certain to remove it. */

test("an r that contradicts tensors of one rank carries that rank as the fix of 'r'", async () => {
  const rng = Rng.fresh();
  const [bad] = withCode(await findingsOf(peftTensors(rng), { config: peftConfig({ r: 2 * RANK }) }), HEALTH_CODES.rankMismatch);
  assert.deepEqual(bad?.fix, { configKey: 'r', value: RANK }, rng.tag);
});

test('tensors of two ranks under one r carry no fix; a rank_pattern entry for the odd module makes the fix certain again', async () => {
  const rng = Rng.fresh();
  const odd = peftName(2, 'v_proj');
  const tensors = peftTensors(rng, new Map([[odd, { rank: 4 }]]));
  // r = 8 fits all but one: no r fits that one too.
  const [one] = withCode(await findingsOf(tensors, { config: peftConfig() }), HEALTH_CODES.rankMismatch);
  assert.deepEqual(one?.modules, [odd], rng.tag);
  assert.equal(one?.fix, undefined);
  // r = 16 fits none, and they disagree among themselves.
  const [all] = withCode(await findingsOf(tensors, { config: peftConfig({ r: 16 }) }), HEALTH_CODES.rankMismatch);
  assert.equal(all?.modules.length, 12);
  assert.equal(all?.fix, undefined);
  const [patterned] = withCode(await findingsOf(tensors, { config: peftConfig({ r: 16, rank_pattern: { [odd]: 4 } }) }), HEALTH_CODES.rankMismatch);
  assert.deepEqual(patterned?.fix, { configKey: 'r', value: RANK }, rng.tag);
});

/** kohya sd-scripts networks/lora.py names: `lora_unet_<path with _>.lora_down.weight` [r, in], `.lora_up.weight` [out, r], `.alpha` []. */
function kohyaTensors(rng: Rng, alphas: readonly number[]): FixtureTensor[] {
  return alphas.flatMap((alpha, i) => {
    const name = `lora_unet_down_blocks_0_attentions_${i >> 2}_transformer_blocks_0_attn1_${['to_q', 'to_k', 'to_v', 'to_out_0'][i % 4]}`;
    return [
      { name: `${name}.lora_down.weight`, shape: [RANK, WIDTH], values: gaussian(rng, RANK, WIDTH).data },
      { name: `${name}.lora_up.weight`, shape: [WIDTH, RANK], values: gaussian(rng, WIDTH, RANK).data },
      { name: `${name}.alpha`, shape: [], values: [alpha] },
    ];
  });
}

test('stored alphas that contradict the metadata carry no config fix: there is no config key to set', async () => {
  const rng = Rng.fresh();
  const metadata = { ss_network_alpha: '16.0', ss_network_dim: String(RANK) };
  const [bad] = withCode(await findingsOf(kohyaTensors(rng, Array(8).fill(8)), { metadata }, 'lora.safetensors'), HEALTH_CODES.alphaMismatch);
  assert.ok(bad, rng.tag);
  assert.equal(bad.configKey, undefined);
  assert.equal(bad.fix, undefined);
});

test("stored alphas that agree with each other but not with the config's lora_alpha carry that alpha as the fix", async () => {
  const rng = Rng.fresh();
  const config = { lora_alpha: 16 };
  const [bad] = withCode(await findingsOf(kohyaTensors(rng, Array(8).fill(8)), { config }, 'lora.safetensors'), HEALTH_CODES.alphaMismatch);
  assert.equal(bad?.configKey, 'lora_alpha', rng.tag);
  assert.deepEqual(bad?.fix, { configKey: 'lora_alpha', value: 8 });
  // One module stores another alpha: no single lora_alpha matches every tensor.
  const [mixed] = withCode(await findingsOf(kohyaTensors(rng, [8, 8, 8, 4, 8, 8, 8, 8]), { config }, 'lora.safetensors'), HEALTH_CODES.alphaMismatch);
  assert.equal(mixed?.modules.length, 8, rng.tag);
  assert.equal(mixed?.fix, undefined);
  const [partly] = withCode(await findingsOf(kohyaTensors(rng, [16, 16, 8, 16, 16, 16, 16, 16]), { config }, 'lora.safetensors'), HEALTH_CODES.alphaMismatch);
  assert.equal(partly?.modules.length, 1, rng.tag);
  assert.equal(partly?.fix, undefined);
});
