import { isGgufHeader } from '../gguf/header';
import type { GgufEntry } from '../gguf/values';
import type { TensorInfo } from '../safetensors/types';
import type { BuildContext, BuildResult } from './build';
import { huggingFaceName, isMappedArchitecture } from './ggufNames';
import { pairShape } from './lowRank';
import type { AdaptedModule, Adapter, LowRankFactors, OtherTensor } from './model';
import { invalidScale, type ScaleResult } from './scale';

/** `X.weight.lora_a` / `X.weight.lora_b`: convert_lora_to_gguf.py appends the suffix to the base tensor's name. */
const FACTOR = /^(.+)\.weight\.lora_([ab])$/;

/**
 * GGUF files as llama.cpp writes them. An adapter (convert_lora_to_gguf.py, `LoraModel`) has
 * `general.type = adapter`, `adapter.type = lora`, `adapter.lora.alpha` (float32) and the base
 * model's `general.architecture`; each adapted weight `X.weight` has `X.weight.lora_a`, PEFT's
 * lora_A [r, in], and `X.weight.lora_b`, lora_B [out, r] (shapes outermost first; ggml's ne
 * are reversed). `token_embd` is the exception: its lora_a is stored transposed, [vocab, r]
 * (see `llm_build_inp_embd`), so ΔE = lora_a · lora_bᵀ. llama.cpp applies each pair as
 * s · B · A with s = alpha / r, r = lora_b's ne[0], and s = 1 when alpha is 0
 * (src/llama-adapter.h, `llama_adapter_lora_weight::get_scale`), times the user's
 * `--lora-scaled` factor. Module names are mapped back to the base model's Hugging Face names
 * (./ggufNames). Anything else, a full model first of all, is listed, not analysed.
 */
export function buildGguf(ctx: BuildContext): BuildResult {
  const entries = isGgufHeader(ctx.header) ? ctx.header.entries : [];
  const architecture = stringEntry(entries, 'general.architecture');
  const fileType = stringEntry(entries, 'general.type');
  const adapterType = stringEntry(entries, 'adapter.type');
  const arch = architecture ?? 'unknown architecture';
  if (architecture === 'controlvector') {
    // llama.cpp's control vectors (cvector-generator: `direction.N`, one vector per layer).
    return listed(ctx, 'llama.cpp control vector (GGUF)', 'non-low-rank parameter', [
      `this GGUF file is a llama.cpp control vector (one direction per layer), not a LoRA adapter: its ${ctx.header.tensors.length} tensor(s) are listed`,
    ]);
  }
  if (fileType !== 'adapter') {
    const count = ctx.header.tensors.length;
    return listed(ctx, `GGUF ${arch} model (not an adapter)`, 'full weight', [
      `this GGUF file is a full ${arch} model (general.type is ${fileType === null ? 'absent' : JSON.stringify(fileType)}, not "adapter"), not a LoRA adapter: its ${count} tensor${count === 1 ? '' : 's'} are listed`,
    ]);
  }
  if (adapterType !== 'lora') {
    return listed(ctx, `GGUF ${arch} adapter (${adapterType ?? 'no adapter.type'})`, 'unrecognized', [
      `this GGUF adapter's adapter.type is ${adapterType === null ? 'absent' : JSON.stringify(adapterType)}, not "lora": its tensors are listed, not analysed`,
    ]);
  }
  return loraAdapter(ctx, entries, architecture);
}

function loraAdapter(ctx: BuildContext, entries: readonly GgufEntry[], architecture: string | null): BuildResult {
  const alpha = numberEntry(entries, 'adapter.lora.alpha');
  const pairs = new Map<string, { a?: TensorInfo; b?: TensorInfo }>();
  const otherTensors: OtherTensor[] = [];
  for (const t of ctx.header.tensors) {
    const match = FACTOR.exec(t.name);
    if (!match) {
      otherTensors.push({ name: t.name, dtype: t.dtype, shape: t.shape, role: t.shape.length === 1 ? 'non-low-rank parameter' : 'unrecognized' });
      continue;
    }
    const pair = pairs.get(match[1]) ?? {};
    pair[match[2] as 'a' | 'b'] = t;
    pairs.set(match[1], pair);
  }
  const warnings: string[] = [];
  const mapped = isMappedArchitecture(architecture);
  if (!mapped) {
    warnings.push(
      `llama.cpp's tensor names of architecture ${JSON.stringify(architecture ?? 'unknown')} are not mapped to Hugging Face module names here: modules keep names like blk.0.attn_q, so a comparison with a PEFT adapter or --base will not line them up`,
    );
  }
  const modules: AdaptedModule[] = [];
  for (const [stem, pair] of pairs) modules.push(loraModule(stem, pair, architecture, alpha));
  if (architecture === 'llama' && modules.some(isRowPermuted)) {
    warnings.push(
      "llama.cpp's converter permutes the rows of attn_q and attn_k for its rotary layout (convert_hf_to_gguf.py, LlamaModel.permute), lora_b included: their singular values are those of the Hugging Face adapter, but their output-side directions are in llama.cpp's row order",
    );
  }
  if (otherTensors.length > 0) warnings.push(`${otherTensors.length} tensor(s) are not lora_a/lora_b factors (mergekit-extract-lora keeps norm weights) and are listed only`);
  return {
    formatDetail: `llama.cpp GGUF LoRA${architecture ? ` (${architecture})` : ''}`,
    peftType: null,
    baseModel: baseModelOf(entries),
    modules,
    otherTensors,
    analysable: true,
    warnings,
  };
}

