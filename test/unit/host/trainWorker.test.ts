import { strict as assert } from 'node:assert';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter } from '../../../src/core/analysis/analyze';
import { CancelledError } from '../../../src/core/cancellation';
import { FeatureError } from '../../../src/core/predict/errors';
import { trainPredictor } from '../../../src/core/predict/predictor/trainPredictor';
import { readPredictor } from '../../../src/core/predict/predictor/predictorDir';
import { makeZoo } from '../../../src/core/predict/zoo/makeZoo';
import { trainInWorker, type TrainCallbacks } from '../../../src/host/predict/trainClient';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

// The bundle `npm run build` writes: the worker the extension starts.
const SCRIPT = resolve(__dirname, '..', '..', '..', '..', 'dist', 'trainWorker.js');

const rng = Rng.fresh();
let dir: string;

const analyze = async (path: string) => {
  const opened = await openAdapter(path);
  try {
    return (await analyzeAdapter(opened)).modules;
  } finally {
    await opened.file.close();
  }
};

/** A token the test cancels by hand, shaped like VS Code's. */
function tokenSource(): { token: TrainCallbacks['token']; cancel(): void } {
  const listeners = new Set<() => void>();
  const token = {
    isCancellationRequested: false,
    onCancellationRequested: (listener: () => void) => {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
  };
  return {
    token,
    cancel: () => {
      token.isCancellationRequested = true;
      for (const l of listeners) l();
    },
  };
}

before(async () => {
  dir = await tempDir();
  await makeZoo(join(dir, 'zoo'), { count: 8, seed: rng.int(1, 1e9), setting: 'mixture' });
});

after(async () => {
  if (dir) await removeDir(dir);
});

test(`training in the worker thread gives the summary and files training here gives ${rng.tag}`, async () => {
  const zoo = join(dir, 'zoo');
  const job = { zoo, labels: join(zoo, 'labels.csv'), target: 'final_loss', kind: 'ridge' as const, folds: 3, seed: rng.int(1, 1e6) };
  const here = await trainPredictor({ ...job, analyze });
  const asked: string[] = [];
  const source = tokenSource();
  const there = await trainInWorker(
    SCRIPT,
    { ...job, out: join(dir, 'out') },
    { token: source.token, analyze: (path) => analyze(path), onAnalyze: (_done, path) => asked.push(path) },
  );
  assert.equal(asked.length, 8, rng.tag);
  assert.deepEqual(there.cv, here.cv, rng.tag);
  assert.deepEqual(there.baseline, here.baseline, rng.tag);
  assert.deepEqual(there.manifest, here.manifest, rng.tag);
  assert.deepEqual((await readPredictor(join(dir, 'out'))).manifest.training?.cv, here.cv);
});

test('a cancelled training stops with CancelledError and writes nothing', async () => {
  const zoo = join(dir, 'zoo');
  const source = tokenSource();
  const out = join(dir, 'cancelled');
  const run = trainInWorker(
    SCRIPT,
    { zoo, labels: join(zoo, 'labels.csv'), target: 'final_loss', kind: 'ridge', folds: 3, seed: 1, out },
    {
      token: source.token,
      analyze: async (path) => {
        source.cancel();
        return analyze(path);
      },
    },
  );
  await assert.rejects(run, (error: unknown) => error instanceof CancelledError);
  await assert.rejects(readPredictor(out));
});

test('a training that fails in the worker keeps its class, code, input-error flag and message', async () => {
  const zoo = join(dir, 'zoo');
  const source = tokenSource();
  const run = trainInWorker(SCRIPT, { zoo, labels: join(zoo, 'labels.csv'), target: 'no_such_column', kind: 'ridge', folds: 3, seed: 1 }, { token: source.token, analyze });
  await assert.rejects(
    run,
    (error: unknown) => error instanceof FeatureError && error.code === 'INVALID_LABELS' && error.inputError && /no column "no_such_column"/.test(error.message),
  );
});
