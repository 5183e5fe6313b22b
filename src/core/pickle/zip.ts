import type { FileHandle } from 'node:fs/promises';
import { PickleError } from './errors';
import { readAt } from './fileRead';

/** One stored member of a zip archive, located and checked against its local header. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored; anything else is compressed and cannot be read in place. */
  readonly method: number;
  readonly encrypted: boolean;
  readonly size: number;
  readonly compressedSize: number;
  readonly localOffset: number;
  /** Absolute position of the member's first data byte. */
  readonly dataStart: number;
}

/**
 * Bounds on a checkpoint's directory. torch.save writes one member per storage plus a handful
 * of small ones, so a million members and 256 MiB of directory are far past any real file.
 */
const MAX_ENTRIES = 1 << 20;
const MAX_DIRECTORY_BYTES = 256 * 1024 * 1024;
const EOCD_BYTES = 22;
const MAX_COMMENT = 0xffff;
const LOCATOR_BYTES = 20;
const ZIP64_EOCD_BYTES = 56;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads and validates a zip archive's central directory (APPNOTE.TXT 4.3.12–4.3.16, with the
 * ZIP64 end records and extra field of 4.3.14–4.3.15 and 4.5.3): the end record found where its
 * comment length says, entry count and directory size bounded, every member's local header
 * read and matched to its directory entry (signature, name, method), every member's data inside
 * the file before the directory, and no two members overlapping. Only the directory and the
 * 30-byte local headers are read.
 */
export async function readZipDirectory(handle: FileHandle, fileSize: number, file: string): Promise<Map<string, ZipEntry>> {
  const bad = (message: string): PickleError => new PickleError('BAD_ZIP', message, file);
  const tailLength = Math.min(fileSize, EOCD_BYTES + MAX_COMMENT);
  const tail = await readAt(handle, fileSize - tailLength, tailLength, file);
  const tv = view(tail);
  let eocd = -1;
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    if (tv.getUint32(i, true) === 0x06054b50 && i + EOCD_BYTES + tv.getUint16(i + 20, true) === tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('no zip end-of-central-directory record at the end of the file (truncated?)');
  const eocdAt = fileSize - tailLength + eocd;
  if (tv.getUint16(eocd + 4, true) !== 0 || tv.getUint16(eocd + 6, true) !== 0) throw bad('a multi-part zip archive');
  let count = tv.getUint16(eocd + 10, true);
  let dirSize = tv.getUint32(eocd + 12, true);
  let dirOffset = tv.getUint32(eocd + 16, true);
  let dirLimit = eocdAt;
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    if (eocdAt < LOCATOR_BYTES) throw bad('a ZIP64 archive without its end-of-central-directory locator');
    const locator = view(await readAt(handle, eocdAt - LOCATOR_BYTES, LOCATOR_BYTES, file));
    if (locator.getUint32(0, true) !== 0x07064b50) throw bad('a ZIP64 archive without its end-of-central-directory locator');
    const at = safe(locator.getBigUint64(8, true), 'the ZIP64 end record offset', file);
    if (at > eocdAt - LOCATOR_BYTES - ZIP64_EOCD_BYTES) throw bad(`the ZIP64 end record offset ${at} is outside the file`);
    const z = view(await readAt(handle, at, ZIP64_EOCD_BYTES, file));
    if (z.getUint32(0, true) !== 0x06064b50) throw bad(`no ZIP64 end record at byte ${at}`);
    count = safe(z.getBigUint64(32, true), 'the entry count', file);
    dirSize = safe(z.getBigUint64(40, true), 'the directory size', file);
    dirOffset = safe(z.getBigUint64(48, true), 'the directory offset', file);
    dirLimit = at;
  }
  if (count > MAX_ENTRIES) throw new PickleError('LIMIT_EXCEEDED', `the archive lists ${count} members (at most ${MAX_ENTRIES})`, file);
  if (dirSize > MAX_DIRECTORY_BYTES) throw new PickleError('LIMIT_EXCEEDED', `the archive's directory is ${dirSize} bytes (at most ${MAX_DIRECTORY_BYTES})`, file);
  if (dirOffset + dirSize > dirLimit) throw bad(`the central directory (${dirSize} bytes at ${dirOffset}) runs past its end record at ${dirLimit}`);
  const dir = await readAt(handle, dirOffset, dirSize, file);
  const entries = parseDirectory(dir, count, dirOffset, bad);
  await checkLocalHeaders(handle, entries, dirOffset, file, bad);
  return new Map(entries.map((e) => [e.name, e]));
}

