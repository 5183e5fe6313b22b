import * as vscode from 'vscode';
import { resolveWeightsFile } from '../../core/adapter/resolve';
import { ADAPTER_DIALOG_FILTERS } from '../../core/container/extensions';
import { explorerOrder } from './adapterCandidates';

/** A command argument that names an adapter: a Uri (explorer, editor title) or a path (tests, other extensions). */
export type AdapterArg = vscode.Uri | string;

/** The weights files of the given files or adapter folders, in order, each once. */
export async function weightsOf(args: readonly AdapterArg[]): Promise<string[]> {
  const files: string[] = [];
  for (const arg of args) {
    const file = await resolveWeightsFile(typeof arg === 'string' ? arg : arg.fsPath);
    if (!files.includes(file)) files.push(file);
  }
  return files;
}

/** The Uris or paths among a command's arguments (explorer passes the clicked item, then every selected one). */
export function adapterArgs(...args: unknown[]): AdapterArg[] {
  const out: AdapterArg[] = [];
  for (const arg of args.flatMap((a) => (Array.isArray(a) ? a : [a]))) if (typeof arg === 'string' || arg instanceof vscode.Uri) out.push(arg);
  return out;
}

/**
 * The adapters a compare command got, in the user's order: from the explorer (the clicked item,
 * then the selection in the order it was made) or from code (`executeCommand(id, a, [b, c])`,
 * or `executeCommand(id, [a, b])`, a list in first place being the order itself).
 */
export function orderedAdapterArgs(first: unknown, selection: unknown): AdapterArg[] {
  const firsts = adapterArgs(first);
  const rest = adapterArgs(selection);
  if (Array.isArray(first) || firsts.length !== 1) return explorerOrder(undefined, [...firsts, ...rest], sameArg);
  return explorerOrder(firsts[0], rest, sameArg);
}

export function sameArg(a: AdapterArg, b: AdapterArg): boolean {
  return (typeof a === 'string' ? a : a.toString()) === (typeof b === 'string' ? b : b.toString());
}

/** Asks for adapters: weights files of any readable container, or adapter folders, several at once. */
export async function pickAdapters(title: string, openLabel: string): Promise<vscode.Uri[]> {
  const picked = await vscode.window.showOpenDialog({
    title,
    openLabel,
    canSelectMany: true,
    canSelectFiles: true,
    canSelectFolders: true,
    filters: ADAPTER_DIALOG_FILTERS,
  });
  return picked ?? [];
}
