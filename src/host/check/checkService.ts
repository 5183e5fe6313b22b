import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import type { HostNotifications } from '../../protocol/messages';
import type { AnalysisService } from '../analysis/analysisService';
import { Disposable } from '../disposable';
import type { AdapterDocument } from '../editor/adapterDocument';
import type { EditorRegistry } from '../editor/editorRegistry';
import { log } from '../log';
import { readSettings } from '../settings';
import type { AttachedBases } from './attachedBases';
import type { CheckResults } from './checkResults';
import { CHECK_SECTION, checkSettingsFrom, type CheckSettings } from './checkSettings';
import type { ProblemsPanel } from './problems';

/** The config file PEFT writes beside the weights, whose edits change the config findings. */
const CONFIG_NAME = 'adapter_config.json';

/** One open adapter the service follows: its document, what it listens to, and its running check. */
interface Tracked {
  readonly document: AdapterDocument;
  listeners: vscode.Disposable;
  run: vscode.CancellationTokenSource | null;
}

/**
 * Checks every adapter open in the LoRA Lens editor and keeps its findings in CheckResults and
 * the Problems panel: when the editor's analysis is done (which the check reuses), when the
 * weights or the adapter_config.json beside them change, when the check settings change, and
 * when a base model is attached (its findings come from the kept base analysis, AttachedBases).
 * The check runs as a job in the analysis worker; a newer run cancels the one it replaces, and
 * a stale answer is dropped. A failed check is a log line and one problem on the file.
 */
export class CheckService extends Disposable {
  private readonly tracked = new Map<string, Tracked>();

  constructor(
    private readonly service: AnalysisService,
    private readonly registry: EditorRegistry,
    private readonly results: CheckResults,
    private readonly problems: ProblemsPanel,
    private readonly bases: AttachedBases,
  ) {
    super();
    this._register(registry.onDidChange(() => this.sync()));
    this._register(
      bases.onDidChange((path) => {
        const t = this.tracked.get(path);
        if (t) this.check(t);
        else bases.delete(path);
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(`loraLens.${CHECK_SECTION}`)) this.recheckAll();
      }),
    );
    this._register(
      vscode.workspace.onDidSaveTextDocument((saved) => {
        if (basename(saved.uri.fsPath) !== CONFIG_NAME) return;
        for (const t of this.tracked.values()) if (dirname(t.document.uri.fsPath) === dirname(saved.uri.fsPath)) this.check(t);
      }),
    );
    this._register({ dispose: () => [...this.tracked.keys()].forEach((path) => this.untrack(path)) });
    this.sync();
  }

  /** Follows the documents the editors show now: new ones are checked, closed ones forgotten. */
  private sync(): void {
    const open = new Map(this.registry.all().map((s) => [s.document.uri.fsPath, s.document]));
    for (const [path, t] of this.tracked) if (open.get(path) !== t.document) this.untrack(path);
    for (const [path, document] of open) if (!this.tracked.has(path)) this.track(path, document);
  }

  private track(path: string, document: AdapterDocument): void {
    // The folder's files, filtered by name here: a glob built from the file's name would read its brackets and braces as patterns.
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(path)), '*'));
    const t: Tracked = { document, run: null, listeners: watcher };
    const names = new Set([basename(path), CONFIG_NAME]);
    const changed = (uri: vscode.Uri) => {
      if (names.has(basename(uri.fsPath))) this.check(t);
    };
    watcher.onDidChange(changed);
    watcher.onDidCreate(changed);
    watcher.onDidDelete(changed);
    this.tracked.set(path, t);
    // What the document knows so far comes at once, then each change: the check waits for the
    // analysis it can reuse; a file with nothing to analyse is checked at once.
    const sink = document.attach((method, params) => {
      if (method === 'done' || (method === 'failed' && !(params as HostNotifications['failed']).cancelled)) this.check(t, true);
    });
    t.listeners = vscode.Disposable.from(watcher, sink);
    if (!document.adapter.analysable || document.adapter.modules.length === 0) this.check(t, true);
  }

  private untrack(path: string): void {
    const t = this.tracked.get(path);
    if (!t) return;
    this.tracked.delete(path);
    t.listeners.dispose();
    t.run?.cancel();
    t.run = null;
    this.problems.clear(path);
    this.results.delete(path);
    this.bases.delete(path);
  }

  private recheckAll(): void {
    for (const t of this.tracked.values()) this.check(t);
  }

  /**
   * Starts a check of a tracked document, cancelling the one it replaces. A change while the
   * editor's analysis runs, or before a large file's analysis was asked for, waits for that
   * analysis (its `done` checks), so that the worker does not analyse the file twice.
   */
  private check(t: Tracked, analysisEnded = false): void {
    const path = t.document.uri.fsPath;
    if (!analysisEnded && waitsForAnalysis(t.document)) return;
    t.run?.cancel();
    t.run = null;
    const settings = checkSettingsFrom((name) => vscode.workspace.getConfiguration('loraLens').get(name));
    if (!settings.enabled) {
      this.problems.clear(path);
      this.results.delete(path);
      return;
    }
    const run = new vscode.CancellationTokenSource();
    t.run = run;
    void this.runCheck(t, run, settings).finally(() => {
      if (t.run === run) t.run = null;
      run.dispose();
    });
  }

  private async runCheck(t: Tracked, run: vscode.CancellationTokenSource, settings: CheckSettings): Promise<void> {
    const { document } = t;
    const path = document.uri.fsPath;
    const analysis = document.analysis;
    const base = this.bases.get(path);
    const started = Date.now();
    try {
      const { output } = await this.service.jobs.run(
        'check',
        {
          path,
          options: readSettings().compute,
          thresholds: settings.thresholds,
          ...(analysis ? { analysis: { size: document.stamp.size, mtimeMs: document.stamp.mtimeMs, modules: analysis.modules } } : {}),
          ...(base ? { base } : {}),
        },
        { token: run.token },
      );
      if (run.token.isCancellationRequested || this.tracked.get(path) !== t) return;
      this.results.set(path, output);
      this.problems.show(output);
      log().info(`checked ${path}: ${output.findings.length} finding${output.findings.length === 1 ? '' : 's'} (${Date.now() - started} ms)`);
    } catch (error) {
      if (run.token.isCancellationRequested || this.tracked.get(path) !== t) return;
      const message = error instanceof Error ? error.message : String(error);
      log().warn(`the check of ${path} failed: ${message}`);
      this.results.delete(path);
      this.problems.showFailure(path, message);
    }
  }
}

/** True while the editor's own analysis of the document is still to come (running, or held for the user). */
function waitsForAnalysis(document: AdapterDocument): boolean {
  if (document.running) return true;
  const { adapter } = document;
  return document.analysis === null && adapter.analysable && adapter.modules.length > 0 && document.tooLargeToStart();
}
