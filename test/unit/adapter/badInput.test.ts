import { strict as assert } from 'node:assert';
import { truncate } from 'node:fs/promises';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter } from '../../../src/core/analysis/analyze';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/** Broken modules lose nothing else: each carries its reason and the rest is analysed. */

test('a missing partner, a rank mismatch and NaN/Inf weights are per-module warnings', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const good = { A: gaussian(rng, 4, 6), B: gaussian(rng, 6, 4) };
  const nan = Float64Array.from(gaussian(rng, 6, 4).data);
  nan[3] = NaN;
  nan[7] = Infinity;
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      { name: 'base_model.model.good.lora_A.weight', shape: [4, 6], values: good.A.data },
      { name: 'base_model.model.good.lora_B.weight', shape: [6, 4], values: good.B.data },
      { name: 'base_model.model.orphan.lora_A.weight', shape: [4, 6], values: good.A.data },
      { name: 'base_model.model.mismatch.lora_A.weight', shape: [4, 6], values: good.A.data },
      { name: 'base_model.model.mismatch.lora_B.weight', shape: [8, 3], values: gaussian(rng, 8, 3).data },
      { name: 'base_model.model.nan.lora_A.weight', shape: [4, 6], values: good.A.data },
      { name: 'base_model.model.nan.lora_B.weight', shape: [6, 4], values: nan },
    ],
    { config: { peft_type: 'LORA', r: 4, lora_alpha: 4 } },
  );
  const opened = await openAdapter(path);
  try {
    const byName = new Map(opened.adapter.modules.map((m) => [m.name, m]));
    assert.deepEqual([...byName.keys()].sort(), ['good', 'mismatch', 'nan', 'orphan']);
    assert.match(byName.get('orphan')?.warnings.join(' ') ?? '', /up \(B\) factor is missing \(found only base_model\.model\.orphan\.lora_A\.weight\)/);
    assert.equal(byName.get('orphan')?.factors, null);
    assert.match(byName.get('mismatch')?.warnings.join(' ') ?? '', /rank mismatch: .* has rank 4 but .* has 3/);
    const analysis = await analyzeAdapter(opened);
    const results = new Map(analysis.modules.map((r) => [r.name, r]));
    assert.equal(results.get('good')?.status, 'ok');
    for (const name of ['orphan', 'mismatch', 'nan']) assert.equal(results.get(name)?.status, 'skipped', name);
    const nanResult = results.get('nan');
    assert.ok(nanResult?.status === 'skipped');
    assert.match(nanResult.reason, /holds 1 NaN and 1 infinite values/);
  } finally {
    await opened.file.close();
    await removeDir(dir);
  }
});

test('a full model opens as a list of tensors with a note that no adapter was found', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const path = await writeFixture(dir, 'model.safetensors', [
    { name: 'model.layers.0.self_attn.q_proj.weight', shape: [8, 8], values: gaussian(rng, 8, 8).data, dtype: 'BF16' },
    { name: 'model.norm.weight', shape: [8], values: gaussian(rng, 8, 1).data, dtype: 'BF16' },
  ]);
  const opened = await openAdapter(path);
  try {
    assert.equal(opened.adapter.format, 'unknown');
    assert.equal(opened.adapter.analysable, false);
    assert.equal(opened.adapter.otherTensors.length, 2);
    assert.match(opened.adapter.warnings.join(' '), /no LoRA factors found among the 2 tensors/);
  } finally {
    await opened.file.close();
    await removeDir(dir);
  }
});

test('a file truncated after it was opened fails with MISSING_BYTES, not garbage', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      { name: 'base_model.model.x.lora_A.weight', shape: [4, 64], values: gaussian(rng, 4, 64).data },
      { name: 'base_model.model.x.lora_B.weight', shape: [64, 4], values: gaussian(rng, 64, 4).data },
    ],
    { config: { peft_type: 'LORA', r: 4, lora_alpha: 4 } },
  );
  const opened = await openAdapter(path);
  try {
    await truncate(path, opened.adapter.header.dataStart + 100);
    await assert.rejects(
      analyzeAdapter(opened),
      (error: unknown) => error instanceof SafetensorsError && error.code === 'MISSING_BYTES' && /truncated or replaced/.test(error.message),
    );
  } finally {
    await opened.file.close();
    await removeDir(dir);
  }
});

test('a malformed adapter_config.json is a warning and the weights are still read', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      { name: 'base_model.model.x.lora_A.weight', shape: [2, 3], values: gaussian(rng, 2, 3).data },
      { name: 'base_model.model.x.lora_B.weight', shape: [3, 2], values: gaussian(rng, 3, 2).data },
    ],
    { config: '{"peft_type": "LORA", "r": 2,' },
  );
  const opened = await openAdapter(path);
  try {
    assert.match(opened.adapter.warnings.join(' '), /adapter_config\.json is not valid JSON/);
    assert.equal(opened.adapter.modules.length, 1);
    assert.equal(opened.adapter.modules[0].scaleKnown, false);
  } finally {
    await opened.file.close();
    await removeDir(dir);
  }
});
