import * as vscode from 'vscode';
import { OPEN_IN_LENS } from '../commands/openInLens';
import { readSettings } from '../settings';
import { hoverMarkdown } from './hoverMarkdown';
import type { HoverSources } from './hoverSources';
import { mayBeModuleName } from './moduleKeys';
import { MAX_TEXT, type HoverContext } from './preferAdapter';
import { energyRankLabel } from './moduleStats';

/** Languages where module names turn up: training scripts, configs, notes. */
export const HOVER_LANGUAGES = ['python', 'json', 'jsonc', 'yaml', 'toml', 'markdown', 'plaintext'];

/** A module name: identifiers joined by dots. */
const WORD = /[A-Za-z0-9_.]+/;
/** How long a first hover in a folder waits for the adapters found there to be analysed. */
const SEARCH_WAIT_MS = 3000;

/**
 * Hovers over module names. The common case, a word that names nothing, is a word-range test
 * and a few Map lookups; only the first hover in a folder waits for the workspace search.
 */
export class ModuleHoverProvider implements vscode.HoverProvider {
  constructor(private readonly sources: HoverSources) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    if (!readSettings().hoverEnabled) return undefined;
    const range = document.getWordRangeAtPosition(position, WORD);
    if (!range) return undefined;
    const text = document.getText(range);
    if (!mayBeModuleName(text)) return undefined;
    let match = this.sources.index.match(text);
    if (!match && this.sources.needsSearch(document.uri)) {
      await Promise.race([this.sources.search(document.uri), new Promise((r) => setTimeout(r, SEARCH_WAIT_MS))]);
      if (token.isCancellationRequested) return undefined;
      match = this.sources.index.match(text);
    }
    if (!match) return undefined;
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const context: HoverContext = {
      documentPath: document.uri.scheme === 'file' ? document.uri.fsPath : null,
      text: boundedText(document),
      workspaceRoot: folder?.uri.scheme === 'file' ? folder.uri.fsPath : null,
    };
    const markdown = new vscode.MarkdownString(
      hoverMarkdown(
        match,
        {
          energyRank: energyRankLabel(readSettings().energyLevel),
          fileLabel: (file) => vscode.workspace.asRelativePath(file, folder !== undefined && (vscode.workspace.workspaceFolders?.length ?? 0) > 1),
          openLink: (file) => {
            const only = match?.adapters.find((a) => a.adapter.file === file)?.modules;
            const args = only && only.length === 1 ? [file, only[0].name] : [file];
            return `command:${OPEN_IN_LENS}?${encodeURIComponent(JSON.stringify(args))}`;
          },
        },
        context,
      ),
    );
    markdown.isTrusted = { enabledCommands: [OPEN_IN_LENS] };
    return new vscode.Hover(markdown, range);
  }
}

/** The document's text up to MAX_TEXT characters (positionAt clamps to the end), never the whole of a huge file. */
function boundedText(document: vscode.TextDocument): string {
  return document.getText(new vscode.Range(new vscode.Position(0, 0), document.positionAt(MAX_TEXT)));
}
