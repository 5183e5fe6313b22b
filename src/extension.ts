import { join } from 'node:path';
import * as vscode from 'vscode';
import { AnalysisService } from './host/analysis/analysisService';
import { AttachedBases } from './host/check/attachedBases';
import { CheckResults } from './host/check/checkResults';
import { registerChecks } from './host/check/registerChecks';
import { attachIdentity } from './host/check/identityFeed';
import { CheckStatusBar } from './host/check/statusBar';
import { registerAnalyze } from './host/commands/analyze';
import { registerAttachBase } from './host/commands/attachBase';
import { registerClearCache } from './host/commands/clearCache';
import { registerCompareAdapters } from './host/commands/compareAdapters';
import { registerCompareWith } from './host/commands/compareWith';
import { registerCheckPredictorInvariance } from './host/commands/checkPredictorInvariance';
import { copyLayerStats, registerCopyLayerStats } from './host/commands/copyLayerStats';
import { exportReport, registerExportReport } from './host/commands/exportReport';
import { registerInspectFolder } from './host/commands/inspectFolder';
import { registerLoadPredictor } from './host/commands/loadPredictor';
import { registerOpenAdapter } from './host/commands/openAdapter';
import { registerOpenInLens } from './host/commands/openInLens';
import { registerResizeAdapter } from './host/commands/resizeAdapter';
import { registerRevealLayer } from './host/commands/revealLayer';
import { registerShowCheckpoints } from './host/commands/showCheckpoints';
import { registerShowComputeInfo } from './host/commands/showComputeInfo';
import { registerShowCrossLayer } from './host/commands/showCrossLayer';
import { registerTrainPredictor } from './host/commands/trainPredictor';
import { AdapterEditorProvider } from './host/editor/adapterEditorProvider';
import { trackEditorContextKeys } from './host/editor/editorContextKeys';
import { EditorRegistry } from './host/editor/editorRegistry';
import type { HostContext } from './host/hostContext';
import { CONFIG_FILE_NAME, ConfigHoverProvider } from './host/hover/configHoverProvider';
import { HOVER_LANGUAGES, ModuleHoverProvider } from './host/hover/hoverProvider';
import { HoverSources } from './host/hover/hoverSources';
import { isCancellation, log } from './host/log';
import { PredictionService } from './host/predict/predictionService';

/** How long after activation the analysis worker starts, unless an analysis starts it first. */
const WORKER_WARM_DELAY_MS = 3000;

/** Registers the editor, the commands and the hovers; everything else happens on demand. */
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const logger = log();
  // The worker bundles sit beside this one in dist/.
  const service = new AnalysisService(join(__dirname, 'analysisWorker.js'));
  const registry = new EditorRegistry();
  const ctx: HostContext = { extensionUri: context.extensionUri, service, registry };
  const sources = new HoverSources(ctx);
  const predictions = new PredictionService(service);
  const checks = new CheckResults();
  const bases = new AttachedBases();
  const actions = {
    exportReport: (document: Parameters<typeof copyLayerStats>[0], format: Parameters<typeof exportReport>[1]) =>
      exportReport({ adapter: document.adapter, analysis: document.analysis, partial: document.moduleResults }, format),
    copyLayerStats,
    attachPredictions: (document: Parameters<typeof copyLayerStats>[0], sink: Parameters<PredictionService['attach']>[1]) => predictions.attach(document, sink),
    checkInvariance: async (document: Parameters<typeof copyLayerStats>[0], predictor: string) => {
      const report = await predictions.checkInvariance(document, predictor);
      return { invariant: report.invariant, maxRelativeChange: report.maxRelativeChange };
    },
    attachIdentity: (document: Parameters<typeof copyLayerStats>[0], sink: Parameters<typeof attachIdentity>[2]) => attachIdentity(document.adapter, checks, sink),
  };
  context.subscriptions.push(
    logger,
    service,
    registry,
    trackEditorContextKeys(registry),
    sources,
    new AdapterEditorProvider(context.extensionUri, service, registry, actions),
    checks,
    bases,
    registerChecks(ctx, checks, bases),
    new CheckStatusBar(registry, checks),
    registerOpenAdapter(ctx),
    registerOpenInLens(ctx),
    registerInspectFolder(ctx),
    registerExportReport(ctx),
    registerCopyLayerStats(ctx),
    registerRevealLayer(ctx),
    registerShowComputeInfo(ctx),
    registerClearCache(ctx),
    predictions,
    registerLoadPredictor(predictions),
    registerTrainPredictor(service, predictions, join(__dirname, 'trainWorker.js')),
    registerCheckPredictorInvariance(ctx, predictions),
    registerAnalyze(ctx),
    registerCompareAdapters(ctx),
    registerCompareWith(ctx),
    registerShowCheckpoints(ctx),
    registerShowCrossLayer(ctx),
    registerAttachBase(ctx, bases),
    registerResizeAdapter(ctx),
    vscode.languages.registerHoverProvider(
      HOVER_LANGUAGES.map((language) => ({ language })),
      new ModuleHoverProvider(sources),
    ),
    vscode.languages.registerHoverProvider({ scheme: 'file', pattern: `**/${CONFIG_FILE_NAME}` }, new ConfigHoverProvider(checks)),
    vscode.workspace.onDidCreateFiles(() => sources.forgetSearches()),
  );
  // The analysis worker starts a while after activation, so a hover's first numbers do not wait
  // for it; not at once, since the activation is often the first adapter editor's, whose webview
  // is booting then, and its table comes before any analysis. onnxruntime does not start here
  // (most windows that activate the extension never open an adapter): the first analysis an
  // editor starts, once its table is painted, starts it (warmOnnxRuntime).
  const activated = performance.now();
  const warm = setTimeout(() => {
    service.warmUp().then(
      () => logger.info(`analysis worker warm ${((performance.now() - activated) / 1000).toFixed(2)} s after activation`),
      (error: unknown) => {
        // Disposed before it finished (the window closed): nothing to say.
        if (!isCancellation(error)) logger.warn(`analysis worker warm-up failed; the first analysis starts it: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  }, WORKER_WARM_DELAY_MS);
  context.subscriptions.push({ dispose: () => clearTimeout(warm) });
  logger.info(`LoRA Lens ${String(context.extension.packageJSON.version)} activated in ${((activated - started) / 1000).toFixed(3)} s`);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
