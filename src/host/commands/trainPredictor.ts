import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { readLabels } from '../../core/predict/predictor/dataset';
import type { PredictorModelKind } from '../../core/predict/predictor/manifest';
import type { TrainSummary } from '../../core/predict/predictor/trainPredictor';
import type { AnalysisService } from '../analysis/analysisService';
import { log, showError } from '../log';
import { MODEL_KINDS, modelChoices, type Task } from '../predict/modelKinds';
import type { PredictionService } from '../predict/predictionService';
import { WORKSPACE_PREDICTORS } from '../predict/predictorPaths';
import { trainInWorker } from '../predict/trainClient';
import { defaultPredictorDir, labelsTable, metricsText, summaryLines, type LabelsTable } from '../predict/trainingPlan';
import { readSettings } from '../settings';

/** Folds and seed as train-predictor's defaults: 5 folds leave 80 % to train on; a fixed seed makes a rerun give the same table. */
const FOLDS = 5;
const SEED = 1;

/** What the dialogs ask; given whole as the command's argument, they are skipped (scripts, tests). */
interface TrainPlan {
  readonly zoo: string;
  readonly labels: string;
  readonly target: string;
  readonly model: PredictorModelKind;
  readonly task: Task;
  readonly out: string;
  readonly force: boolean;
}

/**
 * Train Property Predictor…: a zoo folder, its labels.csv, a target column, a model kind and an
 * output folder; the labelled adapters are featurized through the analysis worker and the model
 * is cross-validated beside the raw-factor baseline in a worker thread, with cancellable
 * progress. The CV table goes to the output channel; the new predictor joins the list.
 */
export function registerTrainPredictor(service: AnalysisService, predictions: PredictionService, workerScript: string): vscode.Disposable {
  return vscode.commands.registerCommand('loraLens.trainPredictor', async (given?: unknown) => {
    try {
      const plan = isPlan(given) ? given : await askPlan();
      if (!plan) return;
      const summary = await train(service, workerScript, plan);
      const lines = summaryLines(summary, plan.out);
      for (const line of lines) log().info(line);
      const inWorkspace = (vscode.workspace.workspaceFolders ?? []).some((f) => dirname(resolve(plan.out)) === join(f.uri.fsPath, WORKSPACE_PREDICTORS));
      // An untrusted folder's own predictors are not listed; this one the user asked for, so it is loaded by hand.
      if (inWorkspace && vscode.workspace.isTrusted) await predictions.catalog.refresh();
      else await predictions.catalog.load(plan.out);
      const baseline = `raw-factor baseline ${metricsText(summary.baseline)}`;
      const show = 'Show Output';
      const skipped = summary.skipped.length > 0 ? ` ${summary.skipped.length} row${summary.skipped.length === 1 ? '' : 's'} of labels.csv skipped (see the output).` : '';
      const choice = await vscode.window.showInformationMessage(
        `LoRA Lens: trained ${summary.manifest.name} on ${summary.adapters} adapters: ${metricsText(summary.cv)} (${baseline}).${skipped}`,
        show,
      );
      if (choice === show) log().show(true);
    } catch (error) {
      showError('Train Property Predictor', error);
    }
  });
}

async function train(service: AnalysisService, workerScript: string, plan: TrainPlan): Promise<TrainSummary> {
  const table = labelsTable(await readLabels(plan.labels));
  const total = table?.rows ?? 0;
  log().info(`training ${plan.model} on ${plan.labels} (target ${plan.target}) into ${plan.out}`);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `LoRA Lens: training ${plan.target}-${plan.model}`, cancellable: true },
    (progress, token) => {
      let shown = 0;
      return trainInWorker(
        workerScript,
        { zoo: plan.zoo, labels: plan.labels, target: plan.target, kind: plan.model, task: plan.task, folds: FOLDS, seed: SEED, out: plan.out, force: plan.force },
        {
          token,
          analyze: (path, t) => service.analyzeFile(path, readSettings().compute, t),
          onAnalyze: (done, path) => {
            const step = total > 0 ? (100 * (done - shown)) / total : 0;
            shown = done;
            const next = total > 0 && done >= total ? ' (then cross-validation)' : '';
            progress.report({ increment: step * 0.8, message: `featurizing ${done} of ${total}: ${basename(dirname(path))}/${basename(path)}${next}` });
          },
          onSkip: (adapter, reason) => log().warn(`skipped ${adapter}: ${reason}`),
        },
      );
    },
  );
}

