import { dirname, isAbsolute, relative, sep } from 'node:path';
import type { AdapterMatch } from './moduleIndex';

/** What the hovered document says about which adapter it means. */
export interface HoverContext {
  /** The document's path on disk; null for untitled or remote documents. */
  readonly documentPath: string | null;
  /** The document's text (its first MAX_TEXT characters are searched). */
  readonly text: string;
  /** The workspace folder holding the document, for workspace-relative paths in the text. */
  readonly workspaceRoot: string | null;
}

export interface Preferred {
  readonly shown: AdapterMatch;
  /** Why this one, as the hover says it ("named in this file", …). */
  readonly reason: string;
  /** The other adapters with the hovered name, in the index's order (most recent first). */
  readonly others: readonly AdapterMatch[];
}

/** Characters of a document searched for paths and model ids: a long notebook or log is cut there. */
export const MAX_TEXT = 1 << 20;
/** Folder names too common to say which adapter a text means. */
const GENERIC = new Set(['lora', 'adapter', 'adapters', 'output', 'outputs', 'checkpoint', 'final', 'model', 'models', 'weights', 'src', 'data']);
const MIN_NEEDLE = 4;

type Score = readonly [kind: number, strength: number];

/**
 * The adapter a hover should show when several have the hovered module: the one whose folder
 * holds the document (its adapter_config.json, a README beside it), else one whose path the
 * text names (the longest such mention wins), else one whose base model the text names, else the
 * nearest on disk, else the most recent. Ties keep the index's order.
 */
export function preferAdapter(adapters: readonly AdapterMatch[], context: HoverContext): Preferred {
  const text = slashes(context.text.slice(0, MAX_TEXT));
  const lower = text.toLowerCase();
  let best = 0;
  let bestScore: Score = [-1, -1];
  const scores = adapters.map((a) => score(a, context, text, lower));
  scores.forEach((s, i) => {
    if (s[0] > bestScore[0] || (s[0] === bestScore[0] && s[1] > bestScore[1])) [best, bestScore] = [i, s];
  });
  const shown = adapters[best];
  return { shown, reason: reasonOf(bestScore[0], shown), others: adapters.filter((_, i) => i !== best) };
}

const BESIDE = 4;
const NAMED = 3;
const BASE = 2;
const NEAR = 1;
const RECENT = 0;

function score(match: AdapterMatch, context: HoverContext, text: string, lower: string): Score {
  const file = match.adapter.file;
  const dir = dirname(file);
  const docDir = context.documentPath === null ? null : dirname(context.documentPath);
  if (docDir !== null && docDir === dir) return [BESIDE, 0];
  const named = longestMention(text, needlesOf(file, docDir, context.workspaceRoot));
  if (named > 0) return [NAMED, named];
  const base = match.adapter.baseModel;
  if (base && base.length >= MIN_NEEDLE && lower.includes(slashes(base).toLowerCase())) return [BASE, base.length];
  if (docDir !== null) return [NEAR, sharedDepth(docDir, dir)];
  return [RECENT, 0];
}

/** Ways a text may write the adapter's location: absolute, relative to the document or the workspace, its own folder's name. */
function needlesOf(file: string, docDir: string | null, root: string | null): string[] {
  const dir = dirname(file);
  const out = [file, dir];
  for (const from of [docDir, root]) {
    if (from === null) continue;
    for (const to of [file, dir]) {
      const rel = relative(from, to);
      if (rel !== '' && !isAbsolute(rel)) out.push(rel, `./${rel}`);
    }
  }
  const name = dir.split(sep).pop() ?? '';
  // A bare folder name counts only as a path component or a quoted string, and only when it says something.
  if (name.length >= MIN_NEEDLE && !GENERIC.has(name.toLowerCase())) out.push(`/${name}`, `"${name}`, `'${name}`);
  return out.map(slashes).filter((n) => n.length >= MIN_NEEDLE);
}

function longestMention(text: string, needles: readonly string[]): number {
  let longest = 0;
  for (const n of needles) if (n.length > longest && mentions(text, n)) longest = n.length;
  return longest;
}

/** Characters that continue a path segment: `runs/lora` is not named by `runs/lora-v2/` or `myruns/lora`. */
const SEGMENT = /[\p{L}\p{N}_\-.+~@=]/u;
/** Occurrences of one needle looked at: a needle repeated all over a long log gives up after these. */
const MAX_OCCURRENCES = 1000;

/** Whether the character at `i` continues a segment; a `.` only when one follows it (`lora.v2`, not a sentence's full stop). */
function continues(text: string, i: number): boolean {
  const c = text.charAt(i);
  if (c === '.') return SEGMENT.test(text.charAt(i + 1));
  return c !== '' && SEGMENT.test(c);
}

/** Whether `text` holds `needle` as a whole path: no segment character right after it, nor right before it when it starts with one. */
function mentions(text: string, needle: string): boolean {
  const checkStart = SEGMENT.test(needle.charAt(0));
  let at = text.indexOf(needle);
  for (let seen = 0; at >= 0 && seen < MAX_OCCURRENCES; seen++) {
    const before = at > 0 ? text.charAt(at - 1) : '';
    if (!continues(text, at + needle.length) && (!checkStart || before === '' || !SEGMENT.test(before))) return true;
    at = text.indexOf(needle, at + 1);
  }
  return false;
}

function sharedDepth(a: string, b: string): number {
  const [x, y] = [a.split(sep), b.split(sep)];
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i;
}

function slashes(path: string): string {
  return path.replace(/\\/g, '/');
}

function reasonOf(kind: number, shown: AdapterMatch): string {
  switch (kind) {
    case BESIDE:
      return 'the adapter in this file’s folder';
    case NAMED:
      return 'its path is named in this file';
    case BASE:
      return `its base model ${shown.adapter.baseModel ?? ''} is named in this file`;
    case NEAR:
      return 'the nearest to this file';
    default:
      return 'the most recently opened';
  }
}
