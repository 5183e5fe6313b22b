import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeFloat32 } from '../../src/core/safetensors/encode';
import type { DType } from '../../src/core/safetensors/types';

/** One tensor of a sparse file: small ones carry their bytes, a large one is left as a hole. */
export interface SparseTensor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** The tensor's bytes; absent for a tensor whose data is a hole (reads as zeros). */
  readonly data?: Uint8Array;
}

/** A byte written at `offset` from the start of tensor `tensor`'s data. */
export interface Poke {
  readonly tensor: string;
  readonly offset: number;
  readonly value: number;
}

/** 2^31: the first byte count a single Node `read` call refuses. */
export const TWO_GIB = 2 ** 31;

/** Bytes per element of the dtypes the sparse fixtures use. */
const WIDTH: Partial<Record<DType, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2, U8: 1 };

/**
 * Writes a valid safetensors file whose large tensors are holes: the header and small tensors
 * are written, and the file is extended to its full length with `truncate`, so a tensor of
 * gigabytes takes no disk space and no memory to make. `pokes` are single bytes written into
 * tensors afterwards (to check reads across a boundary). Returns each tensor's absolute start
 * offset by name.
 */
export async function writeSparseSafetensors(path: string, tensors: readonly SparseTensor[], pokes: readonly Poke[] = []): Promise<Map<string, number>> {
  const entries: string[] = [];
  const starts: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    const width = WIDTH[t.dtype];
    if (width === undefined) throw new Error(`sparse fixtures take F64, F32, F16, BF16 or U8, not ${t.dtype}`);
    const size = t.shape.reduce((a, b) => a * b, width);
    if (t.data && t.data.length !== size) throw new Error(`${t.name}: ${t.data.length} bytes for ${size}`);
    entries.push(`${JSON.stringify(t.name)}:${JSON.stringify({ dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] })}`);
    starts.push(offset);
    offset += size;
  }
  const json = new TextEncoder().encode(`{${entries.join(',')}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  const byName = new Map<string, number>();
  const handle = await open(path, 'w');
  try {
    await handle.write(head, 0, head.length, 0);
    for (const [i, t] of tensors.entries()) {
      byName.set(t.name, head.length + starts[i]);
      if (t.data) await handle.write(t.data, 0, t.data.length, head.length + starts[i]);
    }
    await handle.truncate(head.length + offset);
    for (const p of pokes) await handle.write(Uint8Array.of(p.value), 0, 1, (byName.get(p.tensor) ?? 0) + p.offset);
  } finally {
    await handle.close();
  }
  return byName;
}

/** The name of the large `modules_to_save` weight {@link writeSparsePeftAdapter} writes. */
export const SPARSE_EXTRA = 'base_model.model.lm_head.weight';

/**
 * A small PEFT LoRA (one q_proj module, r = 2, 4×4) beside an F32 `modules_to_save` weight of
 * `extraElements` elements stored as a hole, with its `adapter_config.json`: the shape of an
 * adapter that saves a large embedding or head next to its factors. `pokes` are bytes written
 * into that weight, at offsets from its start. Returns the weights file's path and the
 * weight's absolute start offset.
 */
export async function writeSparsePeftAdapter(
  dir: string,
  extraElements: number,
  pokes: readonly { readonly offset: number; readonly value: number }[] = [],
): Promise<{ path: string; extraStart: number }> {
  const prefix = 'base_model.model.model.layers.0.self_attn.q_proj';
  const A = encodeFloat32([1, 0, 0, 0, 0, 1, 0, 0]);
  const B = encodeFloat32([1, 0, 0, 1, 0.5, 0, 0, 0.25]);
  const path = join(dir, 'adapter_model.safetensors');
  const tensors: SparseTensor[] = [
    { name: `${prefix}.lora_A.weight`, dtype: 'F32', shape: [2, 4], data: A },
    { name: `${prefix}.lora_B.weight`, dtype: 'F32', shape: [4, 2], data: B },
    { name: SPARSE_EXTRA, dtype: 'F32', shape: [1, extraElements] },
  ];
  const starts = await writeSparseSafetensors(
    path,
    tensors,
    pokes.map((p) => ({ ...p, tensor: SPARSE_EXTRA })),
  );
  const extraStart = starts.get(SPARSE_EXTRA) ?? 0;
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r: 2, lora_alpha: 2, target_modules: ['q_proj'], modules_to_save: ['lm_head'] }));
  return { path, extraStart };
}
