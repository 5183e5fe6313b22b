import * as vscode from 'vscode';
import { ADAPTER_DIALOG_FILTERS } from '../../core/container/extensions';
import { pickOrder } from './adapterCandidates';
import { SEARCH_MS, searchWorkspace } from './workspaceSearch';

interface AdapterItem extends vscode.QuickPickItem {
  readonly uri?: vscode.Uri;
}

/** What the caller already has and how many more it needs. */
export interface PickNeeds {
  /** Adapters chosen before the picker opened (the editor's, a right-clicked file), by name: they are A, B, … and the picks follow. */
  readonly given: readonly string[];
  /** Picks Enter waits for (Compare Adapters… with nothing given: 2; Compare with…: 1). */
  readonly need: number;
}

/**
 * Picks adapters in every host (desktop, VS Code for the web, code-server, where an open dialog
 * returns one path): a multi-select list of the adapters found in the workspace, plus
 * "Browse…", which opens the dialog and adds what it returns, as often as needed, or a path
 * typed into the box (Enter adds it). The list shows at once and fills when the workspace search
 * ends. Enter finishes once `need` adapters are picked. Returns the picked adapters in the order
 * the user picked them; empty when dismissed.
 */
export async function pickAdaptersInOrder(title: string, needs: PickNeeds): Promise<vscode.Uri[]> {
  const browse: AdapterItem = { label: '$(folder-opened) Browse…', description: 'add adapters from a file or folder dialog', alwaysShow: true };
  const pick = vscode.window.createQuickPick<AdapterItem>();
  pick.title = title;
  pick.canSelectMany = true;
  pick.ignoreFocusOut = true;
  pick.matchOnDescription = true;
  pick.busy = true;
  const items: AdapterItem[] = [];
  let note: AdapterItem[] = [];
  let order: AdapterItem[] = [];
  const letter = (i: number) => String.fromCharCode(65 + (i % 26));
  const showOrder = () => {
    const named = [...needs.given, ...order.map((item) => item.label)].map((label, i) => `${letter(i)}: ${label}`);
    const missing = needs.need - order.length;
    const first = needs.given.length === 0 && order.length === 0;
    const ask = missing <= 0 ? '' : `check ${missing === 1 ? 'one more adapter' : `${missing} or more adapters`}${first ? ', the reference (A) first' : ''}, or type a path`;
    const searching = pick.busy ? ' (searching the workspace…)' : '';
    pick.placeholder = named.length === 0 ? `${ask.charAt(0).toUpperCase()}${ask.slice(1)}${searching}` : `${named.join(' · ')}${ask ? ` — ${ask}` : ''}${searching}`;
  };
  // Browse… last, so a typed filter makes the first matching adapter the active row.
  const render = () => {
    pick.items = [...items, ...note, browse];
    pick.selectedItems = order;
    showOrder();
  };
  render();
  const search = new vscode.CancellationTokenSource();
  const timer = setTimeout(() => search.cancel(), SEARCH_MS);
  return new Promise<vscode.Uri[]>((resolve) => {
    let done = false;
    // The web hosts' open dialog is itself a quick input: it hides this list while it is open.
    let browsing = false;
    const finish = (uris: vscode.Uri[]) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      search.cancel();
      search.dispose();
      resolve(uris);
      pick.dispose();
    };
    const itemOf = (uri: vscode.Uri) => items.find((i) => i.uri?.toString() === uri.toString());
    const add = (uris: readonly vscode.Uri[]) => {
      for (const uri of uris) {
        let item = itemOf(uri);
        if (!item) items.push((item = { label: vscode.workspace.asRelativePath(uri), uri }));
        if (!order.includes(item)) order.push(item);
      }
      render();
    };
    void searchWorkspace(search.token)
      .catch((): Awaited<ReturnType<typeof searchWorkspace>> => ({ uris: [], notes: ['the workspace search failed'] }))
      .then((found) => {
        if (done) return;
        clearTimeout(timer);
        // Adapters added while the search ran (typed, browsed) keep their rows, first.
        for (const uri of found.uris) if (!itemOf(uri)) items.push({ label: vscode.workspace.asRelativePath(uri), uri });
        const why = found.notes.join('; ');
        note = why ? [{ label: `Not every adapter is listed: ${why}. Browse… or type a path to add others.`, kind: vscode.QuickPickItemKind.Separator }] : [];
        pick.busy = false;
        render();
      });
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
      // A typed path is always added (and the box cleared); short of `need`, Enter takes the highlighted row.
      const typed = pick.value.trim();
      if (isPath(typed)) {
        pick.value = '';
        add([vscode.Uri.file(typed)]);
      } else if (order.length < needs.need) {
        const active = pick.activeItems[0];
        if (active === browse) return void browseAndAdd();
        if (active?.uri) add([active.uri]);
      }
      if (order.length >= needs.need) finish(order.flatMap((item) => (item.uri ? [item.uri] : [])));
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