async function askPlan(): Promise<TrainPlan | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const zoo = (
    await vscode.window.showOpenDialog({
      title: 'Zoo: the folder of adapters labels.csv lists',
      openLabel: 'Use Zoo',
      canSelectFiles: false,
      canSelectFolders: true,
      ...(folder ? { defaultUri: folder } : {}),
    })
  )?.[0]?.fsPath;
  if (!zoo) return undefined;
  const labels = (
    await vscode.window.showOpenDialog({
      title: 'labels.csv (an adapter column and target columns)',
      openLabel: 'Use Labels',
      canSelectFiles: true,
      canSelectFolders: false,
      defaultUri: vscode.Uri.file(join(zoo, 'labels.csv')),
      filters: { CSV: ['csv'] },
    })
  )?.[0]?.fsPath;
  if (!labels) return undefined;
  const table = labelsTable(await readLabels(labels));
  if (!table || table.targets.length === 0) throw new Error(`${labels} is not a CSV file with an "adapter" column and at least one target column`);
  const target = await pickTarget(table);
  if (!target) return undefined;
  const choice = await pickModel(table.targets.find((c) => c.name === target)?.numeric ?? false);
  if (!choice) return undefined;
  const model = choice.model;
  const root = folder?.fsPath ?? dirname(zoo);
  const out = await vscode.window.showInputBox({
    title: 'Predictor folder',
    prompt: 'Where the ONNX model and its manifest are written',
    value: defaultPredictorDir(root, target, model),
    ignoreFocusOut: true,
  });
  if (!out) return undefined;
  const exists = await stat(out).then(
    () => true,
    () => false,
  );
  if (exists) {
    const replace = 'Replace';
    const answer = await vscode.window.showWarningMessage(`${out} exists. Replace the predictor in it?`, { modal: true }, replace);
    if (answer !== replace) return undefined;
  }
  return { zoo, labels, target, model, task: choice.task, out, force: exists };
}

async function pickTarget(table: LabelsTable): Promise<string | undefined> {
  const items = table.targets.map((c) => ({
    label: c.name,
    description: c.numeric ? `numeric, ${c.filled} of ${table.rows} rows` : `${c.distinct} classes, ${c.filled} of ${table.rows} rows`,
  }));
  return (await vscode.window.showQuickPick(items, { title: 'Target column to predict', ignoreFocusOut: true }))?.label;
}

async function pickModel(numeric: boolean): Promise<{ readonly model: PredictorModelKind; readonly task: Task } | undefined> {
  const items = modelChoices(numeric).map((c) => ({ label: c.model, description: `${MODEL_KINDS[c.model].label} · ${c.task}`, detail: MODEL_KINDS[c.model].detail, choice: c }));
  return (await vscode.window.showQuickPick(items, { title: 'Model', ignoreFocusOut: true }))?.choice;
}

function isPlan(v: unknown): v is TrainPlan {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const kind = MODEL_KINDS[o.model as PredictorModelKind] as (typeof MODEL_KINDS)[PredictorModelKind] | undefined;
  return (
    ['zoo', 'labels', 'target', 'out'].every((k) => typeof o[k] === 'string') &&
    Object.hasOwn(MODEL_KINDS, String(o.model)) &&
    kind !== undefined &&
    kind.tasks.includes(o.task as Task) &&
    typeof o.force === 'boolean'
  );
}
