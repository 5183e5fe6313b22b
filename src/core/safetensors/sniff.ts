/**
 * Names what a file that failed safetensors' first checks actually is, from its first bytes.
 * Real downloads go wrong in recognisable ways: a Git LFS pointer committed instead of the
 * weights, an HTML error page, a text placeholder, a PyTorch checkpoint renamed. A real
 * safetensors file never reaches this: its length prefix holds NUL bytes (N < 2^56), so it never
 * reads as text, and its errors keep their precise codes.
 */

import { SafetensorsError, type SafetensorsErrorCode } from './errors';

/** How many leading bytes `describeForeignFile` looks at. */
export const SNIFF_BYTES = 1024;

/** Failures of the first checks, where the file may well be something else altogether. */
const FOREIGN_CANDIDATES: ReadonlySet<SafetensorsErrorCode> = new Set<SafetensorsErrorCode>([
  'FILE_TOO_SMALL',
  'HEADER_TOO_LARGE',
  'HEADER_PAST_END',
  'HEADER_NOT_UTF8',
  'HEADER_NOT_JSON',
  'HEADER_NOT_OBJECT',
]);

/** Whether an error from the first checks calls for a look at the file's first bytes. */
export function mayBeForeign(error: unknown): error is SafetensorsError {
  return error instanceof SafetensorsError && FOREIGN_CANDIDATES.has(error.code);
}

/**
 * The error to report for a file whose first checks failed: NOT_SAFETENSORS saying what the
 * file really is when its head is recognisable, else the original error unchanged.
 */
export function explainFailure(error: SafetensorsError, head: Uint8Array, fileSize: number): SafetensorsError {
  if (!FOREIGN_CANDIDATES.has(error.code)) return error;
  const what = describeForeignFile(head, fileSize);
  return what ? new SafetensorsError('NOT_SAFETENSORS', `not a safetensors file: ${what}`, error.file) : error;
}

/** How much of a text file's beginning a message quotes. */
const PREVIEW_CHARS = 80;

/** A description of the file when it is recognisably something else, or null. */
export function describeForeignFile(head: Uint8Array, fileSize: number): string | null {
  if (fileSize === 0) return 'the file is empty (0 bytes)';
  const startsWith = (magic: string) => magic.length <= head.length && [...magic].every((ch, i) => head[i] === ch.charCodeAt(0));
  if (startsWith('version https://git-lfs')) return `a Git LFS pointer, not the weights${lfsDetails(head)}; fetch the real file with \`git lfs pull\``;
  if (startsWith('PK\u0003\u0004')) return zipDescription(head);
  if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5)
    return `a Python pickle (protocol ${head[1]}), e.g. an old PyTorch checkpoint saved with torch.save, not safetensors; load it in Python and convert it with safetensors.torch.save_file`;
  if (startsWith('GGUF')) return 'a GGUF model file (llama.cpp), not safetensors';
  if (startsWith('\u0093NUMPY')) return 'a NumPy .npy array file, not safetensors';
  if (startsWith('\u0089HDF')) return 'an HDF5 file (e.g. Keras weights), not safetensors';
  if (looksLikeHtml(head)) return `an HTML page of ${fileSize} bytes (likely a download error or login page), not the weights`;
  const text = asText(head);
  if (text !== null) {
    if (fileSize < 8) return `${plural(fileSize, 'byte')} of text (${visible(text)}), not a safetensors file`;
    return `a text file of ${plural(fileSize, 'byte')}, not the weights; it begins: "${preview(text)}"`;
  }
  if (fileSize < 8) return `only ${plural(fileSize, 'byte')} (${hex(head)}), too short to hold a safetensors header`;
  return null;
}

/** torch.save writes a zip whose entries are `<name>/data.pkl` and `<name>/data/<n>`. */
function zipDescription(head: Uint8Array): string {
  const isTorch = latin1(head).includes('data.pkl');
  const what = isTorch ? 'a PyTorch checkpoint saved with torch.save (a zip archive holding a pickle)' : 'a zip archive (torch.save writes zips like this)';
  return `${what}, not safetensors; load it in Python and convert it with safetensors.torch.save_file`;
}

/** `<!DOCTYPE html` or `<html`, after an optional BOM and whitespace, in any letter case. */
function looksLikeHtml(head: Uint8Array): boolean {
  const start = latin1(head.subarray(0, 256))
    .replace(/^\u00ef\u00bb\u00bf/, '')
    .trimStart()
    .toLowerCase();
  return start.startsWith('<!doctype html') || start.startsWith('<html');
}

/** The head as text when it decodes as UTF-8 without NULs or binary control bytes, else null. */
function asText(head: Uint8Array): string | null {
  // A multi-byte character cut by the sniff window is not a reason to call it binary.
  let end = head.length;
  while (end > 0 && end > head.length - 4 && (head[end - 1] & 0xc0) === 0x80) end--;
  if (end > 0 && head[end - 1] >= 0xc0) end--;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end === 0 ? head.length : end));
  } catch {
    return null;
  }
  return /[\u0000-\u0008\u000e-\u001f\u007f]/.test(text) ? null : text;
}

/** Characters of a very short file by name (a 2-byte CR LF file reads "CR LF"). */
function visible(text: string): string {
  const names: Record<string, string> = { '\r': 'CR', '\n': 'LF', '\t': 'TAB', '\v': 'VT', '\f': 'FF', ' ': 'SPACE' };
  return [...text].map((c) => names[c] ?? (UNSAFE.test(c) ? `U+${c.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}` : c)).join(' ');
}

/**
 * Characters never quoted from an untrusted file: C0/C1 controls, and the invisible format
 * characters (zero-width, bidirectional overrides and isolates, BOM) that could reorder or
 * hide the rest of a message.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
const UNSAFE_RUNS = new RegExp(`${UNSAFE.source}+`, 'g');

/** The first ~80 characters on one line, unsafe characters replaced by spaces. */
function preview(text: string): string {
  const line = text.replace(UNSAFE_RUNS, ' ').replace(/ {2,}/g, ' ').trim();
  const chars = [...line];
  return chars.length > PREVIEW_CHARS ? `${chars.slice(0, PREVIEW_CHARS).join('')}…` : line;
}

function lfsDetails(head: Uint8Array): string {
  const text = latin1(head);
  const oid = /\noid sha256:([0-9a-f]{64})\b/.exec(text)?.[1];
  const size = /\nsize (\d{1,20})\b/.exec(text)?.[1];
  const parts = [oid && `oid sha256:${oid}`, size && `size ${size} bytes`].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** One character per byte (the sniffed head is at most SNIFF_BYTES long). */
function latin1(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes.subarray(0, SNIFF_BYTES));
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => `0x${b.toString(16).padStart(2, '0')}`).join(' ');
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
