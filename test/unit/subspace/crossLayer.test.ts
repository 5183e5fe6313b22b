import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { crossLayerMaps } from '../../../src/core/subspace/crossLayer';
import type { CrossLayerGroup } from '../../../src/core/subspace/crossLayerGroup';
import { add, dd, mul, sqrt, toNumber } from '../../helpers/doubleDouble';
import { gaussian, multiplyDense } from '../../helpers/factors';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { materialize, type DDMatrix } from '../../helpers/referenceSvd';

function cosineOf(W1: DDMatrix, W2: DDMatrix): number {
  let [inner, s1, s2] = [dd(0), dd(0), dd(0)];
  for (let i = 0; i < W1.data.length; i++) {
    inner = add(inner, mul(W1.data[i], W2.data[i]));
    s1 = add(s1, mul(W1.data[i], W1.data[i]));
    s2 = add(s2, mul(W2.data[i], W2.data[i]));
  }
  return toNumber(inner) / toNumber(sqrt(s1)) / toNumber(sqrt(s2));
}

const at = (g: CrossLayerGroup, map: 'column' | 'row' | 'cosine', i: number, j: number) => g[map].data[j * g.layers.length + i];

test('cross-layer maps: planted shared column and row spaces give φ = 1, cosines match the reference, chance level k/m and k/n', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [m, n, r] = [14, 11, 3];
  const B0 = gaussian(rng, m, r);
  const A0 = gaussian(rng, r, n);
  // Layer 1 shares layer 0's column space (B1 = B0·R), layer 2 its row space (A2 = R'·A0).
  const layers = [
    { B: B0, A: A0 },
    { B: multiplyDense(B0, gaussian(rng, r, r)), A: gaussian(rng, r, n) },
    { B: gaussian(rng, m, r), A: multiplyDense(gaussian(rng, r, r), A0) },
  ];
  const tensors = layers.flatMap((f, i) => [
    { name: `base_model.model.model.layers.${i}.self_attn.q_proj.lora_A.weight`, shape: [r, n], values: f.A.data },
    { name: `base_model.model.model.layers.${i}.self_attn.q_proj.lora_B.weight`, shape: [m, r], values: f.B.data },
  ]);
  tensors.push(
    { name: 'base_model.model.model.layers.0.mlp.up_proj.lora_A.weight', shape: [r, n], values: gaussian(rng, r, n).data },
    { name: 'base_model.model.model.layers.0.mlp.up_proj.lora_B.weight', shape: [m, r], values: gaussian(rng, m, r).data },
    { name: 'base_model.model.lm_head.lora_A.weight', shape: [r, n], values: gaussian(rng, r, n).data },
    { name: 'base_model.model.lm_head.lora_B.weight', shape: [m, r], values: gaussian(rng, m, r).data },
  );
  const path = await writeFixture(dir, 'adapter_model.safetensors', tensors, { config: { peft_type: 'LORA', r, lora_alpha: 6 } });
  const opened = await openAdapter(path);
  try {
    const maps = await crossLayerMaps(opened);
    assert.equal(maps.groups.length, 1);
    const g = maps.groups[0];
    assert.equal(g.moduleType, 'self_attn.q_proj');
    assert.deepEqual(g.shape, [m, n]);
    assert.equal(g.k, r);
    assert.deepEqual(g.random, { column: r / m, row: r / n });
    assert.ok(Math.abs(at(g, 'column', 0, 1) - 1) <= 1e-12, `${at(g, 'column', 0, 1)} ${rng.tag}`);
    assert.ok(Math.abs(at(g, 'row', 0, 2) - 1) <= 1e-12, rng.tag);
    assert.ok(at(g, 'row', 0, 1) < 1 - 1e-6 && at(g, 'column', 0, 2) < 1 - 1e-6, rng.tag);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const want = cosineOf(materialize(2, layers[i].B, layers[i].A), materialize(2, layers[j].B, layers[j].A));
        assert.ok(Math.abs(at(g, 'cosine', i, j) - want) <= 1e-12, `cosine (${i}, ${j}) ${rng.tag}`);
        assert.equal(at(g, 'column', i, j), at(g, 'column', j, i));
      }
    }
    assert.deepEqual(maps.skipped.map((s) => s.name).sort(), ['lm_head', 'model.layers.0.mlp.up_proj']);
  } finally {
    await opened.file.close();
  }
  await removeDir(dir);
});

test('cross-layer maps of a real adapter (RoBERTa query/value, 12 layers each): symmetric, unit diagonal, within [0, 1]', async () => {
  const opened = await openAdapter(corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-460'));
  try {
    const maps = await crossLayerMaps(opened);
    assert.deepEqual(
      maps.groups.map((g) => [g.moduleType, g.layers.length, g.k]),
      [
        ['attention.self.query', 12, 8],
        ['attention.self.value', 12, 8],
      ],
    );
    for (const g of maps.groups) {
      assert.equal(g.random.column, 8 / 768);
      for (let i = 0; i < 12; i++) {
        assert.equal(at(g, 'column', i, i), 1);
        for (let j = 0; j < 12; j++) {
          for (const map of ['column', 'row'] as const) {
            const v = at(g, map, i, j);
            assert.ok(v >= 0 && v <= 1 && v === at(g, map, j, i), `${g.moduleType} ${map} (${i}, ${j}) = ${v}`);
          }
          assert.ok(Math.abs(at(g, 'cosine', i, j)) <= 1);
        }
      }
    }
  } finally {
    await opened.file.close();
  }
});
