import { strict as assert } from 'node:assert';
import { stat } from 'node:fs/promises';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter } from '../../../src/core/analysis/analyze';
import { layerAnalysisOf, overviewOf } from '../../../src/host/payloads';
import { placeOf } from '../../../src/core/adapter/place';
import { familyOf } from '../../../src/host/layerNames';
import { gaussian } from '../../helpers/factors';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { asDD } from '../../helpers/linalgChecks';
import { Rng } from '../../helpers/random';
import { referenceSingularValues } from '../../helpers/referenceSvd';

test('module names split into block and module type for PEFT, diffusers and kohya names', () => {
  assert.deepEqual(placeOf('model.layers.3.self_attn.q_proj'), { block: 'model.layers.3', moduleType: 'self_attn.q_proj' });
  assert.deepEqual(placeOf('down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q'), { block: 'down_blocks.1.attentions.0.transformer_blocks.0', moduleType: 'attn1.to_q' });
  assert.deepEqual(placeOf('lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q'), {
    block: 'lora_unet_down_blocks_1_attentions_0_transformer_blocks_0',
    moduleType: 'attn1_to_q',
  });
  assert.deepEqual(placeOf('lora_te1_text_model_encoder_layers_11_mlp_fc2'), { block: 'lora_te1_text_model_encoder_layers_11', moduleType: 'mlp_fc2' });
  // A trailing integer is not a block: nothing follows it to be the type.
  assert.deepEqual(placeOf('transformer.h.0.mlp.fc.0'), { block: 'transformer.h.0', moduleType: 'mlp.fc.0' });
  assert.deepEqual(placeOf('lm_head'), { block: null, moduleType: 'lm_head' });
  assert.deepEqual(placeOf('classifier.dense'), { block: null, moduleType: 'dense' });
});

test('module types fall into attention, feed-forward and embedding families', () => {
  assert.equal(familyOf('self_attn.q_proj', 'linear'), 'attention');
  assert.equal(familyOf('attn.c_proj', 'linear'), 'attention');
  assert.equal(familyOf('attn1_to_q', 'linear'), 'attention');
  assert.equal(familyOf('mlp.down_proj', 'linear'), 'mlp');
  assert.equal(familyOf('ff.net.2', 'linear'), 'mlp');
  assert.equal(familyOf('mlp_fc2', 'linear'), 'mlp');
  assert.equal(familyOf('embed_tokens', 'embedding'), 'embedding');
  assert.equal(familyOf('conv_shortcut', 'conv'), 'other');
});

test('the overview of a real PEFT adapter matches its header, and results convert with their numbers', async () => {
  const path = corpusPath('peft-gpt2-a');
  const opened = await openAdapter(path);
  try {
    const { adapter } = opened;
    const bytes = (await stat(adapter.file)).size;
    const overview = overviewOf(adapter, bytes);
    assert.equal(overview.fileBytes, bytes);
    assert.equal(overview.isAdapter, true);
    assert.equal(overview.format, 'peft');
    assert.equal(overview.layers.length, adapter.modules.length);
    const elements = adapter.header.tensors.reduce((sum, t) => sum + (adapter.modules.some((m) => Object.values(m.tensors).includes(t.name)) ? t.elements : 0), 0);
    assert.equal(overview.adapterParameters, elements);
    assert.equal(
      Object.values(overview.dtypes).reduce((a, b) => a + b, 0),
      adapter.header.tensors.length,
    );
    assert.ok(
      overview.config.some((e) => e.key === 'r'),
      'the PEFT config is listed',
    );
    for (const [i, row] of overview.layers.entries()) {
      const m = adapter.modules[i];
      assert.deepEqual([row.index, row.name, row.rows, row.cols, row.rank, row.scale], [i, m.name, m.shape[0], m.shape[1], m.rank, m.scale]);
    }
    // Depths count distinct blocks in module order.
    const blocks = [...new Set(overview.layers.map((l) => l.block).filter((b) => b !== null))];
    for (const row of overview.layers) if (row.block !== null) assert.equal(row.depth, blocks.indexOf(row.block));
    const analysis = await analyzeAdapter(opened);
    for (const [i, result] of analysis.modules.entries()) {
      const payload = layerAnalysisOf(result, i);
      assert.equal(payload.index, i);
      assert.equal(payload.status, result.status);
      if (payload.status === 'ok' && result.status === 'ok') {
        assert.ok(payload.singularValues instanceof Float64Array);
        assert.deepEqual(Array.from(payload.singularValues), Array.from(result.singularValues));
        assert.equal(payload.metrics.frobenius, result.metrics.frobenius);
        assert.equal(payload.metrics.r95, result.metrics.r95);
        assert.equal(payload.core?.rows, result.core?.rows);
      }
    }
  } finally {
    await opened.file.close();
  }
});

