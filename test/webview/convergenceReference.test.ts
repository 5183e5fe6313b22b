import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkpointSeries, type CheckpointSeries } from '../../src/core/subspace/checkpoints';
import { convergencePayload } from '../../src/host/subspacePayloads';
import { removeDir, tempDir } from '../helpers/fixtures';
import { Rng } from '../helpers/random';
import { writeReference, writeRun } from '../unit/subspace/referenceRun';
import { Lens } from './browser';
import { agrees } from './shown';
import type { SubspaceMessage } from './subspaceRecording';

// A generated run converging to a teacher on two of its three modules, measured against the
// teacher file as the host would measure it after Choose Reference….
let dir: string;
let lens: Lens;
let series: CheckpointSeries;
let messages: SubspaceMessage[];

before(async () => {
  const rng = Rng.fresh();
  dir = await tempDir();
  const run = await writeRun(
    rng,
    join(dir, 'run'),
    [
      { name: 'layers.0.mlp.fc', m: 16, n: 12 },
      { name: 'layers.1.mlp.fc', m: 16, n: 12 },
      { name: 'layers.2.mlp.fc', m: 16, n: 12 },
    ],
    [100, 200, 300, 400, 500, 600],
  );
  const teacher = join(dir, 'teacher.safetensors');
  await writeReference(teacher, run.modules.slice(0, 2), 'uv');
  series = await checkpointSeries([run.folder], { reference: teacher });
  messages = [
    { kind: 'notify', method: 'started', params: { title: 'Convergence of run against teacher.safetensors', kind: 'convergence' } },
    { kind: 'notify', method: 'convergence', params: convergencePayload(series, 0.5) },
  ];
  lens = await Lens.launch();
});

after(async () => {
  await lens?.close();
  if (dir) await removeDir(dir);
});

test('with a reference, alignment and recovery-error curves come first, one per module with an entry; Choose Reference… asks the host', async () => {
  const page = await lens.open(undefined, 'subspace.html');
  await page.send(...messages);
  const error = page.page.locator('.convergence-recoveryError g.series');
  await error.first().waitFor();
  assert.equal(await error.count(), 2);
  assert.equal(await page.page.locator('.convergence-alignmentU g.series').count(), 2);
  assert.equal(await page.page.locator('.convergence-alignmentV g.series').count(), 2);
  assert.equal(await page.page.locator('.convergence-cosine g.series').count(), 3);
  const m = series.modules[1];
  const titles = await page.page.locator(`.convergence-recoveryError g.series[data-key="${m.name}"] circle title`).allTextContents();
  assert.equal(titles.length, 6);
  const last = titles[5];
  assert.ok(agrees(last.slice(last.lastIndexOf(' ') + 1), m.againstReference?.recoveryError[5] ?? NaN), last);
  assert.match((await page.page.locator('.reference-hint').textContent()) ?? '', /teacher.*No entry \(not shown\): layers\.2\.mlp\.fc/);
  await page.screenshot('subspace-convergence-reference');
  await page.page.locator('vscode-button.choose-reference').click();
  await page.page.waitForFunction(() => window.__lens.posted.some((p) => (p as { method?: string }).method === 'chooseReference'));
  assert.deepEqual(page.errors, []);
  await page.page.close();
});
