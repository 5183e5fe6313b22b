import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { MANIFEST_FILE } from '../../core/predict/predictor/manifest';
import { discoverPredictors, openPredictor, type LoadedPredictor } from '../../core/predict/predictor/loadPredictor';
import { readPredictor } from '../../core/predict/predictor/predictorDir';
import type { BrokenPredictor, PredictorSource } from '../../protocol/predictPayloads';
import { Disposable } from '../disposable';
import { log } from '../log';
import { readSettings } from '../settings';
import type { PredictorEntry } from './cards';
import { WORKSPACE_PREDICTORS } from './predictorPaths';
import { predictorSources, trustNotes, type PredictorSources } from './predictorSources';

/** File events come in bursts (a predictor folder is written as two files and a rename): one refresh per burst. */
const REFRESH_DEBOUNCE_MS = 250;

/**
 * The predictors this window knows: those under each workspace folder's `.lora-lens/predictors/`,
 * those the `loraLens.predictors` setting names, and those loaded by hand this session. A
 * predictor that cannot be read is listed with its error (and logged once), never thrown. The
 * list follows the files (a watcher on each workspace folder) and the setting. Sessions
 * (the ONNX model loaded for a provider) are opened on first use and dropped when their
 * folder changes, so an edited or retrained predictor is read again. In Restricted Mode only
 * the user's own absolute setting entries and predictors loaded by hand are listed (see
 * predictorSources); the rest is listed, and watched, once the folder is trusted.
 */
export class PredictorCatalog extends Disposable {
  private entries: readonly PredictorEntry[] = [];
  private brokenList: readonly BrokenPredictor[] = [];
  private noteList: readonly string[] = [];
  private readonly byHand = new Set<string>();
  private readonly sessions = new Map<string, Promise<LoadedPredictor>>();
  private readonly reported = new Set<string>();
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires after a refresh changed what is listed (or dropped a session). */
  readonly onDidChange = this.changed.event;
  private watchers: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private readonly touched = new Set<string>();

