import { strict as assert } from 'node:assert';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter, type ModuleResult } from '../../../src/core/analysis/analyze';
import { HEALTH_CODES } from '../../../src/core/check/healthCodes';
import { checkFile } from '../../../src/core/check/runCheck';
import { CHECK_SOURCES } from '../../../src/core/check/sources';
import { stampOf } from '../../../src/host/analysis/analysisService';
import { corpusPath, removeDir, tempDir } from '../../helpers/fixtures';
import { inThreadJobs } from '../../helpers/inThreadJobs';

/** The editor's check job: the CLI's check of the same file, reusing the editor's analysis only when it is this file's. */

const JS = { backend: 'js', device: 'cpu' } as const;

/** A copy of a corpus PEFT adapter whose config says r = 8 while every module has rank 4. */
async function wrongRank(dir: string): Promise<string> {
  const source = corpusPath('peft-tinygpt2');
  const weights = join(dir, 'adapter_model.safetensors');
  await copyFile(join(source, 'adapter_model.safetensors'), weights);
  const config = JSON.parse(await readFile(join(source, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ ...config, r: 8 }, null, 2));
  return weights;
}

test('without an analysis the job analyses the file and finds what lora-lens check finds, the fix included', async () => {
  const dir = await tempDir();
  try {
    const weights = await wrongRank(dir);
    const { output } = await inThreadJobs.run('check', { path: weights, options: JS });
    const cli = await checkFile(weights, {}, CHECK_SOURCES);
    assert.deepEqual(output.findings, cli.findings);
    assert.deepEqual(output.identity, cli.identity);
    const rank = output.findings.find((f) => f.code === HEALTH_CODES.rankMismatch);
    assert.deepEqual(rank?.fix, { configKey: 'r', value: 4 });
    assert.equal(output.config?.path, join(dir, 'adapter_config.json'));
  } finally {
    await removeDir(dir);
  }
});

test("the editor's analysis is reused while the file has its stamp, and ignored once the file changed", async () => {
  const dir = await tempDir();
  try {
    const weights = await wrongRank(dir);
    const opened = await openAdapter(weights);
    const analysis = await analyzeAdapter(opened).finally(() => opened.file.close());
    // A planted analysis in which the first module never trained: only a reused analysis shows it.
    const planted: ModuleResult[] = analysis.modules.map((m, i) => (i === 0 && m.status === 'ok' ? { ...m, metrics: { ...m.metrics, frobenius: 0 } } : m));
    const stamp = await stampOf(weights);
    const reused = await inThreadJobs.run('check', { path: weights, options: JS, analysis: { size: stamp.size, mtimeMs: stamp.mtimeMs, modules: planted } });
    assert.deepEqual(reused.output.findings.find((f) => f.code === HEALTH_CODES.negligible)?.modules, [analysis.modules[0]?.name]);
    const stale = await inThreadJobs.run('check', { path: weights, options: JS, analysis: { size: stamp.size, mtimeMs: stamp.mtimeMs - 1000, modules: planted } });
    assert.equal(
      stale.output.findings.find((f) => f.code === HEALTH_CODES.negligible),
      undefined,
    );
    const fewer = await inThreadJobs.run('check', { path: weights, options: JS, analysis: { size: stamp.size, mtimeMs: stamp.mtimeMs, modules: planted.slice(1) } });
    assert.equal(
      fewer.output.findings.find((f) => f.code === HEALTH_CODES.negligible),
      undefined,
    );
  } finally {
    await removeDir(dir);
  }
});

test('the thresholds of the settings reach the findings', async () => {
  const dir = await tempDir();
  try {
    const weights = await wrongRank(dir);
    const strict = await inThreadJobs.run('check', { path: weights, options: JS, thresholds: { negligibleRatio: 0.5 } });
    const loose = await inThreadJobs.run('check', { path: weights, options: JS, thresholds: { negligibleRatio: 0 } });
    assert.ok(strict.output.findings.some((f) => f.code === HEALTH_CODES.negligible));
    assert.ok(!loose.output.findings.some((f) => f.code === HEALTH_CODES.negligible));
  } finally {
    await removeDir(dir);
  }
});
