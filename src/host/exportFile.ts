import * as vscode from 'vscode';
import type { SaveExportKind, SaveExportParams } from '../protocol/messages';
import { checkedExport } from './exportFileCheck';
import { temporaryName, writeReplacing } from './exportWrite';

const FILTERS: Record<SaveExportKind, Record<string, string[]>> = {
  svg: { 'SVG image': ['svg'] },
  png: { 'PNG image': ['png'] },
  csv: { CSV: ['csv'] },
};

/**
 * Saves what a view exported. The webview cannot write files, so it posts the bytes here; the
 * user picks the place in a save dialog, which itself asks before replacing a file, and
 * nothing is written when the dialog is dismissed. Returns the path written, or null.
 */
export async function saveExport(besides: vscode.Uri | undefined, raw: SaveExportParams): Promise<string | null> {
  const exported = checkedExport(raw);
  // Next to the adapter; for a panel of several files, in the first workspace folder.
  const folder = besides ? vscode.Uri.joinPath(besides, '..') : vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, exported.name) : undefined,
    filters: FILTERS[exported.kind],
    saveLabel: 'Export',
    title: `Export ${exported.name}`,
  });
  if (!target) return null;
  const name = target.path.slice(target.path.lastIndexOf('/') + 1);
  const temp = vscode.Uri.joinPath(target, '..', temporaryName(name));
  await writeReplacing(vscode.workspace.fs, target, temp, exported.bytes);
  return target.scheme === 'file' ? target.fsPath : target.toString();
}