  constructor() {
    super();
    this.watch();
    this._register({ dispose: () => this.watchers.forEach((w) => w.dispose()) });
    this._register({ dispose: () => clearTimeout(this.timer) });
    this._register({ dispose: () => void this.dropSessions([...this.sessions.keys()]) });
    this._register(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.watch();
        void this.refresh();
      }),
    );
    this._register(
      vscode.workspace.onDidChangeWorkspaceFolders(() => {
        this.watch();
        this.schedule();
      }),
    );
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        // Another device choice needs new sessions; another list, a new listing.
        if (e.affectsConfiguration('loraLens.compute.device')) void this.dropSessions([...this.sessions.keys()]).then(() => this.changed.fire());
        if (e.affectsConfiguration('loraLens.predictors')) this.schedule();
      }),
    );
    void this.refresh();
  }

  /** Readable predictors, workspace first, then the setting's, then those loaded by hand. */
  get usable(): readonly PredictorEntry[] {
    return this.entries;
  }

  get broken(): readonly BrokenPredictor[] {
    return this.brokenList;
  }

  /** What is not listed until the folder is trusted, in words; empty in a trusted folder. */
  get notes(): readonly string[] {
    return this.noteList;
  }

  /** Resolves when the listing in progress (if any) has finished. */
  ready(): Promise<void> {
    return this.refreshing;
  }

  /**
   * Loads a predictor folder by hand: the manifest and the ONNX model are validated by opening
   * it (a malformed one throws its PredictorError), then it joins the list for this session.
   */
  async load(dir: string): Promise<LoadedPredictor> {
    const absolute = resolve(dir);
    await this.dropSessions([absolute]);
    const opened = openPredictor(absolute, { device: readSettings().compute.device });
    this.sessions.set(absolute, opened);
    try {
      const predictor = await opened;
      this.byHand.add(absolute);
      await this.refresh();
      return predictor;
    } catch (error) {
      this.sessions.delete(absolute);
      throw error;
    }
  }

  /** The predictor's loaded model, opened on first use for the `loraLens.compute.device` setting. */
  session(dir: string): Promise<LoadedPredictor> {
    let opened = this.sessions.get(dir);
    if (!opened) {
      opened = openPredictor(dir, { device: readSettings().compute.device });
      this.sessions.set(dir, opened);
      // A failed open is not cached: the next use tries again (the folder may have been fixed).
      opened.catch(() => this.sessions.get(dir) === opened && this.sessions.delete(dir));
    }
    return opened;
  }

  /** Lists the predictors again now; concurrent calls run one after the other. */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(() => this.list()).catch((error: unknown) => log().error(`listing predictors failed: ${String(error)}`));
    return this.refreshing;
  }

  private async list(): Promise<void> {
    const found: (PredictorEntry | (BrokenPredictor & { readonly source: PredictorSource }))[] = [];
    const sources = currentSources();
    for (const root of sources.workspaceRoots) {
      if (!(await isDirectory(root))) continue;
      for (const d of await discoverPredictors(root)) found.push({ ...d, source: 'workspace' });
    }
    for (const dir of sources.settingDirs) {
      if (await isFile(join(dir, MANIFEST_FILE))) found.push({ ...(await readOne(dir)), source: 'setting' });
      else if (await isDirectory(dir)) for (const d of await discoverPredictors(dir)) found.push({ ...d, source: 'setting' });
      else found.push({ dir, error: `${dir} is not a folder (from the setting loraLens.predictors)`, source: 'setting' });
    }
    for (const dir of this.byHand) found.push({ ...(await readOne(dir)), source: 'loaded' });
    const seen = new Set<string>();
    const usable: PredictorEntry[] = [];
    const broken: BrokenPredictor[] = [];
    for (const f of found) {
      const dir = resolve(f.dir);
      if (seen.has(dir)) continue;
      seen.add(dir);
      if ('manifest' in f) usable.push({ dir, source: f.source, manifest: f.manifest });
      else {
        broken.push({ dir, error: f.error });
        const note = `${dir}: ${f.error}`;
        if (!this.reported.has(note)) log().warn(`predictor not usable: ${note}`);
        this.reported.add(note);
      }
    }
    const gone = [...this.sessions.keys()].filter((dir) => !seen.has(dir) || this.touched.has(dir));
    this.touched.clear();
    await this.dropSessions(gone);
    const present: string[] = [];
    for (const root of sources.deferredRoots) if (await isDirectory(root)) present.push(root);
    const notes = trustNotes(sources, present);
    for (const note of notes) if (!this.reported.has(note)) log().info(note);
    notes.forEach((note) => this.reported.add(note));
    this.entries = usable;
    this.brokenList = broken;
    this.noteList = notes;
    this.changed.fire();
  }

  /** Watches each workspace folder's `.lora-lens/predictors/`: in a trusted folder only. */
  private watch(): void {
    this.watchers.forEach((w) => w.dispose());
    this.watchers = [];
    if (!vscode.workspace.isTrusted) return;
    this.watchers = (vscode.workspace.workspaceFolders ?? []).map((folder) => {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '.lora-lens/predictors/**'));
      const root = join(folder.uri.fsPath, WORKSPACE_PREDICTORS);
      const touch = (uri: vscode.Uri) => {
        // The predictor folder an event falls in: its session is stale.
        const rest = uri.fsPath.startsWith(root) ? uri.fsPath.slice(root.length + 1) : '';
        const name = rest.split(/[\\/]/)[0];
        if (name) this.touched.add(join(root, name));
        this.schedule();
      };
      return vscode.Disposable.from(watcher, watcher.onDidCreate(touch), watcher.onDidChange(touch), watcher.onDidDelete(touch));
    });
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), REFRESH_DEBOUNCE_MS);
  }

  private async dropSessions(dirs: readonly string[]): Promise<void> {
    for (const dir of dirs) {
      const opened = this.sessions.get(dir);
      this.sessions.delete(dir);
      if (opened)
        await opened.then(
          (p) => p.dispose(),
          () => undefined,
        );
    }
  }
}

/** Where to look now: the trust state, the workspace folders and the setting as each scope sets it. */
function currentSources(): PredictorSources {
  const setting = vscode.workspace.getConfiguration('loraLens').inspect<unknown>('predictors');
  return predictorSources({
    trusted: vscode.workspace.isTrusted,
    workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
    settingGlobal: setting?.globalValue,
    settingWorkspace: setting?.workspaceFolderValue ?? setting?.workspaceValue,
  });
}

async function readOne(dir: string): Promise<{ readonly dir: string; readonly manifest: PredictorEntry['manifest'] } | BrokenPredictor> {
  try {
    return { dir, manifest: (await readPredictor(dir)).manifest };
  } catch (error) {
    return { dir, error: error instanceof Error ? error.message : String(error) };
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
