import { ADAPTER_FILE_NAMES, PICKLE_ADAPTER_FILE_NAMES } from '../../core/adapter/resolve';
import { ADAPTER_WEIGHT_EXTENSIONS, weightExtensionOf } from '../../core/container/extensions';

/** Folders below a workspace root an adapter is looked for in: `outputs/run/checkpoint-500/`. */
export const MAX_DEPTH = 6;
/** Files the workspace search returns at most (the search itself stops there). */
export const MAX_SEARCHED = 2000;
/** Adapters offered in the picker at most. */
export const MAX_OFFERED = 200;

const KNOWN = [...ADAPTER_FILE_NAMES, ...PICKLE_ADAPTER_FILE_NAMES];
/** Words that say what a weights file is; a bare `model.safetensors` is a base model more often than not. */
const ADAPTER_WORDS = ['lora', 'adapter', 'lokr', 'loha', 'lycoris'];
const ADAPTER_WORD = new RegExp(ADAPTER_WORDS.join('|'), 'i');

/** `lora` → `[lL][oO][rR][aA]`: the search's globs match case, and names write LoRA every way. */
function anyCase(word: string): string {
  return [...word].map((c) => `[${c.toLowerCase()}${c.toUpperCase()}]`).join('');
}

/**
 * The names the workspace search looks for, as one brace group: the writers' names and any
 * weights file with an adapter word in its name. Only adapter names, so a run's Trainer state
 * (optimizer.pt, scheduler.pt, rng_state.pth, training_args.bin in every checkpoint folder)
 * never fills the search's file cap.
 */
export function adapterNames(): string {
  const exts = ADAPTER_WEIGHT_EXTENSIONS.map((e) => e.replace(/^\./, ''));
  const worded = ADAPTER_WORDS.flatMap((w) => exts.map((e) => `*${anyCase(w)}*.${e}`));
  return `{${[...KNOWN, ...worded].join(',')}}`;
}

/** The glob the workspace search uses: adapterNames at any depth below the searched folder. */
export function adapterGlob(): string {
  return `**/${adapterNames()}`;
}

/** What the picker offers and how many it left out, and why. */
export interface Offer<T> {
  readonly offered: T[];
  /** Adapters more than MAX_DEPTH folders down. */
  readonly tooDeep: number;
  /** Adapters past MAX_OFFERED. */
  readonly overCap: number;
}

/**
 * Which workspace files to offer, by their workspace-relative paths (`/`-separated): adapter
 * weights by name (PEFT's and diffusers' names, or a name with lora/adapter/lokr in it), at most
 * MAX_DEPTH folders down, shallow first then by path, at most MAX_OFFERED.
 */
export function adapterOffer<T>(files: readonly T[], pathOf: (file: T) => string): Offer<T> {
  const depth = (file: T) => pathOf(file).split('/').length - 1;
  const named = files.filter((file) => {
    const path = pathOf(file);
    const name = path.slice(path.lastIndexOf('/') + 1);
    return weightExtensionOf(name) !== null && (KNOWN.includes(name) || ADAPTER_WORD.test(name));
  });
  const picked = named.filter((file) => depth(file) <= MAX_DEPTH);
  const byPath = (a: T, b: T) => (pathOf(a) < pathOf(b) ? -1 : pathOf(a) > pathOf(b) ? 1 : 0);
  const sorted = picked.sort((a, b) => depth(a) - depth(b) || byPath(a, b));
  return { offered: sorted.slice(0, MAX_OFFERED), tooDeep: named.length - picked.length, overCap: Math.max(0, sorted.length - MAX_OFFERED) };
}

/** adapterOffer's offered files alone. */
export function adapterCandidates<T>(files: readonly T[], pathOf: (file: T) => string): T[] {
  return adapterOffer(files, pathOf).offered;
}

/**
 * The picked items in the order the user picked them: a multi-select list reports its selection
 * in list order, so the order is kept across changes (items still selected keep their place,
 * newly selected ones go last, unselected ones drop out).
 */
export function pickOrder<T>(previous: readonly T[], selected: readonly T[]): T[] {
  const now = new Set(selected);
  const kept = previous.filter((item) => now.has(item));
  const added = selected.filter((item) => !kept.includes(item));
  return [...kept, ...added];
}

/**
 * The adapters a command got, in the user's order. The explorer passes the right-clicked item,
 * then every selected item in the order they were selected (the clicked one among them), so a
 * selection that holds the clicked item is the order; code passes A, then the others.
 */
export function explorerOrder<T>(clicked: T | undefined, selection: readonly T[], same: (a: T, b: T) => boolean): T[] {
  const fromExplorer = clicked === undefined || selection.some((s) => same(s, clicked));
  const source = fromExplorer ? selection : [clicked, ...selection];
  const out: T[] = [];
  for (const item of source) if (!out.some((o) => same(o, item))) out.push(item);
  return out;
}
