import { numberField } from '../../adapter/config';
import type { Adapter } from '../../adapter/model';
import { baseName, languageModelFit, quoted, refusal, shortList, stringList, Verdict } from './llmCommon';
import type { LoadJudgement, LoaderRules } from './types';

/**
 * vLLM's LoRA loading, read from vllm-project/vllm main (lora/lora_model.py at 0306474e, with
 * FusedMoE LoRA and per-expert-parallel loading): `PEFTHelper.from_local_dir` reads
 * adapter_config.json and `validate_legal` refuses DoRA, lora_bias, `bias` other than "none",
 * modules_to_save other than a classifier head, aLoRA, layer_replication, BD-LoRA, QALoRA,
 * inits that rewrite the base weights, and a rank (r or any rank_pattern value) above
 * `--max-lora-rank` (config/lora.py: one of 1, 8, 16, 32, 64, 128, 256, 320, 512, default 16).
 * `LoRAModel.from_local_checkpoint` opens `adapter_model.safetensors` (else .bin / .pt) in the
 * adapter folder, parses every key with lora/utils.py `parse_fine_tuned_lora_name`
 * (`[base_model.model.]<module>.lora_A|lora_B.weight` or `.lora_embedding_A|B`; anything else
 * raises "is unsupported LoRA weight") and raises for a module whose last name is not a
 * LoRA-capable layer of the model (the expected_lora_modules check); base embedding weights
 * (`.embed_tokens.base_layer.weight`, `.lm_head.base_layer.weight`) are skipped. Every problem
 * fails the whole request: vLLM never loads part of an adapter.
 */
export const VLLM_SOURCE =
  'vllm-project/vllm main (lora/lora_model.py 0306474e): lora/lora_model.py LoRAModel.from_local_checkpoint; lora/utils.py parse_fine_tuned_lora_name; lora/peft_helper.py PEFTHelper.validate_legal; config/lora.py max_lora_rank';

/** config/lora.py `MaxLoRARanks` and the default of `--max-lora-rank`. */
const MAX_LORA_RANKS = [1, 8, 16, 32, 64, 128, 256, 320, 512] as const;
const DEFAULT_MAX_LORA_RANK = 16;

/** The files from_local_checkpoint opens in the adapter folder, in its order. */
const WEIGHT_FILES = ['adapter_model.safetensors', 'adapter_model.bin', 'adapter_model.pt'] as const;

/**
 * Last names of the layers vLLM's models make LoRA-capable (every LinearBase, their packed
 * parts via packed_modules_mapping, and the embedding modules), for the Hugging Face
 * architectures the fingerprints know: Llama/Mistral/Qwen/Gemma, Phi-3, GPT-2, GPT-NeoX,
 * OPT, BLOOM, Mixtral and GPT-Neo (vllm/model_executor/models/*.py).
 */
const LORA_CAPABLE: ReadonlySet<string> = new Set([
  ...['q_proj', 'k_proj', 'v_proj', 'o_proj', 'qkv_proj', 'gate_proj', 'up_proj', 'down_proj', 'gate_up_proj'],
  ...['c_attn', 'c_proj', 'c_fc', 'query_key_value', 'dense', 'dense_h_to_4h', 'dense_4h_to_h', 'out_proj', 'fc1', 'fc2'],
  ...['w1', 'w2', 'w3', 'embed_tokens', 'lm_head'],
]);

/** PEFT inits vLLM accepts (peft_helper.py `_init_is_supported`): they set only the initial adapter weights. */
const SUPPORTED_INITS: ReadonlySet<string> = new Set(['gaussian', 'eva', 'orthogonal', 'mica', 'lora_ga']);

type Values = Readonly<Record<string, unknown>>;

export const VLLM_RULES: LoaderRules = {
  target: 'vllm',
  source: VLLM_SOURCE,
  fits: (adapter, identity) =>
    // vLLM serves LoRA (PEFT type LORA) only; the owner of another PEFT tuner does not reach for it.
    adapter.peftType !== null && adapter.peftType !== 'LORA'
      ? { fits: false, reason: `vLLM serves LoRA adapters; this is PEFT type ${quoted(adapter.peftType)}` }
      : languageModelFit(adapter, identity, 'vLLM', ['peft']),
  judge(adapter) {
    if (adapter.container === 'gguf') return refusal('vLLM loads PEFT adapter folders (adapter_model.safetensors / .bin / .pt), not GGUF');
    const file = baseName(adapter.file);
    if (!(WEIGHT_FILES as readonly string[]).includes(file)) {
      return refusal(`from_local_checkpoint opens ${WEIGHT_FILES.join(', ')} in the adapter folder; this file is named ${quoted(file)}, so vLLM finds no tensors`);
    }
    const values = adapter.config?.values;
    if (!values) return refusal(`no adapter_config.json beside the file (a ${adapter.formatDetail} file): PEFTHelper.from_local_dir opens it first`);
    const missing = ['r', 'lora_alpha', 'target_modules'].filter((k) => values[k] === undefined);
    if (missing.length > 0) return refusal(`adapter_config.json lacks ${missing.join(', ')}: PEFTHelper.from_dict raises "Missing required configuration fields"`);
    const refused = configRefusal(values);
    if (refused !== null) return refused;
    return judgeKeys(adapter);
  },
};

