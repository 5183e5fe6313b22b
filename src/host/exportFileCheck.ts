import type { SaveExportKind } from '../protocol/messages';

/** The most a view may hand over to save: a chart PNG at 3× is a few MiB, a 10k-row CSV a few more. */
export const MAX_EXPORT_BYTES = 64 * 1024 * 1024;

const KINDS: readonly SaveExportKind[] = ['svg', 'png', 'csv'];

export interface CheckedExport {
  readonly name: string;
  readonly kind: SaveExportKind;
  readonly bytes: Uint8Array;
}

/**
 * The webview's message is data, so every field is checked here: the kind against the list,
 * the name reduced to a plain file name with the kind's extension (no folders, no control
 * characters), the data decoded strictly and bounded, a PNG's signature checked and an SVG
 * free of anything that would run when it is opened.
 */
export function checkedExport(raw: unknown): CheckedExport {
  if (typeof raw !== 'object' || raw === null) throw new Error('saveExport needs an object');
  const p = raw as Record<string, unknown>;
  const kind = KINDS.find((k) => k === p.kind);
  if (!kind) throw new Error(`cannot export '${String(p.kind).slice(0, 20)}'`);
  if (typeof p.data !== 'string') throw new Error('saveExport needs data');
  if (p.encoding !== 'utf8' && p.encoding !== 'base64') throw new Error('saveExport needs utf8 or base64 data');
  // base64 holds 3 bytes in 4 characters; utf8 up to 3 bytes in one UTF-16 unit.
  const bound = p.encoding === 'base64' ? (p.data.length / 4) * 3 : p.data.length * 3;
  if (bound > MAX_EXPORT_BYTES) throw new Error(`the export is larger than ${MAX_EXPORT_BYTES / 1024 / 1024} MiB`);
  if (p.encoding === 'base64' && !isBase64(p.data)) throw new Error('the export is not valid base64');
  const bytes = p.encoding === 'base64' ? new Uint8Array(Buffer.from(p.data, 'base64')) : new TextEncoder().encode(p.data);
  if (kind === 'png' && !PNG_SIGNATURE.every((b, i) => bytes[i] === b)) throw new Error('the export is not a PNG image');
  if (kind === 'svg') checkSvg(p.data);
  return { name: exportName(p.name, kind), kind, bytes };
}

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** Strict base64: Buffer.from skips characters outside the alphabet and a short tail silently. */
function isBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

/**
 * A saved SVG may be opened in a browser, where it runs what it carries: the views' charts
 * never hold scripts, event handlers, HTML islands or javascript: links, so one that does
 * did not come from them.
 */
const SVG_ACTIVE: readonly (readonly [RegExp, string])[] = [
  [/<script/i, 'a script'],
  [/<[^>]*\son[a-z]+\s*=/i, 'an event handler'],
  [/<foreignObject/i, 'a foreignObject'],
  [/javascript\s*:/i, 'a javascript: link'],
];

function checkSvg(text: string): void {
  for (const [pattern, what] of SVG_ACTIVE) if (pattern.test(text)) throw new Error(`the SVG export holds ${what}; not saved`);
}

export function exportName(raw: unknown, kind: SaveExportKind): string {
  const text = typeof raw === 'string' ? raw : '';
  const base = (text.split(/[\\/]/).pop() ?? '')
    .replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 120);
  const stem = base.toLowerCase().endsWith(`.${kind}`) ? base.slice(0, -kind.length - 1) : base;
  return `${stem || 'export'}.${kind}`;
}