function parseDirectory(dir: Uint8Array, count: number, dirOffset: number, bad: (m: string) => PickleError): ZipEntry[] {
  const dv = view(dir);
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + CENTRAL_BYTES > dir.length || dv.getUint32(p, true) !== 0x02014b50) throw bad(`directory entry ${i} at byte ${dirOffset + p} is damaged`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLength = dv.getUint16(p + 28, true);
    const extraLength = dv.getUint16(p + 30, true);
    const commentLength = dv.getUint16(p + 32, true);
    let localOffset = dv.getUint32(p + 42, true);
    const end = p + CENTRAL_BYTES + nameLength + extraLength + commentLength;
    if (end > dir.length) throw bad(`directory entry ${i} runs past the directory`);
    let name: string;
    try {
      name = utf8.decode(dir.subarray(p + CENTRAL_BYTES, p + CENTRAL_BYTES + nameLength));
    } catch {
      throw bad(`directory entry ${i} has a name that is not UTF-8`);
    }
    if (names.has(name)) throw bad(`the archive holds ${JSON.stringify(name)} twice`);
    names.add(name);
    // ZIP64 extended information (APPNOTE 4.5.3): the 64-bit values, in order, of the fields saturated above.
    for (let x = p + CENTRAL_BYTES + nameLength; x + 4 <= p + CENTRAL_BYTES + nameLength + extraLength;) {
      const id = dv.getUint16(x, true);
      const length = dv.getUint16(x + 2, true);
      const fieldEnd = x + 4 + length;
      if (fieldEnd > p + CENTRAL_BYTES + nameLength + extraLength) throw bad(`the extra field of ${JSON.stringify(name)} is damaged`);
      if (id === 0x0001) {
        let q = x + 4;
        const next = (): number => {
          if (q + 8 > fieldEnd) throw bad(`the ZIP64 field of ${JSON.stringify(name)} is too short`);
          const value = dv.getBigUint64(q, true);
          q += 8;
          if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`a ZIP64 size of ${JSON.stringify(name)} is too large`);
          return Number(value);
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      x = fieldEnd;
    }
    entries.push({ name, method, encrypted: (flags & 1) !== 0, size, compressedSize, localOffset, dataStart: -1 });
    p = end;
  }
  if (p !== dir.length) throw bad(`the central directory holds ${dir.length - p} bytes after its ${count} entries`);
  return entries;
}

async function checkLocalHeaders(handle: FileHandle, entries: ZipEntry[], dirOffset: number, file: string, bad: (m: string) => PickleError): Promise<void> {
  const encoder = new TextEncoder();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.localOffset + LOCAL_BYTES > dirOffset) throw bad(`the local header of ${JSON.stringify(e.name)} at ${e.localOffset} is outside the archive's data`);
    const local = view(await readAt(handle, e.localOffset, LOCAL_BYTES, file));
    const nameLength = local.getUint16(26, true);
    const extraLength = local.getUint16(28, true);
    if (local.getUint32(0, true) !== 0x04034b50 || local.getUint16(8, true) !== e.method)
      throw bad(`the local header of ${JSON.stringify(e.name)} does not match its directory entry`);
    const dataStart = e.localOffset + LOCAL_BYTES + nameLength + extraLength;
    const stored = await readAt(handle, e.localOffset + LOCAL_BYTES, Math.min(nameLength, dirOffset - e.localOffset - LOCAL_BYTES), file);
    const expected = encoder.encode(e.name);
    if (stored.length !== expected.length || stored.some((b, k) => b !== expected[k])) throw bad(`the local header of ${JSON.stringify(e.name)} names another member`);
    if (dataStart + e.compressedSize > dirOffset) throw bad(`the data of ${JSON.stringify(e.name)} (${e.compressedSize} bytes at ${dataStart}) runs into the central directory`);
    if (e.method === 0 && e.compressedSize !== e.size) throw bad(`the stored member ${JSON.stringify(e.name)} gives two sizes (${e.compressedSize} and ${e.size})`);
    entries[i] = { ...e, dataStart };
  }
  const sorted = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (prev.dataStart + prev.compressedSize > sorted[i].localOffset) throw bad(`members ${JSON.stringify(prev.name)} and ${JSON.stringify(sorted[i].name)} overlap`);
  }
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function safe(value: bigint, what: string, file: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError('BAD_ZIP', `${what} (${value}) is too large`, file);
  return Number(value);
}
