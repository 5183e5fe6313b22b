import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { OrtBackend } from '../../../src/core/compute/ort/ortBackend';
import { crossLayerMaps, type CrossLayerMaps } from '../../../src/core/subspace/crossLayer';
import { backends } from '../../helpers/backends';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { gaussian } from '../../helpers/factors';
import { Rng } from '../../helpers/random';

/**
 * The cross-layer maps through a backend's groupOverlaps against the float64 TypeScript bases
 * (crossLayerMaps without a backend). Entries of X_iᵀX_j then differ by the loss of orthogonality
 * of one CholeskyQR pass, ≤ ONE_PASS·r·d·ε (ortGroupOverlaps.ts), and φ and the cosine by at most
 * twice that (sums of products of entries bounded by 1); this is the bound held here.
 */
function assertSameMaps(got: CrossLayerMaps, want: CrossLayerMaps, r: number, tag: string): void {
  assert.deepEqual(got.skipped, want.skipped, tag);
  assert.deepEqual(
    got.groups.map((g) => [g.moduleType, g.layers, g.k, g.shape, g.random]),
    want.groups.map((g) => [g.moduleType, g.layers, g.k, g.shape, g.random]),
    tag,
  );
  got.groups.forEach((g, k) => {
    const w = want.groups[k];
    const [m, n] = g.shape;
    for (const map of ['column', 'row', 'cosine'] as const) {
      const d = map === 'column' ? m : map === 'row' ? n : Math.max(m, n);
      const allowed = 2 * 4 * r * d * Number.EPSILON;
      g[map].data.forEach((x, i) => {
        const y = w[map].data[i];
        assert.ok(Number.isNaN(y) ? Number.isNaN(x) : Math.abs(x - y) <= allowed, `${g.moduleType} ${map}[${i}]: ${x} vs ${y} (allowed ${allowed}) ${tag}`);
      });
    }
  });
}

test('cross-layer maps of a real adapter (RoBERTa, 12 layers × 2 types) on every backend match the float64 bases', async () => {
  const opened = await openAdapter(corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-460'));
  try {
    const want = await crossLayerMaps(opened);
    for (const { name, make } of backends()) {
      const backend = make();
      try {
        assertSameMaps(await crossLayerMaps(opened, { backend }), want, 8, name);
        // The device ran these (768×8 factors): nothing fell back.
        if (backend instanceof OrtBackend) assert.equal(backend.report().fallbacks, 0);
      } finally {
        await backend.dispose();
      }
    }
  } finally {
    await opened.file.close();
  }
});

test('a zero module and an ill-conditioned one: the same maps (NaN for the zero one) on every backend', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [m, n, r, L] = [640, 576, 8, 5];
  const moduleOf = (i: number, type: string, B: Float64Array, A: Float64Array) => [
    { name: `base_model.model.model.layers.${i}.self_attn.${type}.lora_A.weight`, shape: [r, n], values: A },
    { name: `base_model.model.model.layers.${i}.self_attn.${type}.lora_B.weight`, shape: [m, r], values: B },
  ];
  const tensors = Array.from({ length: L }, (_, i) => {
    const B = gaussian(rng, m, r).data;
    // Layer 3's q_proj B: columns within 1e-5 of each other (κ ~ 1e5 even column-scaled), so its
    // Gram needs the second CholeskyQR pass.
    if (i === 3) for (let row = 0; row < m; row++) for (let c = 1; c < r; c++) B[row * r + c] = B[row * r] + 1e-5 * B[row * r + c];
    // Layer 2's v_proj B is zero: k = 0 for its group (φ 0), NaN on its diagonal and cosines.
    const V = gaussian(rng, m, r).data;
    if (i === 2) V.fill(0);
    return [...moduleOf(i, 'q_proj', B, gaussian(rng, r, n).data), ...moduleOf(i, 'v_proj', V, gaussian(rng, r, n).data)];
  }).flat();
  const path = await writeFixture(dir, 'adapter_model.safetensors', tensors, { config: { peft_type: 'LORA', r, lora_alpha: 16 } });
  const opened = await openAdapter(path);
  try {
    const want = await crossLayerMaps(opened);
    assert.deepEqual(
      want.groups.map((g) => [g.moduleType, g.k]),
      [
        ['self_attn.q_proj', r],
        ['self_attn.v_proj', 0],
      ],
    );
    assert.ok(Number.isNaN(want.groups[1].cosine.data[2 * L + 2]), rng.tag);
    for (const { name, make } of backends()) {
      const backend = make();
      try {
        assertSameMaps(await crossLayerMaps(opened, { backend }), want, r, `${name} ${rng.tag}`);
        if (backend instanceof OrtBackend) assert.equal(backend.report().fallbacks, 1, `only the zero B fell back ${rng.tag}`);
      } finally {
        await backend.dispose();
      }
    }
  } finally {
    await opened.file.close();
    await removeDir(dir);
  }
});
