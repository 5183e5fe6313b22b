import type { Adapter } from '../../adapter/model';
import type { TensorInfo } from '../../safetensors/types';
import { llamaCppName } from './llamaCppNames';
import { baseName, languageModelFit, quoted, refusal, Verdict } from './llmCommon';
import type { LoadJudgement, LoaderRules } from './types';

/**
 * llama.cpp's LoRA loading, read from ggml-org/llama.cpp master (src/llama-adapter.cpp at
 * 0650ea8c, `llama_adapter_lora_init_impl`): the GGUF must say `general.type = adapter` and
 * `adapter.type = lora` (and name the model's `general.architecture`); every tensor must end in
 * `.lora_a` or `.lora_b` (`_norm.weight` tensors are skipped, anything else throws "has
 * unexpected suffix"); each pair needs both halves; lora_a's ne[1] must equal lora_b's ne[0]
 * (else "lora_a tensor is not transposed"), and both must fit the base tensor of that name,
 * which is checked against the model at load time, not here. The loader copies any ggml type
 * as stored: it checks no dtype.
 *
 * A file that is not GGUF is judged as convert_lora_to_gguf.py (same repository, at 0b03adaa)
 * would convert it: it reads adapter_config.json's lora_alpha and adapter_model.safetensors
 * (else .bin), takes `.lora_A.weight` / `.lora_embedding_A` and their B halves, skips
 * `.base_layer.weight`, keeps layer norms, stops on any other tensor ("Not a lora_A or lora_B
 * tensor": DoRA magnitudes, lora_bias, saved modules, other tuners), and maps each base name
 * with map_tensor_name, which raises for a name its table lacks (./llamaCppNames.ts).
 */
export const LLAMA_CPP_SOURCE =
  'ggml-org/llama.cpp master: src/llama-adapter.cpp llama_adapter_lora_init_impl (0650ea8c); convert_lora_to_gguf.py LoraModel.get_tensors / modify_tensors (0b03adaa) with gguf-py/gguf/tensor_mapping.py';

const AFTER = 'after convert_lora_to_gguf.py';

export const LLAMA_CPP_RULES: LoaderRules = {
  target: 'llama.cpp',
  source: LLAMA_CPP_SOURCE,
  // convert_hf_to_gguf.py has no OPT and no GPT-Neo (GPT-NeoX it has) model: their owners cannot use llama.cpp.
  fits: (adapter, identity) => languageModelFit(adapter, identity, 'llama.cpp', ['gguf', 'peft'], false, ['OPT', 'GPT-Neo ']),
  judge: (adapter) => (adapter.container === 'gguf' ? judgeGguf(adapter) : judgeConversion(adapter)),
};

function metaString(adapter: Adapter, key: string): string | null {
  const value = adapter.header.metadata?.[key];
  return typeof value === 'string' ? value : null;
}

function judgeGguf(adapter: Adapter): LoadJudgement {
  const type = metaString(adapter, 'general.type');
  if (type !== 'adapter')
    return refusal(`general.type is ${type === null ? 'absent' : quoted(type)}: llama_adapter_lora_init expects "adapter" (this GGUF is a model, not an adapter)`);
  const adapterType = metaString(adapter, 'adapter.type');
  if (adapterType !== 'lora') return refusal(`adapter.type is ${adapterType === null ? 'absent' : quoted(adapterType)}: llama_adapter_lora_init expects "lora"`);
  const verdict = new Verdict();
  const pairs = new Map<string, { a?: TensorInfo; b?: TensorInfo }>();
  for (const t of adapter.header.tensors) {
    const half = t.name.endsWith('.lora_a') ? 'a' : t.name.endsWith('.lora_b') ? 'b' : null;
    if (half === null) {
      if (t.name.endsWith('_norm.weight')) verdict.drop(t.name, 'norm vector: llama.cpp skips `_norm.weight` tensors in an adapter (no norm support yet)');
      else return refusal(`LoRA tensor ${quoted(t.name)} has unexpected suffix: llama.cpp takes only \`.lora_a\` / \`.lora_b\` (and skips \`_norm.weight\`)`);
      continue;
    }
    const stem = t.name.slice(0, -'.lora_a'.length);
    const pair = pairs.get(stem) ?? {};
    pair[half] = t;
    pairs.set(stem, pair);
  }
  for (const [stem, { a, b }] of pairs) {
    if (!a || !b) return refusal(`LoRA tensor pair for ${quoted(stem)} is missing one component (${a ? 'lora_b' : 'lora_a'})`);
    if (!stem.endsWith('token_embd.weight') && rankOfA(a) !== rankOfB(b)) {
      return refusal(
        `${quoted(stem)}: lora_a ${shapeText(a)} and lora_b ${shapeText(b)} do not share a rank: "lora_a tensor is not transposed" (lora_a must be [r, in], lora_b [out, r])`,
      );
    }
    verdict.load(a.name);
    verdict.load(b.name);
  }
  return verdict.done();
}

