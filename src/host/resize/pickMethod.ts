import * as vscode from 'vscode';
import type { Adapter } from '../../core/adapter/model';
import { parseRankMethod, type RankMethod } from '../../core/resize/recommend';
import { methodText } from './planPayload';

interface MethodItem extends vscode.QuickPickItem {
  /** The core's text form without the parameter ("energy", "budget:rank"). */
  readonly head: string;
  /** What the parameter means, for the input box; null when the method has none. */
  readonly prompt: string | null;
  /** The parameter offered first: the one chosen before for this method, else a default. */
  readonly initial: (adapter: Adapter) => string;
}

const half = (n: number) => String(Math.max(1, Math.round(n / 2)));
const totalRank = (a: Adapter) => a.modules.reduce((s, m) => s + m.rank, 0);
const totalParams = (a: Adapter) => a.modules.reduce((s, m) => s + m.rank * (m.shape[0] + m.shape[1]), 0);

const METHODS: readonly MethodItem[] = [
  { label: 'Energy level', description: 'smallest k keeping a share of Σσ²', head: 'energy', prompt: 'Share of the energy Σσ² each layer keeps, in (0, 1]', initial: () => '0.95' },
  { label: 'σ-above-mean rank', description: '#{i : σᵢ ≥ mean σ}, i.e. σᵢ/Σσ ≥ 1/r', head: 'above_mean', prompt: null, initial: () => '' },
  { label: 'kohya sv_ratio', description: 'keep σᵢ ≥ σ₁ / ratio', head: 'sv_ratio', prompt: 'Ratio σ₁/σₖ, at least 1 (kohya resize_lora.py)', initial: () => '10' },
  {
    label: 'kohya sv_fro',
    description: 'keep a share of the Frobenius norm',
    head: 'sv_fro',
    prompt: 'Share of ‖ΔW‖_F kept, in (0, 1] (kohya resize_lora.py)',
    initial: () => '0.9',
  },
  { label: 'kohya sv_cumulative', description: 'keep a share of Σσ', head: 'sv_cumulative', prompt: 'Share of Σσ kept, in (0, 1] (kohya resize_lora.py)', initial: () => '0.9' },
  {
    label: 'Budget: total rank',
    description: 'allocated greedily by σ² across layers',
    head: 'budget:rank',
    prompt: 'Total rank over all layers',
    initial: (a) => half(totalRank(a)),
  },
  {
    label: 'Budget: parameters',
    description: 'allocated greedily by σ² per parameter',
    head: 'budget:params',
    prompt: 'Parameters over all layers',
    initial: (a) => half(totalParams(a)),
  },
  {
    label: 'Fixed rank',
    description: 'the same rank for every layer (never above its own)',
    head: 'fixed',
    prompt: 'Rank per layer',
    initial: (a) => half(a.modules.reduce((m, x) => Math.max(m, x.rank), 0)),
  },
];

/** The method's head and parameter in the core's text form ("budget:rank", "256"). */
function split(method: RankMethod): { readonly head: string; readonly param: string } {
  const text = methodText(method);
  const cut = text.lastIndexOf(':');
  return method.kind === 'above_mean' ? { head: 'above_mean', param: '' } : { head: text.slice(0, cut), param: text.slice(cut + 1) };
}

/** Why a typed parameter is refused, in the core parser's words; null when it is fine. */
function problemOf(head: string, value: string): string | null {
  try {
    parseRankMethod(`${head}:${value.trim()}`);
    return null;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The parser names the whole text; the box shows only the parameter, so keep the reason.
    return message.replace(/^rank method "[^"]*": /, '');
  }
}

/**
 * Asks for the rank method, then its parameter (checked as typed by the core's parser).
 * `preset` (the ranks view's choice) is the method and parameter offered first.
 */
export async function pickMethod(adapter: Adapter, preset: RankMethod | undefined): Promise<RankMethod | undefined> {
  const chosen = preset ? split(preset) : undefined;
  const item = await pickOne(METHODS, chosen?.head ?? 'energy');
  if (!item) return undefined;
  if (item.prompt === null) return parseRankMethod(item.head);
  const value = await vscode.window.showInputBox({
    title: `Resize Adapter: ${item.label}`,
    prompt: item.prompt,
    value: chosen?.head === item.head ? chosen.param : item.initial(adapter),
    ignoreFocusOut: true,
    validateInput: (text) => problemOf(item.head, text),
  });
  return value === undefined ? undefined : parseRankMethod(`${item.head}:${value.trim()}`);
}

/** A quick pick with one item active at the start (showQuickPick cannot preselect). */
function pickOne(items: readonly MethodItem[], active: string): Promise<MethodItem | undefined> {
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<MethodItem>();
    pick.title = 'Resize Adapter: rank method';
    pick.placeholder = 'How the kept rank of each layer is chosen';
    pick.items = items;
    pick.activeItems = items.filter((i) => i.head === active);
    pick.ignoreFocusOut = true;
    let picked: MethodItem | undefined;
    pick.onDidAccept(() => {
      picked = pick.selectedItems[0] ?? pick.activeItems[0];
      pick.hide();
    });
    pick.onDidHide(() => {
      pick.dispose();
      resolve(picked);
    });
    pick.show();
  });
}
