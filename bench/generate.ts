import { mkdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TensorSpec } from '../src/core/safetensors/writer';
import { byteLength, writeSafetensorsAtomic } from '../src/core/safetensors/writer';

/** Transformer shapes of the models the benchmark adapters mimic. */
export interface ModelShape {
  readonly name: string;
  readonly baseModel: string;
  readonly layers: number;
  readonly hidden: number;
  readonly intermediate: number;
  /** Output features of k_proj / v_proj (grouped-query attention). */
  readonly kv: number;
  readonly rank: number;
}

export const LLAMA3_8B_R16: ModelShape = { name: 'llama3-8b-r16', baseModel: 'meta-llama/Meta-Llama-3-8B', layers: 32, hidden: 4096, intermediate: 14336, kv: 1024, rank: 16 };
export const LLAMA3_70B_R64: ModelShape = { name: 'llama3-70b-r64', baseModel: 'meta-llama/Meta-Llama-3-70B', layers: 80, hidden: 8192, intermediate: 28672, kv: 1024, rank: 64 };

/** q/k/v/o/gate/up/down of every layer as PEFT names them, with [out, in]. */
export function moduleShapes(s: ModelShape): { name: string; out: number; in: number }[] {
  const out: { name: string; out: number; in: number }[] = [];
  for (let l = 0; l < s.layers; l++) {
    const p = `base_model.model.model.layers.${l}`;
    out.push(
      { name: `${p}.self_attn.q_proj`, out: s.hidden, in: s.hidden },
      { name: `${p}.self_attn.k_proj`, out: s.kv, in: s.hidden },
      { name: `${p}.self_attn.v_proj`, out: s.kv, in: s.hidden },
      { name: `${p}.self_attn.o_proj`, out: s.hidden, in: s.hidden },
      { name: `${p}.mlp.gate_proj`, out: s.intermediate, in: s.hidden },
      { name: `${p}.mlp.up_proj`, out: s.intermediate, in: s.hidden },
      { name: `${p}.mlp.down_proj`, out: s.hidden, in: s.intermediate },
    );
  }
  return out;
}

function specs(s: ModelShape): TensorSpec[] {
  return moduleShapes(s).flatMap((m) => [
    { name: `${m.name}.lora_A.weight`, dtype: 'BF16' as const, shape: [s.rank, m.in] },
    { name: `${m.name}.lora_B.weight`, dtype: 'BF16' as const, shape: [m.out, s.rank] },
  ]);
}

/**
 * The adapter's folder, generated on first use under the system temp folder and reused while
 * the file has the expected size. Values are random BF16 of modest magnitude (exponents
 * 2^-8…2^-1, random sign and mantissa), produced bit pattern by bit pattern so gigabytes
 * take seconds.
 */
export async function ensureAdapter(s: ModelShape, variant = 0): Promise<{ dir: string; file: string; bytes: number }> {
  // A variant is another adapter of the same shapes (another finetune), for comparisons.
  const dir = join(tmpdir(), 'lora-lens-bench', variant === 0 ? s.name : `${s.name}-${variant}`);
  const file = join(dir, 'adapter_model.safetensors');
  const tensorSpecs = specs(s);
  const dataBytes = tensorSpecs.reduce((a, t) => a + byteLength(t.dtype, t.shape), 0);
  try {
    const info = await stat(file);
    if (info.size > dataBytes && info.size < dataBytes + 1_000_000) return { dir, file, bytes: info.size };
  } catch {
    // Not generated yet.
  }
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'adapter_config.json'),
    JSON.stringify(
      {
        peft_type: 'LORA',
        r: s.rank,
        lora_alpha: 2 * s.rank,
        base_model_name_or_path: s.baseModel,
        target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
      },
      null,
      2,
    ),
  );
  let state = (0x12345678 + variant * 0x9e3779b9) | 0 || 1;
  const chunk = new Uint16Array(4 * 1024 * 1024);
  await writeSafetensorsAtomic(
    file,
    tensorSpecs,
    { format: 'pt' },
    async (index, write) => {
      let remaining = byteLength(tensorSpecs[index].dtype, tensorSpecs[index].shape) / 2;
      while (remaining > 0) {
        const n = Math.min(remaining, chunk.length);
        for (let i = 0; i < n; i++) {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          // sign | exponent 119…126 | 7 random mantissa bits
          chunk[i] = ((state >>> 16) & 0x8000) | ((119 + (state & 7)) << 7) | ((state >>> 3) & 0x7f);
        }
        await write(new Uint8Array(chunk.buffer, 0, n * 2));
        remaining -= n;
      }
    },
    { overwrite: true },
  );
  const info = await stat(file);
  return { dir, file, bytes: info.size };
}
