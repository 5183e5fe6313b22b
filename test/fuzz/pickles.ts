import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LORA_CONFIG } from './adapter';
import { storedZip } from './zip';
import type { FuzzCase } from './types';

/**
 * Files in PyTorch's containers (a bare pickle, the zip of `torch.save` since 1.6 with
 * `archive/data.pkl`, the legacy format that starts with a pickled magic number, per
 * `torch/serialization.py`) and GGUF, holding pickles whose `__reduce__` calls `os.system`,
 * `builtins.eval` or `posix.system` to create a file. The product must refuse them or read them
 * without running anything: the file must never appear.
 */

const SENTINEL = 'pwned';
const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Protocol 0: GLOBAL module name, MARK, STRING arg, TUPLE, REDUCE, STOP (what `pickle.dumps` of a `__reduce__` returning (callable, (arg,)) writes). */
const reduce0 = (module: string, name: string, arg: string) => latin1(`c${module}\n${name}\n(S'${arg}'\ntR.`);

/** Protocol 2 header, then the same calls with BINUNICODE and TUPLE1 (pickle.dumps(..., protocol=2)). */
function reduce2(module: string, name: string, arg: string): Uint8Array {
  const text = new TextEncoder().encode(arg);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, text.length, true);
  return concat(Uint8Array.of(0x80, 0x02), latin1(`c${module}\n${name}\nq\x00`), Uint8Array.of(0x58), len, text, latin1('q\x01\x85q\x02Rq\x03.'));
}

/** The legacy `torch.save` format: a pickled magic number 0x1950a86a20f9469cfc6c (LONG1, 10 bytes), protocol 1000, sys info, then the payload pickle. */
function legacyTorch(payload: Uint8Array): Uint8Array {
  const magic = Uint8Array.of(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e);
  const protocol = Uint8Array.of(0x80, 0x02, 0x4d, 0xe8, 0x03, 0x2e);
  const sysInfo = latin1('\x80\x02}q\x00.');
  return concat(magic, protocol, sysInfo, payload);
}

interface PickleCase {
  readonly name: string;
  readonly file: string;
  bytes(dir: string): Uint8Array;
  /** Whether the adapter folder is passed (with a config), rather than the file. */
  readonly folder?: boolean;
}

const touch = (dir: string) => `touch ${join(dir, SENTINEL)}`;

const CASES: readonly PickleCase[] = [
  { name: 'adapter_model.bin: protocol-0 pickle calling os.system', file: 'adapter_model.bin', folder: true, bytes: (d) => reduce0('os', 'system', touch(d)) },
  { name: 'adapter_model.bin: protocol-2 pickle calling posix.system', file: 'adapter_model.bin', folder: true, bytes: (d) => reduce2('posix', 'system', touch(d)) },
  { name: 'adapter_model.bin: pickle calling builtins.eval', file: 'adapter_model.bin', bytes: (d) => reduce0('builtins', 'eval', `__import__("os").system("${touch(d)}")`) },
  { name: 'adapter_model.bin: torch zip whose data.pkl calls os.system', file: 'adapter_model.bin', folder: true, bytes: (d) => torchZip(reduce2('os', 'system', touch(d))) },
  { name: 'model.pt: legacy torch format calling os.system', file: 'model.pt', bytes: (d) => legacyTorch(reduce2('os', 'system', touch(d))) },
  { name: 'x.safetensors holding a pickle calling os.system', file: 'x.safetensors', bytes: (d) => reduce2('os', 'system', touch(d)) },
  { name: 'x.safetensors holding a torch zip', file: 'x.safetensors', bytes: (d) => torchZip(reduce0('os', 'system', touch(d))) },
  { name: 'adapter_model.safetensors holding a legacy torch file', file: 'adapter_model.safetensors', folder: true, bytes: (d) => legacyTorch(reduce0('os', 'system', touch(d))) },
  { name: 'pickle nested 1M MARKs deep', file: 'adapter_model.bin', bytes: () => concat(Uint8Array.of(0x80, 0x02), new Uint8Array(1_000_000).fill(0x28), latin1('.')) },
  { name: 'pickle of 1M nested empty lists', file: 'adapter_model.bin', bytes: () => concat(Uint8Array.of(0x80, 0x02), new Uint8Array(1_000_000).fill(0x5d), latin1('.')) },
  { name: 'pickle with a LONG_BINGET of memo 2^32-1', file: 'adapter_model.bin', bytes: () => Uint8Array.of(0x80, 0x02, 0x6a, 0xff, 0xff, 0xff, 0xff, 0x2e) },
  { name: 'pickle with a BINUNICODE of 4 GiB', file: 'adapter_model.bin', bytes: () => Uint8Array.of(0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0xff, 0x41, 0x2e) },
  { name: 'truncated pickle', file: 'adapter_model.bin', bytes: () => Uint8Array.of(0x80, 0x04, 0x95, 0x10) },
  { name: 'torch zip whose central directory claims 65535 entries', file: 'adapter_model.bin', bytes: () => brokenZipDirectory() },
  { name: 'GGUF claiming 2^63 tensors', file: 'adapter.gguf', bytes: () => gguf(2n ** 63n, 0n) },
  { name: 'GGUF claiming 2^40 metadata keys', file: 'adapter.gguf', bytes: () => gguf(1n, 2n ** 40n) },
];

/** `torch.save`'s zip layout: `archive/data.pkl`, `archive/version`, `archive/data/0`, stored. */
function torchZip(pickle: Uint8Array): Uint8Array {
  return storedZip([
    ['archive/data.pkl', pickle],
    ['archive/version', latin1('3\n')],
    ['archive/data/0', new Uint8Array(16)],
  ]);
}

/** A valid stored zip whose end-of-central-directory record claims 65535 entries. */
function brokenZipDirectory(): Uint8Array {
  const zip = storedZip([['archive/data.pkl', latin1('\x80\x02}.')]]);
  const view = new DataView(zip.buffer);
  view.setUint16(zip.length - 22 + 8, 0xffff, true);
  view.setUint16(zip.length - 22 + 10, 0xffff, true);
  return zip;
}

/** A GGUF v3 header (ggml `gguf.c`: magic "GGUF", u32 version, u64 tensor count, u64 metadata key count). */
function gguf(tensors: bigint, keys: bigint): Uint8Array {
  const out = new Uint8Array(24 + 64);
  const view = new DataView(out.buffer);
  out.set(latin1('GGUF'));
  view.setUint32(4, 3, true);
  view.setBigUint64(8, tensors, true);
  view.setBigUint64(16, keys, true);
  return out;
}

export const PICKLE_CASES: readonly FuzzCase[] = CASES.map((c) => ({
  category: 'pickles',
  name: c.name,
  async prepare(dir) {
    const file = join(dir, c.file);
    await writeFile(file, c.bytes(dir));
    if (c.folder) await writeFile(join(dir, 'adapter_config.json'), JSON.stringify(LORA_CONFIG));
    return {
      args: ['inspect', c.folder ? dir : file, '--json'],
      json: true,
      expect: 'either',
      check: () => (existsSync(join(dir, SENTINEL)) ? 'the pickle ran: its command created a file' : undefined),
    };
  },
}));
