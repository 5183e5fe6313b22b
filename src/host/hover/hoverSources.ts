import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import { analyseFile } from '../analysis/analyseFile';
import type { HostContext } from '../hostContext';
import { Disposable } from '../disposable';
import { log } from '../log';
import { readSettings } from '../settings';
import { findAdaptersNear } from './adapterSearch';
import { ModuleIndex } from './moduleIndex';
import { indexedAdapterOf } from './moduleStats';

/** Workspace adapters analysed for hovers per folder at most: the nearest ones matter. */
const MAX_PER_FOLDER = 3;

/**
 * Feeds the hover's module index: adapters open in an editor (from their header, numbers as
 * they arrive), every analysis in the cache (recently inspected), and adapters found in the
 * workspace near a hovered document, looked up once per folder and analysed in the background.
 */
export class HoverSources extends Disposable {
  readonly index = new ModuleIndex();
  private readonly searched = new Map<string, Promise<void>>();

  constructor(private readonly ctx: HostContext) {
    super();
    const unsubscribe = ctx.service.cache.onDidChange(() => this.rebuild());
    this._register({ dispose: unsubscribe });
    this._register(ctx.registry.onDidChange(() => this.rebuild()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('loraLens.ranks.energyLevel') && this.rebuild()));
  }

  /** True until the folder of `uri` has been searched for adapters. */
  needsSearch(uri: vscode.Uri): boolean {
    return uri.scheme === 'file' && !this.searched.has(dirname(uri.fsPath));
  }

  /** Searches the folder of `uri` (once) and analyses what it finds; resolves when indexed. */
  search(uri: vscode.Uri): Promise<void> {
    const dir = dirname(uri.fsPath);
    let pending = this.searched.get(dir);
    if (!pending) {
      pending = this.searchFolder(dir, uri).catch((error) => log().warn(`hover: looking for adapters near ${dir} failed: ${String(error)}`));
      this.searched.set(dir, pending);
    }
    return pending;
  }

  /** Forgets searched folders, so new adapters in the workspace are found on the next hover. */
  forgetSearches(): void {
    this.searched.clear();
  }

  private async searchFolder(dir: string, uri: vscode.Uri): Promise<void> {
    const root = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? dir;
    const found = (await findAdaptersNear(dir, root)).slice(0, MAX_PER_FOLDER);
    const settings = readSettings();
    for (const path of found) {
      try {
        if ((await stat(path)).size > settings.maxAutoBytes) continue;
        const entry = await analyseFile(this.ctx.service, path, settings.compute, { isCancellationRequested: false });
        log().info(`hover: indexed ${entry.adapter.modules.length} modules of ${path}`);
      } catch (error) {
        log().warn(`hover: ${path} could not be analysed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  private rebuild(): void {
    const level = readSettings().energyLevel;
    this.index.clear();
    for (const entry of this.ctx.service.cache.values()) this.index.set(indexedAdapterOf(entry.adapter, entry.analysis.modules, level));
    for (const session of this.ctx.registry.all()) {
      const doc = session.document;
      if (!this.ctx.service.cache.has(doc.stamp)) this.index.set(indexedAdapterOf(doc.adapter, doc.moduleResults, level));
    }
  }
}
