import { isGgufHeader } from '../gguf/header';
import type { AdaptedModule, Adapter } from '../adapter/model';
import { MAX_PARSED_LENGTH } from '../adapter/metadata';

/**
 * What a llama.cpp GGUF adapter's `general.architecture` and `blk.N.<name>` tensor names say for
 * identification. llama.cpp names its architectures (gguf-py/gguf/constants.py, MODEL_ARCH_NAMES)
 * and the tensors of each block (gguf-py/gguf/tensor_mapping.py, TensorNameMap) itself; the
 * fingerprint table is written in Hugging Face module names, so block names are read back as
 * those, and the architecture narrows the candidates to its family (the shapes decide the size).
 */

/** Which table entries each llama.cpp architecture can be (convert_hf_to_gguf.py: Mistral converts as `llama`). */
const FAMILIES: ReadonlyMap<string, (name: string) => boolean> = new Map([
  ['llama', (n: string) => n.startsWith('Llama ') || n.startsWith('Mistral ')],
  ['mistral', (n: string) => n.startsWith('Mistral ')],
  ['qwen2', (n: string) => n.startsWith('Qwen2 ') || n.startsWith('Qwen2.5 ')],
  ['qwen3', (n: string) => n.startsWith('Qwen3 ') && !n.includes('MoE')],
  ['qwen3moe', (n: string) => n.startsWith('Qwen3 ') && n.includes('MoE')],
  ['gemma2', (n: string) => n.startsWith('Gemma 2 ')],
  ['gemma3', (n: string) => n.startsWith('Gemma 3 ')],
  ['phi3', (n: string) => n.startsWith('Phi-3 ') || n === 'Phi-4'],
  ['gpt2', (n: string) => n.startsWith('GPT-2')],
  ['bloom', (n: string) => n.startsWith('BLOOM')],
  ['gptneox', (n: string) => n.startsWith('GPT-NeoX')],
  ['bert', (n: string) => n.startsWith('BERT ')],
  ['t5', (n: string) => n.startsWith('T5 ')],
]);

/** Block tensors of a decoder (tensor_mapping.py: ATTN_Q `model.layers.{bid}.self_attn.q_proj`, FFN_GATE `mlp.gate_proj`, …). */
const DECODER: Readonly<Record<string, string>> = {
  attn_q: 'self_attn.q_proj',
  attn_k: 'self_attn.k_proj',
  attn_v: 'self_attn.v_proj',
  attn_output: 'self_attn.o_proj',
  attn_qkv: 'self_attn.qkv_proj',
  ffn_gate: 'mlp.gate_proj',
  ffn_up: 'mlp.up_proj',
  ffn_down: 'mlp.down_proj',
};

/** Architectures whose blocks tensor_mapping.py maps from other Hugging Face names: their prefix and names. */
interface BlockNames {
  readonly prefix: string;
  readonly names: Readonly<Record<string, string>>;
}
const OTHER_BLOCKS: ReadonlyMap<string, BlockNames> = new Map<string, BlockNames>([
  // GPT-2: ATTN_QKV `h.{bid}.attn.c_attn`, ATTN_OUT `h.{bid}.attn.c_proj`, FFN_UP `h.{bid}.mlp.c_fc`, FFN_DOWN `h.{bid}.mlp.c_proj`.
  ['gpt2', { prefix: 'transformer.h', names: { attn_qkv: 'attn.c_attn', attn_output: 'attn.c_proj', ffn_up: 'mlp.c_fc', ffn_down: 'mlp.c_proj' } }],
  // BLOOM: ATTN_QKV `h.{bid}.self_attention.query_key_value`.
  ['bloom', { prefix: 'transformer.h', names: { attn_qkv: 'self_attention.query_key_value', attn_output: 'self_attention.dense' } }],
  // GPT-NeoX: ATTN_QKV `gpt_neox.layers.{bid}.attention.query_key_value`.
  ['gptneox', { prefix: 'gpt_neox.layers', names: { attn_qkv: 'attention.query_key_value', attn_output: 'attention.dense' } }],
  // Phi-3: FFN_UP is the fused `mlp.gate_up_proj`.
  ['phi3', { prefix: 'model.layers', names: { ...DECODER, ffn_up: 'mlp.gate_up_proj' } }],
]);

/** The GGUF adapter's `general.architecture`, or null for other files. */
export function ggufArchitecture(adapter: Adapter): string | null {
  if (adapter.format !== 'gguf' || !isGgufHeader(adapter.header)) return null;
  const entry = adapter.header.entries.find((e) => e.key === 'general.architecture');
  const value = entry?.value;
  return typeof value === 'string' && value.length <= MAX_PARSED_LENGTH ? value : null;
}

/** Whether a table entry can be the model `general.architecture` names; null when that name is not one the table covers. */
export function ggufFamily(architecture: string | null): ((name: string) => boolean) | null {
  return architecture === null ? null : (FAMILIES.get(architecture) ?? null);
}

const BLOCK = /^blk\.(\d{1,6})\.([a-z0-9_]{1,64})$/;

/**
 * The modules under the names the fingerprint table uses: a `blk.N.<name>` left as llama.cpp
 * wrote it (architectures whose names the reader does not map back) becomes the Hugging Face name.
 */
export function modulesForMatching(adapter: Adapter, architecture: string | null): readonly AdaptedModule[] {
  if (architecture === null) return adapter.modules;
  const other = OTHER_BLOCKS.get(architecture);
  const prefix = other?.prefix ?? 'model.layers';
  const names = other?.names ?? DECODER;
  return adapter.modules.map((m) => {
    const match = BLOCK.exec(m.name);
    if (!match || !Object.hasOwn(names, match[2])) return m;
    return { ...m, name: `${prefix}.${Number(match[1])}.${names[match[2]]}` };
  });
}