test('a file with no adapter in it becomes a tensor browser with a note', async () => {
  const dir = await tempDir();
  try {
    const rng = Rng.fresh();
    const path = await writeFixture(dir, 'model.safetensors', [
      { name: 'model.embed.weight', shape: [4, 3], values: gaussian(rng, 4, 3).data, dtype: 'F32' },
      { name: 'model.head.weight', shape: [2, 3], values: gaussian(rng, 2, 3).data, dtype: 'F16' },
    ]);
    const opened = await openAdapter(path);
    try {
      const overview = overviewOf(opened.adapter, 0);
      assert.equal(overview.isAdapter, false);
      assert.deepEqual(
        overview.tensors.map((t) => [t.name, t.dtype, t.bytes]),
        [
          ['model.embed.weight', 'F32', 48],
          ['model.head.weight', 'F16', 12],
        ],
      );
      assert.equal(overview.warnings.filter((w) => /no LoRA factors found/.test(w)).length, 1, 'the core says it once');
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('a MoSLoRA mixer and σ(M) come with the analysis, column-major, and are flagged on its row', async () => {
  const dir = await tempDir();
  try {
    const rng = Rng.fresh();
    const r = 3;
    const M = gaussian(rng, r, r);
    const path = await writeFixture(
      dir,
      'adapter_model.safetensors',
      [
        { name: 'base_model.model.mixed.lora_A.weight', shape: [r, 5], values: gaussian(rng, r, 5).data },
        { name: 'base_model.model.mixed.lora_AB.weight', shape: [r, r], values: M.data },
        { name: 'base_model.model.mixed.lora_B.weight', shape: [4, r], values: gaussian(rng, 4, r).data },
        { name: 'base_model.model.plain.lora_A.weight', shape: [r, 5], values: gaussian(rng, r, 5).data },
        { name: 'base_model.model.plain.lora_B.weight', shape: [4, r], values: gaussian(rng, 4, r).data },
      ],
      { config: { peft_type: 'LORA', r, lora_alpha: r } },
    );
    const opened = await openAdapter(path);
    try {
      const rows = overviewOf(opened.adapter, 0).layers;
      assert.deepEqual(
        rows.map((l) => l.hasMixer),
        [true, false],
      );
      const analysis = await analyzeAdapter(opened);
      const [mixed, plain] = analysis.modules.map((result, index) => layerAnalysisOf(result, index));
      assert.ok(mixed.status === 'ok' && plain.status === 'ok');
      const payload = mixed.mixer;
      assert.ok(payload);
      assert.deepEqual([payload.rows, payload.cols], [r, r]);
      // M is stored row-major; the payload is column-major.
      for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) assert.equal(payload.values[j * r + i], M.data[i * r + j]);
      // σ(M) against a double-double dense SVD of the stored M.
      const want = referenceSingularValues(asDD(M));
      assert.equal(payload.singularValues.length, r);
      payload.singularValues.forEach((s, i) => assert.ok(Math.abs(s - want[i]) <= 1e-13 * want[0], `σ${i + 1}(M) ${s} vs ${want[i]}`));
      assert.equal(plain.mixer, null);
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});
