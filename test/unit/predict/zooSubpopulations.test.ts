import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCsv } from '../../../src/core/predict/csvCells';
import { trainPredictor } from '../../../src/core/predict/predictor/trainPredictor';
import { labelColumns } from '../../../src/core/predict/zoo/labels';
import { makeZoo } from '../../../src/core/predict/zoo/makeZoo';
import type { NetworkShape } from '../../../src/core/predict/zoo/network';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { analyseHere } from './predictFixtures';

const analyze = async (path: string) => (await analyseHere(path)).modules;

/** Small, so a zoo of 40 trains in a few seconds; d = 16 holds the 2·(K + 1) = 10 teacher directions. */
const SHAPE: NetworkShape = { inputs: 16, hidden: 16, blocks: 2, components: 4, meanNorm: 1.5 };
/** A multiple of 4: the plan then balances seen_0 and planted exactly (20 of 40 each). */
const COUNT = 40;

// Three zoos, each asserted: the signal is meant to hold for any seed, not for a chosen one. Over
// ten other seeds (docs/analyses.md) the invariant accuracy was never below 0.85 and the
// reparametrized baseline never above 0.6.
for (const seed of [1, 2, 3]) {
  test(`subpopulation zoo (seed ${seed}): the invariant logistic predictor tells seen_0 and planted from ΔW, the raw-factor baseline under reparametrization does not`, async (t) => {
    const root = await tempDir();
    try {
      const zoo = join(root, 'zoo');
      await makeZoo(zoo, { count: COUNT, seed, shape: SHAPE, setting: 'subpopulations', checkpoints: 0 });
      const labels = parseCsv(await readFile(join(zoo, 'labels.csv'), 'utf8'));
      if (!labels) throw new Error('labels.csv is not CSV');
      const columns = labelColumns('subpopulations', SHAPE.components);
      assert.deepEqual(labels[0], columns);
      const notes: string[] = [];
      const results: { invariant: number; baseline: number }[] = [];
      for (const target of ['seen_0', 'planted']) {
        const column = columns.indexOf(target);
        const ones: number = labels.slice(1).filter((row) => row[column] === '1').length;
        assert.equal(ones, COUNT / 2, `${target} is balanced`);
        const summary = await trainPredictor({ zoo, labels: join(zoo, 'labels.csv'), target, kind: 'logistic', k: 2, folds: 4, seed: seed * 7 + 1, analyze });
        if (summary.cv.kind !== 'classification' || summary.baselineReparametrized.kind !== 'classification') throw new Error('classification metrics expected');
        notes.push(`${target}: invariant accuracy ${summary.cv.accuracy}, raw reparametrized ${summary.baselineReparametrized.accuracy}`);
        results.push({ invariant: summary.cv.accuracy, baseline: summary.baselineReparametrized.accuracy });
      }
      const message = `zoo seed ${seed}: ${notes.join('; ')}`;
      t.diagnostic(message);
      for (const r of results) {
        assert.ok(r.invariant >= 0.8, message);
        assert.ok(r.baseline <= 0.65, message);
      }
    } finally {
      await removeDir(root);
    }
  });
}
