/**
 * Tick labels from module and block names. Names in one chart share most of their text
 * (`lora_unet_down_blocks_0_attentions_1`, `base_model.model.model.layers.3`): cutting them to
 * their first characters gives every tick the same label. The common leading tokens are
 * dropped instead (trailing ones name the kind of module, `_proj`, and stay); what is still
 * too long has its leading words cut to initials, every index kept, and only then loses its
 * middle.
 */

/** A name split before each `.` or `_`, each token keeping its separator so they rejoin exactly. */
function tokens(name: string): string[] {
  return name.split(/(?=[._])/).filter((t) => t.length > 0);
}

function bare(token: string): string {
  return token.replace(/^[._]/, '');
}

/** Tokens all names share at the start, never a whole name. */
function commonHead(split: readonly (readonly string[])[]): number {
  if (split.length < 2) return 0;
  let shortest = Number.POSITIVE_INFINITY;
  for (const t of split) shortest = Math.min(shortest, t.length);
  let n = 0;
  while (n < shortest - 1) {
    const first = bare(split[0][n]);
    if (!split.every((t) => bare(t[n]) === first)) break;
    n++;
  }
  return n;
}

/** Cuts a label to `max` characters by its middle, at token boundaries where it can. */
export function elideMiddle(label: string, max: number): string {
  if (label.length <= max) return label;
  if (max < 2) return label.slice(label.length - Math.max(0, max));
  const parts = tokens(label);
  // The end names the index, so it is kept first; the start gets what room is left.
  let tail = '';
  for (let i = parts.length - 1; i > 0; i--) {
    const next = parts[i] + tail;
    if (next.length > max - 2) break;
    tail = next;
  }
  tail = tail.replace(/^[._]/, '');
  if (tail.length === 0) tail = label.slice(label.length - (max - 1));
  let head = '';
  for (const part of parts) {
    const next = head + part;
    if (next.length + 1 + tail.length > max) break;
    head = next;
  }
  if (head.length === 0 && tail.length + 1 < max) head = label.slice(0, max - 1 - tail.length);
  return `${head}…${tail}`;
}

interface Token {
  readonly sep: string;
  readonly word: string;
}

const NUMBER = /^\d+$/;

function render(parts: readonly Token[], short: readonly boolean[]): string {
  let out = '';
  parts.forEach((p, i) => {
    // Initials run together, and an index follows its initials directly: `down_blocks_0` → `db0`.
    const joined = i > 0 && short[i - 1] && (short[i] || NUMBER.test(p.word));
    out += (joined || i === 0 ? '' : p.sep) + (short[i] ? p.word[0] : p.word);
  });
  return out;
}

/**
 * The label with its first `count` words (not indices) cut to initials: the indices all stay,
 * and the last words (the module within its block) keep their spelling longest.
 * `unet_down_blocks_0_attentions_1_transformer_blocks_0`, 6 words → `udb0_a1_tb0`.
 */
export function abbreviate(label: string, count: number): string {
  const parts: Token[] = tokens(label).map((t) => ({ sep: /^[._]/.test(t) ? t[0] : '', word: bare(t) }));
  let left = count;
  const short = parts.map((p) => {
    if (left <= 0 || p.word.length < 2 || NUMBER.test(p.word)) return false;
    left--;
    return true;
  });
  return render(parts, short);
}

/** How many words `abbreviate` must cut for the label to fit `max` (all of them if it never does). */
function wordsToCut(label: string, max: number): number {
  let count = 0;
  const words = tokens(label).filter((t) => bare(t).length >= 2 && !NUMBER.test(bare(t))).length;
  while (count < words && abbreviate(label, count).length > max) count++;
  return count;
}

/**
 * Shortened labels for a set of names shown side by side: the tokens every name shares at
 * the start are dropped, then each is abbreviated and at last cut by its middle to `max`
 * characters.
 * A single name keeps its text (up to the cut).
 */
export function shortLabels(names: readonly string[], max: number): string[] {
  const unique = Array.from(new Set(names));
  const split = unique.map(tokens);
  const head = commonHead(split);
  const kept = unique.map((name, i) => split[i].slice(head).join('').replace(/^[._]/, '') || name);
  // Names alike but for their indices are cut alike, so `layers_9` and `layers_10` read the same way.
  const cut = new Map<string, number>();
  for (const k of kept) {
    const shape = k.replace(/\d+/g, '#');
    cut.set(shape, Math.max(cut.get(shape) ?? 0, wordsToCut(k, max)));
  }
  const byName = new Map<string, string>();
  unique.forEach((name, i) => {
    const k = kept[i];
    byName.set(name, elideMiddle(abbreviate(k, cut.get(k.replace(/\d+/g, '#')) ?? 0), max));
  });
  return names.map((name) => byName.get(name) ?? name);
}
