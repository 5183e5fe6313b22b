import { encodeBFloat16, encodeFloat16, encodeFloat32, encodeFloat64 } from '../../src/core/safetensors/encode';
import { le, PickleWriter } from './pickleWriter';

/**
 * Test-only imitations of torch.save (torch/serialization.py `_save` for the zip format and
 * `_legacy_save` for the pre-1.6 one), byte for byte in the parts a reader depends on: the
 * protocol-2 pickle of a state dict with _rebuild_tensor_v2 and storage persistent ids, the zip
 * members in PyTorchStreamWriter's order (caffe2/serialize/inline_container.cc) with data
 * aligned to 64 bytes by an "FB" extra field of 'Z's, data descriptors, ZIP64 end records, and
 * the legacy layout of magic number, protocol, sys info, pickle, key list and raw storages.
 */

export type SavedDType = 'F32' | 'F16' | 'BF16' | 'F64';

export interface SavedStorage {
  readonly key: string;
  readonly dtype: SavedDType;
  readonly values: ArrayLike<number>;
}

export interface SavedTensor {
  readonly name: string;
  readonly storage: string;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

const STORAGE_CLASS: Record<SavedDType, string> = { F32: 'FloatStorage', F16: 'HalfStorage', BF16: 'BFloat16Storage', F64: 'DoubleStorage' };
const ENCODE: Record<SavedDType, (v: ArrayLike<number>) => Uint8Array> = { F32: encodeFloat32, F16: encodeFloat16, BF16: encodeBFloat16, F64: encodeFloat64 };

/** Row-major strides of a shape, as torch gives a contiguous tensor. */
export function contiguousStride(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    stride[d] = s;
    s *= shape[d];
  }
  return stride;
}

/** The state-dict pickle torch.save writes (`legacy` adds the sixth, view-metadata, field to each persistent id). */
export function statePickle(tensors: readonly SavedTensor[], storages: readonly SavedStorage[], options: { legacy?: boolean; orderedDict?: boolean } = {}): Uint8Array {
  const byKey = new Map(storages.map((s) => [s.key, s]));
  const w = new PickleWriter().proto(2);
  if (options.orderedDict) w.global('collections', 'OrderedDict').tuple(0).reduce();
  else w.emptyDict();
  w.mark();
  for (const t of tensors) {
    const s = byKey.get(t.storage);
    if (!s) throw new Error(`no storage ${t.storage}`);
    w.str(t.name).global('torch._utils', '_rebuild_tensor_v2').mark();
    w.mark().str('storage').global('torch', STORAGE_CLASS[s.dtype]).str(s.key).str('cpu').int(s.values.length);
    if (options.legacy) w.none();
    w.tuple(options.legacy ? 6 : 5).persid();
    w.int(t.offset).ints(t.shape).ints(t.stride).bool(false);
    w.global('collections', 'OrderedDict').tuple(0).reduce();
    w.tuple(6).reduce();
  }
  w.setItems();
  if (options.orderedDict) {
    // module.state_dict()'s `_metadata` attribute, handed to BUILD as the OrderedDict's __dict__.
    w.emptyDict().str('_metadata').global('collections', 'OrderedDict').tuple(0).reduce();
    w.str('').emptyDict().str('version').int(1).raw(0x73).raw(0x73).raw(0x73).build();
  }
  return w.stop().bytes();
}

export interface Member {
  readonly name: string;
  readonly data: Uint8Array;
  /** The compression method recorded (0, stored, unless a test says otherwise). */
  readonly method?: number;
}

/** A torch.save zip checkpoint of these storages (`archive` is the member prefix: "archive", or the file stem in torch < 2.1). */
export function torchSaveZip(
  tensors: readonly SavedTensor[],
  storages: readonly SavedStorage[],
  options: { archive?: string; orderedDict?: boolean; zip64?: boolean } = {},
): Uint8Array {
  const prefix = `${options.archive ?? 'archive'}/`;
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  const members: Member[] = [
    { name: `${prefix}data.pkl`, data: statePickle(tensors, storages, { orderedDict: options.orderedDict }) },
    { name: `${prefix}byteorder`, data: text('little') },
    ...storages.map((s) => ({ name: `${prefix}data/${s.key}`, data: ENCODE[s.dtype](s.values) })),
    { name: `${prefix}version`, data: text('3\n') },
    { name: `${prefix}.data/serialization_id`, data: text('1234567890123456789012345678901234567890') },
  ];
  return zipStored(members, options.zip64);
}

