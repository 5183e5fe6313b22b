import { mkdir, open, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFloat16 } from '../src/core/safetensors/encode';
import { writeSafetensorsAtomic } from '../src/core/safetensors/writer';
import { ByteSink, GGML_TYPE_IDS, loraKv } from '../test/helpers/ggufWriter';
import { le } from '../test/helpers/pickleWriter';
import { contiguousStride, statePickle } from '../test/helpers/torchSave';
import { moduleShapes, type ModelShape } from './generate';

/**
 * One PEFT LoRA adapter written as a safetensors file, a torch.save zip checkpoint and a
 * llama.cpp GGUF adapter (F32, and Q8_0), every file streamed in 4 MB chunks so gigabytes never
 * sit in memory. The values are the same in every container: one xorshift sequence, restarted
 * for each file, F32 of modest magnitude.
 */

export interface AdapterTensor {
  readonly name: string;
  /** The GGUF name convert_lora_to_gguf.py gives it (`blk.N.attn_q.weight.lora_a`). */
  readonly ggufName: string;
  readonly shape: readonly [number, number];
}

export type ContainerName = 'safetensors' | 'pytorch-zip' | 'gguf-f32' | 'gguf-q8_0';

/** PEFT module suffix → llama.cpp tensor name (gguf-py/gguf/tensor_mapping.py, MODEL_ARCH.LLAMA). */
const GGUF_MODULE: Readonly<Record<string, string>> = {
  'self_attn.q_proj': 'attn_q',
  'self_attn.k_proj': 'attn_k',
  'self_attn.v_proj': 'attn_v',
  'self_attn.o_proj': 'attn_output',
  'mlp.gate_proj': 'ffn_gate',
  'mlp.up_proj': 'ffn_up',
  'mlp.down_proj': 'ffn_down',
};

export function adapterTensors(s: ModelShape): AdapterTensor[] {
  return moduleShapes(s).flatMap((m) => {
    const match = /layers\.(\d+)\.(.+)$/.exec(m.name) as RegExpExecArray;
    const gguf = `blk.${match[1]}.${GGUF_MODULE[match[2]]}.weight`;
    return [
      { name: `${m.name}.lora_A.weight`, ggufName: `${gguf}.lora_a`, shape: [s.rank, m.in] as const },
      { name: `${m.name}.lora_B.weight`, ggufName: `${gguf}.lora_b`, shape: [m.out, s.rank] as const },
    ];
  });
}

const CHUNK = 1 << 20;

/** The adapter's values in order, F32, chunk by chunk (views of one reused buffer). */
async function eachChunk(t: AdapterTensor, state: { x: number }, consume: (values: Float32Array) => Promise<void>): Promise<void> {
  const buffer = new Float32Array(CHUNK);
  let remaining = t.shape[0] * t.shape[1];
  while (remaining > 0) {
    const n = Math.min(remaining, CHUNK);
    let x = state.x;
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      buffer[i] = (x | 0) / 2 ** 36;
    }
    state.x = x;
    await consume(buffer.subarray(0, n));
    remaining -= n;
  }
}

const SEED = 0x2545f491;
const bytesOf = (v: Float32Array): Uint8Array => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** Writes through a temporary file renamed into place, so a run cut short leaves no half file to reuse. */
async function streamTo(file: string, write: (put: (bytes: Uint8Array) => Promise<void>) => Promise<void>): Promise<void> {
  const partial = `${file}.partial`;
  const handle = await open(partial, 'w');
  try {
    await write(async (bytes) => {
      let done = 0;
      while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
    });
  } finally {
    await handle.close();
  }
  await rename(partial, file);
}

async function writeSafetensors(file: string, tensors: readonly AdapterTensor[]): Promise<void> {
  const state = { x: SEED };
  const specs = tensors.map((t) => ({ name: t.name, dtype: 'F32' as const, shape: [...t.shape] }));
  await writeSafetensorsAtomic(file, specs, { format: 'pt' }, (i, write) => eachChunk(tensors[i], state, (v) => write(bytesOf(v))), { overwrite: true });
}