/** validate_legal's refusals, joined as vLLM joins them. */
function configRefusal(values: Values): LoadJudgement | null {
  const errors: string[] = [];
  const saved = stringList(values.modules_to_save) ?? [];
  const unsupported = saved.filter((m) => m !== 'classifier' && m !== 'score');
  if (unsupported.length > 0) errors.push(`modules_to_save ${shortList(unsupported)}: vLLM supports it only as ["classifier", "score"] for classification models`);
  if (values.use_dora === true) errors.push('use_dora: vLLM does not yet support DoRA');
  if (values.lora_bias === true) errors.push('lora_bias: vLLM does not support LoRA bias');
  const init = values.init_lora_weights;
  if (typeof init === 'string' && !SUPPORTED_INITS.has(init.toLowerCase())) {
    errors.push(`init_lora_weights ${quoted(init)}: inits such as PiSSA, OLoRA, CorDA and LoftQ change the base weights, which vLLM does not`);
  }
  if (Array.isArray(values.alora_invocation_tokens) && values.alora_invocation_tokens.length > 0) errors.push('alora_invocation_tokens: vLLM does not support Activated LoRA');
  if (Array.isArray(values.layer_replication) && values.layer_replication.length > 0) errors.push('layer_replication is not supported');
  if (values.use_bdlora != null && values.use_bdlora !== false) errors.push('use_bdlora: block-diagonal LoRA is not supported');
  if (values.use_qalora === true) errors.push('use_qalora: QALoRA is not supported');
  if (values.bias !== undefined && values.bias !== 'none') errors.push(`bias ${quoted(String(values.bias))}: adapter bias is not supported`);
  const rank = maxRank(values);
  if (rank === null) errors.push('r is not a positive integer');
  else if (rank > DEFAULT_MAX_LORA_RANK) {
    const fit = MAX_LORA_RANKS.find((m) => m >= rank);
    errors.push(
      fit === undefined
        ? `rank ${rank} is above the largest --max-lora-rank vLLM accepts (${MAX_LORA_RANKS[MAX_LORA_RANKS.length - 1]})`
        : `rank ${rank} is greater than the default max_lora_rank ${DEFAULT_MAX_LORA_RANK}: serve with --max-lora-rank ${fit} (one of ${MAX_LORA_RANKS.join(', ')})`,
    );
  }
  return errors.length === 0 ? null : refusal(`validate_legal raises: ${errors.join('; ')}`);
}

/** max(r, rank_pattern values), as validate_legal takes it; null when r is not a positive integer. */
function maxRank(values: Values): number | null {
  const r = numberField(values, 'r');
  if (r === undefined || !Number.isInteger(r) || r <= 0) return null;
  const pattern = values.rank_pattern;
  let max = r;
  if (pattern !== null && typeof pattern === 'object' && !Array.isArray(pattern)) {
    for (const v of Object.values(pattern as Record<string, unknown>).slice(0, 4096)) if (typeof v === 'number' && Number.isFinite(v) && v > max) max = v;
  }
  return max;
}

/** parse_fine_tuned_lora_name and the expected-modules check, key by key; the first failure refuses the file. */
function judgeKeys(adapter: Adapter): LoadJudgement {
  const verdict = new Verdict();
  for (const t of adapter.header.tensors) {
    const key = t.name;
    if (key.endsWith('.embed_tokens.base_layer.weight') || key.endsWith('.lm_head.base_layer.weight')) {
      verdict.drop(key, 'base embedding weight: from_lora_tensors skips it (is_base_embedding_weights), so the served model keeps its own embeddings');
      continue;
    }
    const module = moduleOf(key);
    if (module === null) {
      const magnitude = key.endsWith('.lora_magnitude_vector') || key.endsWith('.lora_magnitude_vector.weight');
      return refusal(
        `${quoted(key)} ${magnitude ? 'is a DoRA magnitude vector, which vLLM does not load' : 'is unsupported LoRA weight (parse_fine_tuned_lora_name takes only lora_A/lora_B.weight and lora_embedding_A/B)'}`,
      );
    }
    const unexpected = unexpectedModule(module, key);
    if (unexpected !== null) return refusal(unexpected);
    verdict.load(key);
  }
  return verdict.done();
}

/** The module parse_fine_tuned_lora_name returns, or null where it raises. */
function moduleOf(key: string): string | null {
  const name = key.startsWith('base_model.model.') ? key.slice('base_model.model.'.length) : key;
  const parts = name.split('.');
  const last = parts[parts.length - 1];
  const before = parts[parts.length - 2];
  if (last === 'weight' && (before === 'lora_A' || before === 'lora_B') && parts.length > 2) return parts.slice(0, -2).join('.');
  if ((last === 'lora_embedding_A' || last === 'lora_embedding_B') && parts.length > 1) return parts.slice(0, -1).join('.');
  return null;
}

/**
 * check_unexpected_modules: an expert module (`….experts.<i>.<proj>`, or PEFT's 3D layout
 * `….experts` / `….experts.base_layer` from target_parameters) is matched from `experts` on,
 * any other by its last name.
 */
function unexpectedModule(module: string, key: string): string | null {
  if (module.includes('base_layer')) return null;
  const at = module.indexOf('.experts');
  if (at >= 0) {
    const suffix = module.slice(at + 1).split('.');
    const perExpert = suffix.length === 3 && /^\d{1,6}$/.test(suffix[1]) && LORA_CAPABLE.has(suffix[2]);
    if (perExpert || suffix.length === 1) return null;
    return `MoE expert module ${quoted(module)} is not one vLLM's FusedMoE LoRA maps (experts.<i>.<gate|up|down>_proj, or target_parameters' experts): ValueError "expected target modules … but received"`;
  }
  const last = module.slice(module.lastIndexOf('.') + 1);
  if (LORA_CAPABLE.has(last)) return null;
  return `module ${quoted(module)} (from ${quoted(key)}) is not a LoRA-capable layer of vLLM's models (${quoted(last)} is no linear or embedding layer name it knows): from_local_checkpoint raises "expected target modules … but received"`;
}
