import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { expertModuleName, torchtuneToHf } from '../../../src/core/adapter/moduleNames';
import { BaseModel } from '../../../src/core/base/baseModel';
import { indexBaseWeights, matchBaseWeight } from '../../../src/core/base/weightNames';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/** Expert and torchtune module names find the per-expert and Hugging Face base weights. */

test('MoE experts (PEFT target_parameters, mlx-lm switch_mlp) and torchtune names find their Hugging Face base weights', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  // A Qwen2/Qwen3-MoE checkpoint names each expert's linear layer: model.layers.N.mlp.experts.E.down_proj.weight.
  const [m, n] = [6, 10];
  const tensors = [0, 1, 2].map((e) => ({ name: `model.layers.0.mlp.experts.${e}.down_proj.weight`, shape: [m, n], values: rng.gaussians(m * n) }));
  tensors.push({ name: 'model.layers.0.self_attn.o_proj.weight', shape: [m, m], values: rng.gaussians(m * m) });
  const base = await BaseModel.open(await writeFixture(dir, 'model.safetensors', tensors));
  try {
    const index = indexBaseWeights(base.weights.values());
    const names = [expertModuleName('model.layers.0.mlp.experts.down_proj', 2), expertModuleName('model.layers.0.mlp.switch_mlp.down_proj', 2)];
    assert.deepEqual(names, ['model.layers.0.mlp.experts.2.down_proj', 'model.layers.0.mlp.experts.2.down_proj']);
    for (const name of names) {
      const match = matchBaseWeight({ name, shape: [m, n] }, index, false);
      assert.ok(!('reason' in match) && match.weight.name === 'model.layers.0.mlp.experts.2.down_proj.weight', name);
    }
    const tt = torchtuneToHf('layers.0.attn.output_proj');
    assert.equal(tt, 'model.layers.0.self_attn.o_proj');
    const match = matchBaseWeight({ name: tt ?? '', shape: [m, m] }, index, false);
    assert.ok(!('reason' in match) && match.weight.name === 'model.layers.0.self_attn.o_proj.weight');
  } finally {
    await base.close();
    await removeDir(dir);
  }
});