let crcTable: Uint32Array | undefined;

/** Running CRC-32 (IEEE) of zip, fed chunk by chunk (start with 0). */
function crc32Update(crc: number, bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * torch.save's zip layout as test/helpers/torchSave.ts `zipStored` writes it (PyTorchStreamWriter:
 * data.pkl, byteorder, data/N, version, .data/serialization_id; each member's data 64-byte aligned
 * by an "FB" extra field, then a data descriptor; ZIP64 end records), streamed member by member.
 */
async function writeTorchZip(file: string, tensors: readonly AdapterTensor[]): Promise<void> {
  const storages = tensors.map((t, i) => ({ key: String(i), dtype: 'F32' as const, values: { length: t.shape[0] * t.shape[1] } }));
  const saved = tensors.map((t, i) => ({ name: t.name, storage: String(i), offset: 0, shape: [...t.shape], stride: contiguousStride(t.shape) }));
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  type Body = Uint8Array | ((put: (b: Uint8Array) => Promise<void>) => Promise<void>);
  const state = { x: SEED };
  const members: { name: string; body: Body }[] = [
    { name: 'archive/data.pkl', body: statePickle(saved, storages) },
    { name: 'archive/byteorder', body: text('little') },
    ...tensors.map((t, i) => ({ name: `archive/data/${i}`, body: ((put) => eachChunk(t, state, (v) => put(bytesOf(v)))) as Body })),
    { name: 'archive/version', body: text('3\n') },
    { name: 'archive/.data/serialization_id', body: text('1234567890123456789012345678901234567890') },
  ];
  await streamTo(file, async (write) => {
    let at = 0;
    const put = async (bytes: ArrayLike<number>): Promise<void> => {
      const b = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
      await write(b);
      at += b.length;
    };
    const central: number[] = [];
    for (const m of members) {
      const name = text(m.name);
      const offset = at;
      const padding = (64 - ((offset + 30 + name.length + 4) % 64)) % 64;
      await put([0x50, 0x4b, 0x03, 0x04, 0, 0, 0x08, 0x08, 0, 0, 0, 0, 0, 0, ...le(0, 12), ...le(name.length, 2), ...le(padding + 4, 2)]);
      await put(name);
      await put([0x46, 0x42, ...le(padding, 2), ...new Array<number>(padding).fill(0x5a)]);
      let crc = 0;
      let size = 0;
      const data = async (b: Uint8Array): Promise<void> => {
        crc = crc32Update(crc, b);
        size += b.length;
        await put(b);
      };
      if (m.body instanceof Uint8Array) await data(m.body);
      else await m.body(data);
      await put([0x50, 0x4b, 0x07, 0x08, ...le(crc, 4), ...le(size, 4), ...le(size, 4)]);
      central.push(0x50, 0x4b, 0x01, 0x02, 0, 0, 0, 0, 0x08, 0x08, 0, 0, 0, 0, 0, 0, ...le(crc, 4), ...le(size, 4), ...le(size, 4));
      central.push(...le(name.length, 2), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...le(offset, 4), ...name);
    }
    const dirOffset = at;
    await put(central);
    const zip64At = at;
    const n = members.length;
    await put([0x50, 0x4b, 0x06, 0x06, ...le(44, 8), 0x1e, 0x03, 0x2d, 0, ...le(0, 8), ...le(n, 8), ...le(n, 8), ...le(central.length, 8), ...le(dirOffset, 8)]);
    await put([0x50, 0x4b, 0x06, 0x07, 0, 0, 0, 0, ...le(zip64At, 8), 1, 0, 0, 0]);
    await put([0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, ...le(n, 2), ...le(n, 2), ...le(central.length, 4), ...le(dirOffset, 4), 0, 0]);
  });
}

/**
 * Q8_0 blocks of 32 values as gguf-py's quants.py quantizes them: d = max|x| / 127 (float32),
 * q = round-half-away(x / d), d stored as float16 before the 32 int8s.
 */
