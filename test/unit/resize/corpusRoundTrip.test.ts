import { strict as assert } from 'node:assert';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { kohyaName } from '../../../src/core/adapter/moduleNames';
import { parseRankMethod } from '../../../src/core/resize/recommend';
import { resizeAdapter } from '../../../src/core/resize/resize';
import { corpusPath, removeDir, tempDir } from '../../helpers/fixtures';
import { checkRoundTrip } from './roundTripCheck';

const same = (name: string): string => name;

/** Resizes a corpus adapter into a fresh folder and checks the reopened output; returns the temp folder. */
async function roundTrip(
  source: string,
  output: (dir: string) => string,
  method: string,
  format: 'peft' | 'kohya' | 'same',
  dtype: 'F32' | 'BF16' | undefined,
  expected: { layout: string; dtype: 'F32' | 'BF16'; name: (n: string) => string },
): Promise<{ dir: string; out: string }> {
  const dir = await tempDir();
  const out = output(dir);
  const result = await resizeAdapter({ input: source, output: out, method: parseRankMethod(method), format, ...(dtype ? { dtype } : {}) });
  const reopened = await openAdapter(out);
  try {
    assert.equal(reopened.adapter.format, expected.layout);
    assert.ok(reopened.adapter.header.tensors.filter((t) => /lora_(A|B|down|up)\b/.test(t.name)).every((t) => t.dtype === expected.dtype));
    assert.ok(reopened.adapter.header.metadata?.['lora_lens.source_sha256']?.match(/^[0-9a-f]{64}$/));
    assert.equal(reopened.adapter.header.metadata?.['lora_lens.method'], result.plan.method.kind);
  } finally {
    await reopened.file.close();
  }
  const checked = await checkRoundTrip(source, out, result.plan, expected.dtype, expected.name, `(${source})`);
  assert.equal(checked, result.plan.layers.length);
  assert.ok(result.plan.paramsAfter < result.plan.paramsBefore, 'the resize made the adapter smaller');
  // Nothing but the written files is left in the folder: no temporary files.
  const left = (await readdir(dir, { recursive: true })).map(String).filter((f) => f.includes('.tmp'));
  assert.deepEqual(left, []);
  return { dir, out };
}

test('PEFT (F32) resized in its own layout: spectra, ΔW and scale of the reopened file match the truncation', async () => {
  const { dir, out } = await roundTrip(corpusPath('peft-gpt2-a'), (d) => join(d, 'out'), 'energy:0.9', 'same', undefined, { layout: 'peft', dtype: 'F32', name: same });
  try {
    const config = JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.peft_type, 'LORA');
    assert.equal(config.base_model_name_or_path, 'gpt2');
    assert.equal(config.fan_in_fan_out, true, 'the input config is kept');
    const report = JSON.parse(await readFile(join(out, 'resize-report.json'), 'utf8')) as { plan: { layers: unknown[] } };
    assert.equal(report.plan.layers.length, 12);
  } finally {
    await removeDir(dir);
  }
});

test('PEFT BF16 under a parameter budget stays BF16 and within BF16 rounding of the truncation', async () => {
  const { dir } = await roundTrip(corpusPath('peft-opt125m-bf16'), (d) => join(d, 'out'), 'budget:params:300000', 'same', undefined, { layout: 'peft', dtype: 'BF16', name: same });
  await removeDir(dir);
});

test('diffusers is written in kohya layout (per-module alpha), then the kohya file resizes again', async () => {
  const first = await roundTrip(corpusPath('diffusers-sd15-unetprefix', '2100-lora.safetensors'), (d) => join(d, 'k.safetensors'), 'sv_fro:0.9', 'same', 'F32', {
    layout: 'kohya',
    dtype: 'F32',
    name: kohyaName,
  });
  try {
    const second = await roundTrip(first.out, (d) => join(d, 'k2.safetensors'), 'fixed:2', 'same', undefined, { layout: 'kohya', dtype: 'F32', name: same });
    const reopened = await openAdapter(second.out);
    assert.equal(reopened.adapter.header.metadata?.ss_network_dim, 'Dynamic');
    assert.equal(reopened.adapter.header.metadata?.ss_network_alpha, 'Dynamic');
    await reopened.file.close();
    await removeDir(second.dir);
  } finally {
    await removeDir(first.dir);
  }
});

test('mlx-lm (transposed factors, absolute scale) is written as PEFT with per-module ranks', async () => {
  const { dir } = await roundTrip(corpusPath('mlx-cli-adapters', 'adapters.safetensors'), (d) => join(d, 'out'), 'auto', 'same', undefined, {
    layout: 'peft',
    dtype: 'F32',
    name: same,
  });
  await removeDir(dir);
});

test('PEFT converted to kohya and kohya converted to PEFT keep the truncation', async () => {
  const toKohya = await roundTrip(corpusPath('peft-bert-seqcls'), (d) => join(d, 'k.safetensors'), 'sv_ratio:3', 'kohya', undefined, {
    layout: 'kohya',
    dtype: 'F32',
    name: kohyaName,
  });
  try {
    const toPeft = await roundTrip(toKohya.out, (d) => join(d, 'p'), 'energy:0.8', 'peft', undefined, { layout: 'peft', dtype: 'F32', name: same });
    await removeDir(toPeft.dir);
  } finally {
    await removeDir(toKohya.dir);
  }
});