/**
 * Members stored (method 0) as PyTorchStreamWriter lays them out. With `zip64` the classic end
 * record's counts and offsets are saturated (0xFFFF, 0xFFFFFFFF), as a writer does past their
 * range, so a reader must take them from the ZIP64 end record.
 */
export function zipStored(members: readonly Member[], zip64 = false): Uint8Array {
  const out: number[] = [];
  const central: number[] = [];
  const push = (target: number[], bytes: ArrayLike<number>): void => {
    for (let i = 0; i < bytes.length; i++) target.push(bytes[i]);
  };
  for (const m of members) {
    const name = new TextEncoder().encode(m.name);
    const offset = out.length;
    const start = offset + 30 + name.length + 4;
    const padding = (64 - (start % 64)) % 64;
    const crc = crc32(m.data);
    const method = m.method ?? 0;
    push(out, [0x50, 0x4b, 0x03, 0x04, 0, 0, 0x08, 0x08, method, 0, 0, 0, 0, 0, ...le(0, 12), ...le(name.length, 2), ...le(padding + 4, 2)]);
    push(out, name);
    push(out, [0x46, 0x42, ...le(padding, 2), ...new Array<number>(padding).fill(0x5a)]);
    push(out, m.data);
    push(out, [0x50, 0x4b, 0x07, 0x08, ...le(crc, 4), ...le(m.data.length, 4), ...le(m.data.length, 4)]);
    push(central, [0x50, 0x4b, 0x01, 0x02, 0, 0, 0, 0, 0x08, 0x08, method, 0, 0, 0, 0, 0, ...le(crc, 4), ...le(m.data.length, 4), ...le(m.data.length, 4)]);
    push(central, [...le(name.length, 2), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...le(offset, 4)]);
    push(central, name);
  }
  const dirOffset = out.length;
  push(out, central);
  const zip64At = out.length;
  const n = members.length;
  push(out, [0x50, 0x4b, 0x06, 0x06, ...le(44, 8), 0x1e, 0x03, 0x2d, 0, ...le(0, 8), ...le(n, 8), ...le(n, 8), ...le(central.length, 8), ...le(dirOffset, 8)]);
  push(out, [0x50, 0x4b, 0x06, 0x07, 0, 0, 0, 0, ...le(zip64At, 8), 1, 0, 0, 0]);
  const [count, size, at] = zip64 ? [0xffff, 0xffffffff, 0xffffffff] : [n, central.length, dirOffset];
  push(out, [0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, ...le(count, 2), ...le(count, 2), ...le(size, 4), ...le(at, 4), 0, 0]);
  return Uint8Array.from(out);
}

/** A legacy (pre-1.6) torch.save checkpoint of these storages. */
export function torchSaveLegacy(tensors: readonly SavedTensor[], storages: readonly SavedStorage[]): Uint8Array {
  const parts: Uint8Array[] = [
    new PickleWriter().proto(2).long(0x1950a86a20f9469cfc6cn).stop().bytes(),
    new PickleWriter().proto(2).int(1001).stop().bytes(),
    sysInfo(),
    statePickle(tensors, storages, { legacy: true }),
  ];
  const keys = new PickleWriter().proto(2).raw(0x5d).put().mark();
  for (const s of storages) keys.str(s.key);
  parts.push(keys.raw(0x65).stop().bytes());
  for (const s of storages) {
    parts.push(Uint8Array.from(le(s.values.length, 8)));
    parts.push(ENCODE[s.dtype](s.values));
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** {'protocol_version': 1001, 'little_endian': True, 'type_sizes': {'short': 2, 'int': 4, 'long': 4}}. */
function sysInfo(): Uint8Array {
  const w = new PickleWriter().proto(2).emptyDict().mark();
  w.str('protocol_version').int(1001).str('little_endian').bool(true).str('type_sizes').emptyDict().mark();
  w.str('short').int(2).str('int').int(4).str('long').int(4).setItems();
  return w.setItems().stop().bytes();
}

let table: Uint32Array | undefined;

/** CRC-32 (IEEE) as zip records it. */
export function crc32(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = table[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
