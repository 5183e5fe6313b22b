import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openAdapter } from '../../src/core/adapter/load';
import { analyzeAdapter } from '../../src/core/analysis/analyze';
import { JsBackend } from '../../src/core/compute/jsBackend';
import { parseCsv } from '../../src/core/predict/csvCells';
import { featureLayout } from '../../src/core/predict/layout';
import type { InvarianceReport } from '../../src/core/predict/predictor/invariance';
import { discoverPredictors, openPredictor } from '../../src/core/predict/predictor/loadPredictor';
import type { Analyze, Prediction } from '../../src/core/predict/predictor/predictAdapter';
import { readPredictor, writePredictor } from '../../src/core/predict/predictor/predictorDir';
import { trainPredictor } from '../../src/core/predict/predictor/trainPredictor';
import { makeZoo } from '../../src/core/predict/zoo/makeZoo';
import { cardOf, type PredictorEntry, type RunState } from '../../src/host/predict/cards';
import { checkedState } from '../../src/host/predict/invarianceStore';
import type { PredictionCard, PredictionsPayload } from '../../src/protocol/predictPayloads';
import type { Rng } from '../helpers/random';
import { recordAdapter, type Recording } from './recording';

/** Markup in a label and a description: it must show as text. */
export const MARKUP = '<img src=x onerror=alert(1)>';

export interface PredictionsRecording {
  /** The zoo adapter the page shows. */
  readonly adapter: Recording;
  readonly payload: PredictionsPayload;
  readonly regression: { readonly dir: string; readonly prediction: Prediction & { kind: 'regression' }; readonly report: InvarianceReport };
  readonly classification: { readonly dir: string; readonly prediction: Prediction & { kind: 'classification' } };
  /** A predictor of other module shapes than the adapter: the card shows why, and no number. */
  readonly mismatch: { readonly dir: string; readonly message: string };
}

/** Analyses in this thread (the JS backend): what the host's worker does for the extension. */
const analyze: Analyze = async (path) => {
  const opened = await openAdapter(path);
  try {
    return (await analyzeAdapter(opened, { backend: new JsBackend() })).modules;
  } finally {
    await opened.file.close();
  }
};

/**
 * Runs the product's path on generated data: a small teacher–student zoo, a ridge predictor of
 * its final loss and a logistic one of a class column whose values hold markup, both trained
 * and exported by the core; each is opened and run on one zoo adapter, and the cards are made
 * with the host's own conversion. The ridge predictor's invariance is checked for real; a third
 * predictor names other module shapes, so it does not fit.
 */
export async function recordPredictions(dir: string, rng: Rng): Promise<PredictionsRecording> {
  const zoo = join(dir, 'zoo');
  await makeZoo(zoo, { count: 10, seed: rng.int(1, 1e9) });
  const table = parseCsv(await readFile(join(zoo, 'labels.csv'), 'utf8')) ?? [];
  const rank = table[0].indexOf('rank');
  const body = table.slice(1).filter((r) => r.length > 1);
  const median = [...body.map((r) => Number(r[rank]))].sort((a, b) => a - b)[Math.floor(body.length / 2)];
  // Two classes by rank, named with markup (a class label is text from the user's file).
  const lines = ['adapter,size', ...body.map((r) => `${r[0]},${Number(r[rank]) < median ? `"small ${MARKUP}"` : 'large'}`)];
  await writeFile(join(zoo, 'classes.csv'), `${lines.join('\n')}\n`);
  const predictors = join(dir, 'predictors');
  const common = { zoo, folds: 3, seed: rng.int(1, 1e6), analyze } as const;
  await trainPredictor({ ...common, labels: join(zoo, 'labels.csv'), target: 'final_loss', kind: 'ridge', out: join(predictors, 'loss') });
  await trainPredictor({ ...common, labels: join(zoo, 'classes.csv'), target: 'size', kind: 'logistic', out: join(predictors, 'size') });
  const stored = await readPredictor(join(predictors, 'size'));
  await writePredictor(join(predictors, 'size'), { ...stored, manifest: { ...stored.manifest, description: `Size class ${MARKUP}` } }, true);
  // Same model, but a manifest for wider modules: the adapter's modules no longer fit.
  const ridge = await readPredictor(join(predictors, 'loss'));
  const input = ridge.manifest.input;
  if (input.kind !== 'features') throw new Error('the ridge predictor should take features');
  const wider = input.modules.map((m, i) => (i === 0 ? { name: m.name, shape: [m.shape[0] * 2, m.shape[1]] as const } : m));
  const layout = featureLayout(wider, input.k);
  await writePredictor(
    join(predictors, 'wide'),
    { model: ridge.model, manifest: { ...ridge.manifest, name: 'final_loss-wide', input: { ...input, modules: layout.modules, layout: layout.id, width: layout.columns.length } } },
    false,
  );

  // A folder whose manifest is not JSON (and quotes markup): listed as broken, with its reason.
  await mkdir(join(predictors, 'broken'));
  await writeFile(join(predictors, 'broken', 'manifest.json'), `{"name": "${MARKUP}"`);
  const broken = (await discoverPredictors(predictors)).flatMap((d) => ('error' in d ? [{ dir: d.dir, error: d.error }] : []));

  const adapterFile = join(zoo, 'adapter-000', 'adapter_model.safetensors');
  const cards: PredictionCard[] = [];
  const run = async (name: string): Promise<{ entry: PredictorEntry; run: RunState; report?: InvarianceReport }> => {
    const p = await openPredictor(join(predictors, name), { device: 'cpu' });
    try {
      const entry: PredictorEntry = { dir: p.dir, source: 'workspace', manifest: p.manifest };
      let state: RunState;
      try {
        state = { kind: 'done', prediction: await p.predict(adapterFile, analyze) };
      } catch (error) {
        state = { kind: 'error', error };
      }
      const report = name === 'loss' ? await p.checkInvariance(adapterFile, analyze, 3, rng.int(1, 1e6)) : undefined;
      cards.push(cardOf(entry, p.provider, state, report ? checkedState(report) : { kind: 'unchecked' }));
      return { entry, run: state, ...(report ? { report } : {}) };
    } finally {
      await p.dispose();
    }
  };
  const loss = await run('loss');
  const size = await run('size');
  const wide = await run('wide');
  if (loss.run.kind !== 'done' || loss.run.prediction.kind !== 'regression' || !loss.report) throw new Error('the ridge predictor did not predict');
  if (size.run.kind !== 'done' || size.run.prediction.kind !== 'classification') throw new Error('the logistic predictor did not predict');
  if (wide.run.kind !== 'error') throw new Error('the wider predictor predicted');
  return {
    adapter: await recordAdapter(adapterFile),
    payload: { status: 'done', cards, broken },
    regression: { dir: loss.entry.dir, prediction: loss.run.prediction, report: loss.report },
    classification: { dir: size.entry.dir, prediction: size.run.prediction },
    mismatch: { dir: wide.entry.dir, message: wide.run.error instanceof Error ? wide.run.error.message : String(wide.run.error) },
  };
}