/** lora_a's ne[1] (its second-to-last numpy axis) and lora_b's ne[0] (its last): the rank both must share. */
function rankOfA(t: TensorInfo): number | undefined {
  return t.shape[t.shape.length - 2];
}
function rankOfB(t: TensorInfo): number | undefined {
  return t.shape[t.shape.length - 1];
}
function shapeText(t: TensorInfo): string {
  return `[${t.shape.join(', ')}]`;
}

/** Which converter input file names the folder must hold, in its order. */
const CONVERTER_INPUTS = ['adapter_model.safetensors', 'adapter_model.bin'] as const;

function judgeConversion(adapter: Adapter): LoadJudgement {
  const file = baseName(adapter.file);
  if (!(CONVERTER_INPUTS as readonly string[]).includes(file)) {
    return refusal(`${AFTER}: the converter reads a PEFT folder's ${CONVERTER_INPUTS.join(' or ')}; this is ${quoted(file)}, a ${adapter.formatDetail} file`);
  }
  const values = adapter.config?.values;
  if (!values) return refusal(`${AFTER}: no adapter_config.json beside the file, which the converter reads first`);
  if (typeof values.lora_alpha !== 'number') return refusal(`${AFTER}: adapter_config.json has no numeric lora_alpha, which the converter writes as adapter.lora.alpha`);
  const verdict = new Verdict();
  const pairs = new Map<string, { a?: string; b?: string }>();
  for (const t of adapter.header.tensors) {
    const name = t.name;
    const isA = name.includes('.lora_A.weight') || name.includes('.lora_embedding_A');
    const isB = name.includes('.lora_B.weight') || name.includes('.lora_embedding_B');
    if (!isA && !isB) {
      if (name.includes('.base_layer.weight')) verdict.drop(name, `${AFTER}: a base layer weight, which the converter skips`);
      else if (name.includes('_layernorm') || name.includes('.norm'))
        verdict.drop(name, `${AFTER}: the converter keeps layer norms, but llama.cpp's loader skips \`_norm.weight\` tensors`);
      else return refusal(`${AFTER}: Unexpected name ${quoted(name)}: Not a lora_A or lora_B tensor${whyUnexpected(name)}`);
      continue;
    }
    const base = baseTensorName(name);
    const pair = pairs.get(base) ?? {};
    pair[isA ? 'a' : 'b'] = name;
    pairs.set(base, pair);
  }
  for (const [base, { a, b }] of pairs) {
    if (!a || !b) return refusal(`${AFTER}: ${quoted(base)} has only its ${a ? 'lora_A' : 'lora_B'} half, and the converter asserts both`);
    const module = base.endsWith('.weight') ? base.slice(0, -'.weight'.length) : base;
    if (/\.experts(\.base_layer)?$/.test(module)) {
      return refusal(
        `${AFTER}: MoE expert weights (target_parameters) not supported: ${quoted(module)} is a PEFT ParamWrapper on the fused experts, which map_tensor_name cannot map`,
      );
    }
    if (llamaCppName(module) === null) return refusal(`${AFTER}: Can not map tensor ${quoted(base)}: no llama.cpp tensor of that Hugging Face name (gguf-py tensor_mapping.py)`);
    verdict.load(a);
    verdict.load(b);
  }
  return verdict.done();
}

/** get_base_tensor_name: the base weight's name a factor belongs to. */
function baseTensorName(name: string): string {
  return name
    .replaceAll('base_model.model.', '')
    .replaceAll('.lora_A.weight', '.weight')
    .replaceAll('.lora_B.weight', '.weight')
    .replaceAll('.lora_embedding_A', '.weight')
    .replaceAll('.lora_embedding_B', '.weight');
}

function whyUnexpected(name: string): string {
  if (name.includes('lora_magnitude_vector')) return ' (a DoRA magnitude: the converter has no DoRA)';
  if (name.includes('.lora_B.bias')) return ' (a lora_bias term, which the GGUF adapter format cannot hold)';
  if (name.includes('.embed_tokens.weight') || name.includes('.lm_head.weight')) return ' (embeddings in the adapter, from tokens added in fine-tuning)';
  return '';
}
