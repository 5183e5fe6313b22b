import * as vscode from 'vscode';
import { adapterGlob, adapterNames, adapterOffer, MAX_DEPTH, MAX_OFFERED, MAX_SEARCHED } from './adapterCandidates';

/** How long the workspace search may take; the picker lists what it found by then (Browse… always works). */
export const SEARCH_MS = 3000;
/** Top-level folders searched one by one (each search that ends adds its adapters, so a slow one costs only its own). */
const MAX_CHUNKS = 64;
/** Searches run at once. */
const LANES = 4;
const EXCLUDE = '**/node_modules/**';

/** The adapters found and, when the list is not all of them, why. */
export interface FoundAdapters {
  readonly uris: vscode.Uri[];
  readonly notes: string[];
}

/**
 * Adapters in the workspace folders: each folder's own files, then each top-level folder, searched
 * separately, so that a search cut by `token` (the picker's time limit, or the picker closed)
 * keeps what the finished ones found. Filtered by name and depth (adapterOffer).
 */
export async function searchWorkspace(token: vscode.CancellationToken): Promise<FoundAdapters> {
  const chunks: vscode.RelativePattern[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) chunks.push(...(await chunksOf(folder)));
  const uris: vscode.Uri[] = [];
  let next = 0;
  let unsearched = 0;
  let capped = false;
  const lane = async () => {
    while (next < chunks.length && !token.isCancellationRequested && uris.length < MAX_SEARCHED) {
      const chunk = chunks[next++];
      const found = await vscode.workspace.findFiles(chunk, EXCLUDE, MAX_SEARCHED - uris.length, token).then(
        (u) => u ?? [],
        () => null,
      );
      // A cancelled search ends with nothing (or an error): its folder counts as unsearched.
      if (found === null || (found.length === 0 && token.isCancellationRequested)) unsearched++;
      else for (const uri of found.slice(0, MAX_SEARCHED - uris.length)) uris.push(uri);
      if (uris.length >= MAX_SEARCHED) capped = true;
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  unsearched += chunks.length - next;
  const files = uris.flatMap((uri) => {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    return folder ? [{ uri, rel: uri.path.slice(folder.uri.path.replace(/\/$/, '').length + 1) }] : [];
  });
  const offer = adapterOffer(files, (f) => f.rel);
  const notes: string[] = [];
  if (unsearched > 0 && token.isCancellationRequested) notes.push(`the search stopped after ${SEARCH_MS / 1000} s with ${unsearched} of ${chunks.length} folders unsearched`);
  if (capped) notes.push(`the search stopped at ${MAX_SEARCHED} files`);
  if (offer.tooDeep > 0) notes.push(`${offer.tooDeep} more than ${MAX_DEPTH} folders down left out`);
  if (offer.overCap > 0) notes.push(`${offer.overCap} more left out (the list shows the ${MAX_OFFERED} shallowest)`);
  return { uris: offer.offered.map((f) => f.uri), notes };
}

/** One folder's searches: its own files, then each top-level folder (or the whole folder at once when it has too many, or cannot be listed). */
async function chunksOf(folder: vscode.WorkspaceFolder): Promise<vscode.RelativePattern[]> {
  const whole = [new vscode.RelativePattern(folder, adapterGlob())];
  let entries: [string, vscode.FileType][];
  try {
    entries = await vscode.workspace.fs.readDirectory(folder.uri);
  } catch {
    return whole;
  }
  const dirs = entries
    .filter(([name, type]) => type === vscode.FileType.Directory && name !== 'node_modules' && name !== '.git')
    .map(([name]) => name)
    .sort();
  if (dirs.length > MAX_CHUNKS) return whole;
  return [new vscode.RelativePattern(folder, adapterNames()), ...dirs.map((d) => new vscode.RelativePattern(vscode.Uri.joinPath(folder.uri, d), adapterGlob()))];
}
