import * as vscode from 'vscode';
import { ADAPTER_DIALOG_FILTERS } from '../../core/container/extensions';
import { adapterCandidates, adapterGlob, MAX_SEARCHED, pickOrder } from './adapterCandidates';

/** How long the workspace search may take before the picker shows what it has (Browse… always works). */
const SEARCH_MS = 3000;

interface AdapterItem extends vscode.QuickPickItem {
  readonly uri?: vscode.Uri;
}

/**
 * Picks adapters in every host (desktop, VS Code for the web, code-server, where an open dialog
 * returns one path): a multi-select list of the adapters found in the workspace, plus
 * "Browse…", which opens the dialog and adds what it returns, as often as needed. Returns the
 * picked adapters in the order the user picked them; empty when dismissed.
 */
export async function pickAdaptersInOrder(title: string): Promise<vscode.Uri[]> {
  const found = await workspaceAdapters();
  const browse: AdapterItem = { label: '$(folder-opened) Browse…', description: 'add adapters from a file or folder dialog', alwaysShow: true };
  const pick = vscode.window.createQuickPick<AdapterItem>();
  pick.title = title;
  pick.canSelectMany = true;
  pick.ignoreFocusOut = true;
  pick.matchOnDescription = true;
  const items: AdapterItem[] = found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri }));
  // Browse… last, so a typed filter makes the first matching adapter the active row.
  pick.items = [...items, browse];
  let order: AdapterItem[] = [];
  const showOrder = () => {
    pick.placeholder =
      order.length === 0
        ? 'Check two or more adapters, the reference (A) first, or type a path'
        : order.map((item, i) => `${String.fromCharCode(65 + (i % 26))}: ${item.label}`).join(' · ');
  };
  showOrder();
  return new Promise<vscode.Uri[]>((resolve) => {
    let done = false;
    // The web hosts' open dialog is itself a quick input: it hides this list while it is open.
    let browsing = false;
    const finish = (uris: vscode.Uri[]) => {
      if (done) return;
      done = true;
      resolve(uris);
      pick.dispose();
    };
    const add = (uris: readonly vscode.Uri[]) => {
      for (const uri of uris) {
        let item = items.find((i) => i.uri?.toString() === uri.toString());
        if (!item) items.push((item = { label: vscode.workspace.asRelativePath(uri), uri }));
        if (!order.includes(item)) order.push(item);
      }
      pick.items = [...items, browse];
      pick.selectedItems = order;
      showOrder();
    };
    const browseAndAdd = async () => {
      browsing = true;
      const added = await browseAdapters(title).finally(() => (browsing = false));
      add(added);
      pick.show();
    };
    pick.onDidChangeSelection((selected) => {
      if (selected.includes(browse)) {
        pick.selectedItems = selected.filter((item) => item !== browse);
        void browseAndAdd();
        return;
      }
      order = pickOrder(order, selected);
      showOrder();
    });
    pick.onDidAccept(() => {
      // Nothing checked: Enter takes the typed path, else the highlighted row (one adapter is enough for Compare with…).
      if (order.length === 0) {
        const typed = pick.value.trim();
        const active = pick.activeItems[0];
        if (isPath(typed)) add([vscode.Uri.file(typed)]);
        else if (active === browse) return void browseAndAdd();
        else if (active) add([active.uri as vscode.Uri]);
      }
      finish(order.flatMap((item) => (item.uri ? [item.uri] : [])));
    });
    pick.onDidHide(() => browsing || finish([]));
    pick.show();
  });
}

/** An absolute path typed into the filter box (`/…`, `C:\…`, `\\server\…`). */
function isPath(text: string): boolean {
  return /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(text);
}

/** One open dialog (several files where the host allows it; one in the web hosts). */
async function browseAdapters(title: string): Promise<vscode.Uri[]> {
  const picked = await vscode.window.showOpenDialog({
    title,
    openLabel: 'Add',
    canSelectMany: true,
    canSelectFiles: true,
    canSelectFolders: true,
    filters: ADAPTER_DIALOG_FILTERS,
  });
  return picked ?? [];
}

/** Adapters in the workspace folders: a bounded search (MAX_SEARCHED files, SEARCH_MS), filtered by name and depth. */
async function workspaceAdapters(): Promise<vscode.Uri[]> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) return [];
  const cancel = new vscode.CancellationTokenSource();
  const timer = setTimeout(() => cancel.cancel(), SEARCH_MS);
  try {
    const uris = await vscode.workspace.findFiles(adapterGlob(), '**/node_modules/**', MAX_SEARCHED, cancel.token);
    const files = uris.flatMap((uri) => {
      const folder = vscode.workspace.getWorkspaceFolder(uri);
      return folder ? [{ uri, rel: uri.path.slice(folder.uri.path.replace(/\/$/, '').length + 1) }] : [];
    });
    return adapterCandidates(files, (f) => f.rel).map((f) => f.uri);
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
    cancel.dispose();
  }
}
