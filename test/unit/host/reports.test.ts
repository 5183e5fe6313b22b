import { strict as assert } from 'node:assert';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter } from '../../../src/core/analysis/analyze';
import { ModuleIndex } from '../../../src/host/hover/moduleIndex';
import { energyRankLabel, indexedAdapterOf } from '../../../src/host/hover/moduleStats';
import { layerStatsText } from '../../../src/host/report/layerStatsText';
import { writeFileAtomic } from '../../../src/core/io/atomicWrite';
import { reportContent, reportFileName, reportOf } from '../../../src/host/report/reportFile';
import { corpusPath, removeDir, tempDir } from '../../helpers/fixtures';

test('a real adapter: reports in each format, partial results pending, hover stats at the configured energy', async () => {
  const opened = await openAdapter(corpusPath('peft-qwen25-muzammel'));
  try {
    const { adapter } = opened;
    const analysis = await analyzeAdapter(opened);
    const report = reportOf(adapter, analysis);
    assert.equal(report.modules.length, 48);
    assert.ok(report.modules.every((m) => m.status === 'ok'));
    assert.equal(JSON.parse(reportContent(report, 'json')).modules.length, 48);
    assert.equal(reportContent(report, 'csv').trim().split('\n').length, 49);
    assert.match(reportContent(report, 'markdown'), /model\.layers\.0\.self\\_attn/);

    const partial = reportOf(adapter, null, analysis.modules.slice(0, 2));
    assert.deepEqual(
      partial.modules.slice(0, 3).map((m) => m.status),
      ['ok', 'ok', 'pending'],
    );

    const stats = layerStatsText([report.modules[0], report.modules[1]]).trim().split('\n');
    assert.equal(stats.length, 3);
    assert.match(stats[0], /^module\tshape\trank/);
    assert.match(stats[1], /^model\.layers\.0\.self_attn\.q_proj\t896×896\t8\t16\t2\t/);

    const indexed = indexedAdapterOf(adapter, analysis.modules, 0.9);
    const first = analysis.modules[0];
    assert.ok(first.status === 'ok');
    assert.equal(indexed.modules[0].energyRank, first.metrics.r90);
    assert.equal(indexed.modules[0].frobenius, first.metrics.frobenius);
    const index = new ModuleIndex();
    index.set(indexed);
    assert.equal(index.match('v_proj')?.adapters[0].modules.length, 24);
    assert.equal(energyRankLabel(0.95), 'r95');
    assert.equal(energyRankLabel(0.999), 'r99.9');
  } finally {
    await opened.file.close();
  }
});

test('the atomic write replaces the whole file and leaves no temporary behind', async () => {
  const dir = await tempDir();
  try {
    const path = join(dir, 'report.json');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new contents');
    assert.equal(await readFile(path, 'utf8'), 'new contents');
    assert.deepEqual(await readdir(dir), ['report.json']);
    await assert.rejects(writeFileAtomic(join(dir, 'missing', 'report.json'), 'x'));
    assert.deepEqual(await readdir(dir), ['report.json']);
  } finally {
    await removeDir(dir);
  }
});

test('a report is named for its weights file without the extension, whatever the container', () => {
  assert.equal(reportFileName('adapter_model.safetensors', 'json'), 'adapter_model-report.json');
  assert.equal(reportFileName('pytorch_lora_weights.bin', 'markdown'), 'pytorch_lora_weights-report.md');
  assert.equal(reportFileName('Llama-F16-LoRA.gguf', 'csv'), 'Llama-F16-LoRA-report.csv');
  assert.equal(reportFileName('style.v2.pth', 'json'), 'style.v2-report.json');
});
