/**
 * Names what a file that failed safetensors' first checks actually is, from its first bytes.
 * Real downloads go wrong in recognisable ways: a Git LFS pointer committed instead of the
 * weights, an HTML error page, a text placeholder, a PyTorch checkpoint renamed.
 */

/** How many leading bytes `describeForeignFile` looks at. */
export const SNIFF_BYTES = 1024;

/** A description of the file when it is recognisably something else, or null. */
export function describeForeignFile(head: Uint8Array, fileSize: number): string | null {
  if (fileSize === 0) return 'the file is empty (0 bytes)';
  const ascii = (text: string, at = 0) => text.split('').every((ch, i) => head[at + i] === ch.charCodeAt(0));
  if (ascii('version https://git-lfs')) return `a Git LFS pointer, not the weights${lfsDetails(head)}; fetch the real file with \`git lfs pull\``;
  if (ascii('PK\u0003\u0004')) return 'a zip archive: a PyTorch checkpoint saved with torch.save (pickle inside a zip), not safetensors; convert it with safetensors.torch.save_file';
  if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return `a Python pickle (protocol ${head[1]}), e.g. an old PyTorch checkpoint, not safetensors`;
  if (ascii('GGUF')) return 'a GGUF model file (llama.cpp), not safetensors';
  if (ascii('\u0093NUMPY')) return 'a NumPy .npy array file, not safetensors';
  if (ascii('\u0089HDF')) return 'an HDF5 file (e.g. Keras weights), not safetensors';
  const text = asText(head);
  if (text !== null) {
    const trimmed = text.trimStart().toLowerCase();
    if (trimmed.startsWith('<!doctype html') || trimmed.startsWith('<html')) return `an HTML page (likely a download error or login page), ${fileSize} bytes, not the weights`;
    if (fileSize < 8) return `${fileSize} byte${fileSize === 1 ? '' : 's'} of text (${visible(text)}), not a safetensors file`;
    return `a text file of ${fileSize} bytes, not the weights; it begins: "${preview(text)}"`;
  }
  if (fileSize < 8) return `only ${fileSize} byte${fileSize === 1 ? '' : 's'}, too short to hold a safetensors header`;
  return null;
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
  return /[\u0000-\u0008\u000e-\u001f]/.test(text) ? null : text;
}

/** Control characters shown by name (a 2-byte CR LF file reads "CR LF"). */
function visible(text: string): string {
  const names: Record<string, string> = { '\r': 'CR', '\n': 'LF', '\t': 'TAB', ' ': 'SPACE' };
  return [...text].map((c) => names[c] ?? c).join(' ');
}

/** The first ~80 characters on one line, control characters removed. */
function preview(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}

function lfsDetails(head: Uint8Array): string {
  const text = new TextDecoder('utf-8').decode(head);
  const oid = /oid sha256:([0-9a-f]{64})/.exec(text)?.[1];
  const size = /\nsize (\d+)/.exec(text)?.[1];
  const parts = [oid && `oid sha256:${oid.slice(0, 12)}…`, size && `size ${size} bytes`].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
