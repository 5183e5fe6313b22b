import { readdir, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { MAX_CONFIG_BYTES, MAX_CONFIG_DEPTH } from '../../core/adapter/config';
import { openAdapter } from '../../core/adapter/load';
import type { Adapter } from '../../core/adapter/model';
import { parseBoundedJson } from '../../core/io/boundedJson';
import type { CheckResults } from '../check/checkResults';
import { identityOf } from '../check/identityFeed';
import { log } from '../log';
import { readSettings } from '../settings';
import { adapterIn } from './adapterSearch';
import { configHoverMarkdown } from './configHover';
import { configKeyAt } from './configKeyAt';

/** The file name the config hovers answer for (PEFT's and mlx-lm's config beside the weights). */
export const CONFIG_FILE_NAME = 'adapter_config.json';
/** Adapters read for config hovers kept at once; each is a header, a few configs are open at a time. */
const MAX_CACHED = 8;

interface Cached {
  readonly mtimeMs: number;
  readonly size: number;
  readonly adapter: Adapter;
}

/**
 * Hovers on the keys of an adapter_config.json: what the key means and what the weights beside
 * the config say about it. The weights are found as the workspace search finds an adapter
 * folder (adapterIn) and read once per change of the file (header only); the check's findings
 * and identity come from CheckResults where the file has been checked.
 */
export class ConfigHoverProvider implements vscode.HoverProvider {
  private readonly adapters = new Map<string, Cached>();

  constructor(private readonly checks: CheckResults) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    if (!readSettings().hoverEnabled || document.uri.scheme !== 'file' || basename(document.uri.fsPath) !== CONFIG_FILE_NAME) return undefined;
    const text = document.getText();
    if (text.length > MAX_CONFIG_BYTES) return undefined;
    const hit = configKeyAt(text, document.offsetAt(position));
    if (!hit) return undefined;
    const adapter = await this.adapterBeside(document.uri.fsPath);
    if (token.isCancellationRequested) return undefined;
    const check = adapter ? this.checks.get(adapter.file) : undefined;
    const markdown = configHoverMarkdown({
      key: hit.key,
      values: valuesOf(text) ?? adapter?.config?.values ?? {},
      adapter,
      identity: check?.identity ?? (adapter ? identityOf(adapter) : null),
      findings: check?.findings ?? [],
      weightsLabel: adapter ? vscode.workspace.asRelativePath(adapter.file, false) : null,
    });
    if (markdown === null) return undefined;
    return new vscode.Hover(new vscode.MarkdownString(markdown), new vscode.Range(document.positionAt(hit.start), document.positionAt(hit.end)));
  }

  /** The adapter in the config's folder, read again only when its weights file changed. */
  private async adapterBeside(configFile: string): Promise<Adapter | null> {
    const dir = dirname(configFile);
    try {
      const files = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
      const weights = adapterIn(dir, files);
      if (!weights) return null;
      const info = await stat(weights);
      if (!info.isFile()) return null;
      const cached = this.adapters.get(weights);
      if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached.adapter;
      const opened = await openAdapter(weights);
      await opened.file.close();
      this.adapters.delete(weights);
      this.adapters.set(weights, { mtimeMs: info.mtimeMs, size: info.size, adapter: opened.adapter });
      for (const old of this.adapters.keys()) {
        if (this.adapters.size <= MAX_CACHED) break;
        this.adapters.delete(old);
      }
      return opened.adapter;
    } catch (error) {
      log().warn(`config hover: the adapter beside ${configFile} could not be read: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }
}

/** The config's values as the editor holds them, or null while the text is not a JSON object. */
function valuesOf(text: string): Readonly<Record<string, unknown>> | null {
  try {
    const values = parseBoundedJson(text, MAX_CONFIG_DEPTH);
    return values !== null && typeof values === 'object' && !Array.isArray(values) ? (values as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