function loraModule(stem: string, pair: { a?: TensorInfo; b?: TensorInfo }, architecture: string | null, alpha: number | null): AdaptedModule {
  const name = huggingFaceName(architecture, stem) ?? stem;
  const embedding = stem === 'token_embd';
  const shape = embedding && pair.a && pair.b ? embeddingShape(pair.a, pair.b) : pairShape('standard', pair.a, pair.b);
  const rank = shape.rank;
  const scale = ggufScale(alpha, rank);
  const tensors: Record<string, string> = {};
  if (pair.a) tensors.A = pair.a.name;
  if (pair.b) tensors.B = pair.b.name;
  return {
    name,
    kind: shape.kind,
    shape: shape.shape,
    rank,
    maxRank: Math.min(rank, shape.shape[0], shape.shape[1]),
    alpha,
    scale: scale.scale,
    scaleRule: scale.rule,
    scaleKnown: scale.known,
    factors: shape.factors,
    tensors,
    warnings: [...shape.warnings],
  };
}

/** The modules whose output rows llama.cpp permuted (attn_q/attn_k of a `llama` GGUF); [] for other adapters. */
export function rowPermutedModules(adapter: Adapter): readonly AdaptedModule[] {
  if (adapter.format !== 'gguf' || !isGgufHeader(adapter.header) || stringEntry(adapter.header.entries, 'general.architecture') !== 'llama') return [];
  return adapter.modules.filter(isRowPermuted);
}

function isRowPermuted(m: AdaptedModule): boolean {
  return /\.attn_[qk]\.weight\.lora_b$/.test(m.tensors.B ?? '');
}

/** token_embd: lora_a [vocab, r] (transposed on conversion), lora_b [dim, r]; ΔE = lora_a · lora_bᵀ. */
function embeddingShape(a: TensorInfo, b: TensorInfo): ReturnType<typeof pairShape> {
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[1]) {
    return {
      kind: 'embedding',
      shape: [a.shape[0] ?? 0, b.shape[0] ?? 0],
      rank: a.shape[1] ?? 0,
      factors: null,
      warnings: [`token embedding factor shapes [${a.shape}] and [${b.shape}] do not share a rank`],
    };
  }
  const factors: LowRankFactors = { type: 'lowRank', B: { tensor: a.name, transposed: false }, A: { tensor: b.name, transposed: true } };
  return { kind: 'embedding', shape: [a.shape[0], b.shape[0]], rank: a.shape[1], factors, warnings: [] };
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6))));

/** llama.cpp's scale: alpha / r, or 1 when alpha is 0 or absent (then llama.cpp applies the pair unscaled). */
export function ggufScale(alpha: number | null, rank: number): ScaleResult {
  if (alpha === null || alpha === 0) {
    return { scale: 1, alpha, rule: `adapter.lora.alpha is ${alpha === null ? 'absent' : '0'}, so llama.cpp applies the pair unscaled: s = 1 (times --lora-scaled)`, known: true };
  }
  const rule = `adapter.lora.alpha / r = ${fmt(alpha)} / ${fmt(rank)} (times --lora-scaled)`;
  if (!(rank > 0)) return invalidScale(alpha, rule, 'r must be positive');
  if (!Number.isFinite(alpha)) return invalidScale(alpha, rule, 'alpha must be a finite number');
  return { scale: alpha / rank, alpha, rule, known: true };
}

function listed(ctx: BuildContext, formatDetail: string, role: OtherTensor['role'], warnings: string[]): BuildResult {
  const otherTensors = ctx.header.tensors.map((t): OtherTensor => ({ name: t.name, dtype: t.dtype, shape: t.shape, role }));
  return { formatDetail, peftType: null, baseModel: null, modules: [], otherTensors, analysable: false, warnings };
}

/**
 * The base model as the converter's model card metadata records it (gguf-py/gguf/metadata.py,
 * `general.base_model.0.*`): a Hub repo id from its URL, else its name.
 */
function baseModelOf(entries: readonly GgufEntry[]): string | null {
  const url = stringEntry(entries, 'general.base_model.0.repo_url');
  const hub = 'https://huggingface.co/';
  if (url?.startsWith(hub) && url.length > hub.length) return url.slice(hub.length);
  return stringEntry(entries, 'general.base_model.0.name');
}

function stringEntry(entries: readonly GgufEntry[], key: string): string | null {
  const value = entries.find((e) => e.key === key)?.value;
  return typeof value === 'string' ? value : null;
}

function numberEntry(entries: readonly GgufEntry[], key: string): number | null {
  const value = entries.find((e) => e.key === key)?.value;
  if (typeof value === 'number') return value;
  return typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : null;
}
