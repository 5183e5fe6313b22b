import { strict as assert } from 'node:assert';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CancelledError } from '../../../src/core/cancellation';
import { checkInvariance } from '../../../src/core/predict/predictor/invariance';
import { readPredictor } from '../../../src/core/predict/predictor/predictorDir';
import { PredictorSession } from '../../../src/core/predict/predictor/runPredictor';
import { trainPredictor } from '../../../src/core/predict/predictor/trainPredictor';
import { makeZoo } from '../../../src/core/predict/zoo/makeZoo';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { analyseHere } from './predictFixtures';

const analyze = async (path: string) => (await analyseHere(path)).modules;

test("check-invariance removes its copies' temporary folder when it ends, fails or is cancelled", async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  const saved = process.env.TMPDIR;
  try {
    const zoo = join(root, 'zoo');
    await makeZoo(zoo, { count: 12, seed: rng.int(0, 2 ** 31), setting: 'mixture' });
    const out = join(root, 'pred');
    await trainPredictor({ zoo, labels: join(zoo, 'labels.csv'), target: 'alignment_u', kind: 'ridge', folds: 3, seed: rng.int(0, 1e6), analyze, out });
    const stored = await readPredictor(out);
    const session = await PredictorSession.create(stored.model, 'ridge');
    const temps = join(root, 'tmp');
    await mkdir(temps);
    // os.tmpdir() reads TMPDIR on each call: the copies go where this test can see them all.
    process.env.TMPDIR = temps;
    try {
      const adapter = join(zoo, 'adapter-001');
      const report = await checkInvariance(adapter, stored.manifest, session, analyze, 2, rng.int(0, 1e6));
      assert.equal(report.perTrial.length, 2);
      // The badly conditioned trials: the condition numbers tried, each within its tolerance (ridge on spectra: ~1e-12 at 1e6).
      assert.deepEqual(
        report.conditioned.map((c) => c.cond),
        [1, 1e2, 1e4, 1e6],
      );
      for (const c of report.conditioned) assert.ok(c.withinTolerance && c.maxRelativeChange <= c.tolerance && c.maxRelativeChange < 1e-8, `${JSON.stringify(c)} ${rng.tag}`);
      assert.ok(report.invariant && report.conditionedWithin);
      assert.deepEqual(await readdir(temps), [], 'finished');
      let calls = 0;
      const failing = async (path: string) => {
        if (++calls === 6) throw new Error('boom');
        return analyze(path);
      };
      await assert.rejects(checkInvariance(adapter, stored.manifest, session, failing, 3, rng.int(0, 1e6)), /boom/);
      assert.deepEqual(await readdir(temps), [], 'failed');
      const token = { isCancellationRequested: false };
      const cancelling = async (path: string) => {
        const modules = await analyze(path);
        if (path !== adapter) token.isCancellationRequested = true;
        return modules;
      };
      await assert.rejects(checkInvariance(adapter, stored.manifest, session, cancelling, 3, rng.int(0, 1e6), token), CancelledError);
      assert.deepEqual(await readdir(temps), [], 'cancelled');
    } finally {
      await session.dispose();
    }
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    await removeDir(root);
  }
});