function quantizeQ8(values: Float32Array, out: Uint8Array): Uint8Array {
  const blocks = values.length / 32;
  const scales = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let max = 0;
    for (let j = 0; j < 32; j++) max = Math.max(max, Math.abs(values[b * 32 + j]));
    scales[b] = max / 127;
  }
  const halves = encodeFloat16(scales);
  const target = out.subarray(0, blocks * 34);
  for (let b = 0; b < blocks; b++) {
    const at = b * 34;
    target[at] = halves[2 * b];
    target[at + 1] = halves[2 * b + 1];
    const id = scales[b] === 0 ? 0 : Math.fround(1 / scales[b]);
    for (let j = 0; j < 32; j++) {
      const x = Math.fround(values[b * 32 + j] * id);
      target[at + 2 + j] = (Math.sign(x) * Math.floor(Math.abs(x) + 0.5)) & 0xff;
    }
  }
  return target;
}

/** A llama.cpp LoRA adapter in gguf-py GGUFWriter's layout (see test/helpers/ggufWriter.ts), streamed. */
async function writeGguf(file: string, tensors: readonly AdapterTensor[], type: 'F32' | 'Q8_0', alpha: number): Promise<void> {
  const sizeOf = (t: AdapterTensor): number => (type === 'F32' ? t.shape[0] * t.shape[1] * 4 : (t.shape[0] * t.shape[1] * 34) / 32);
  const header = new ByteSink();
  const kv = loraKv('llama', alpha);
  header.u32(0x46554747).u32(3).u64(tensors.length).u64(kv.length);
  for (const [key, value] of kv) header.string(key).value(value);
  let offset = 0;
  for (const t of tensors) {
    header.string(t.ggufName).u32(2).u64(t.shape[1]).u64(t.shape[0]).u32(GGML_TYPE_IDS[type]).u64(offset);
    offset += Math.ceil(sizeOf(t) / 32) * 32;
  }
  header.pad(32);
  const state = { x: SEED };
  const blocks = new Uint8Array((CHUNK / 32) * 34);
  await streamTo(file, async (write) => {
    await write(header.concat());
    for (const t of tensors) {
      await eachChunk(t, state, (v) => write(type === 'F32' ? bytesOf(v) : quantizeQ8(v, blocks)));
      const padding = (32 - (sizeOf(t) % 32)) % 32;
      if (padding) await write(new Uint8Array(padding));
    }
  });
}

const FILE_NAMES: Readonly<Record<ContainerName, string>> = {
  safetensors: 'adapter_model.safetensors',
  'pytorch-zip': 'adapter_model.bin',
  'gguf-f32': 'adapter-f32.gguf',
  'gguf-q8_0': 'adapter-q8_0.gguf',
};

/** Each container's file of this adapter, in a folder of its own (with the PEFT config), generated unless present. */
export async function ensureContainers(s: ModelShape): Promise<Record<ContainerName, string>> {
  const tensors = adapterTensors(s);
  const root = join(tmpdir(), 'lora-lens-bench', `containers-${s.name}`);
  const config = JSON.stringify({
    peft_type: 'LORA',
    r: s.rank,
    lora_alpha: 2 * s.rank,
    base_model_name_or_path: s.baseModel,
    target_modules: Object.keys(GGUF_MODULE).map((k) => k.split('.')[1]),
  });
  const writers: Record<ContainerName, (file: string) => Promise<void>> = {
    safetensors: (f) => writeSafetensors(f, tensors),
    'pytorch-zip': (f) => writeTorchZip(f, tensors),
    'gguf-f32': (f) => writeGguf(f, tensors, 'F32', 2 * s.rank),
    'gguf-q8_0': (f) => writeGguf(f, tensors, 'Q8_0', 2 * s.rank),
  };
  const out = {} as Record<ContainerName, string>;
  for (const name of Object.keys(writers) as ContainerName[]) {
    const dir = join(root, name);
    const file = join(dir, FILE_NAMES[name]);
    out[name] = file;
    if (await exists(file)) continue;
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'adapter_config.json'), config);
    await writers[name](file);
  }
  return out;
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
