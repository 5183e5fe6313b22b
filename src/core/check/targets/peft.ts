import { numberField } from '../../adapter/config';
import { compilePatterns, type PatternTable } from '../../adapter/patterns';
import type { TensorInfo } from '../../safetensors/types';
import { endsWithModule, languageModelFit, quoted, refusal, shortList, stringList, Verdict } from './llmCommon';
import type { LoadJudgement, LoaderRules } from './types';

/**
 * PEFT's loading rules, read from huggingface/peft main after v0.17 (target_parameters,
 * lora_bias): `PeftModel.from_pretrained` reads adapter_config.json (PeftConfig), builds the
 * tuner layers on the modules the config targets (tuners_utils.py `check_target_module_exists`:
 * a list entry matches a module named it or ending with `.` + it; `exclude_modules`;
 * `layers_to_transform`), then utils/save_and_load.py `set_peft_model_state_dict` inserts the
 * adapter name after the tuner's parameter (`_insert_adapter_name_into_state_dict`, prefix
 * `lora_` for LoRA) and calls `load_state_dict(strict=False)`: a key with no parameter of that
 * name in the built model is reported unexpected and not applied, and a parameter whose shape
 * differs (a rank the config does not give) makes load_state_dict raise.
 */
export const PEFT_SOURCE =
  'huggingface/peft (main after v0.17): src/peft/utils/save_and_load.py set_peft_model_state_dict / _insert_adapter_name_into_state_dict; src/peft/tuners/tuners_utils.py check_target_module_exists';

/** Every key of a PeftModel's state dict starts with this (PeftModel.base_model is the tuner, its `.model` the base). */
const PREFIX = 'base_model.model.';

/** PEFT_TYPE_TO_PREFIX_MAPPING (src/peft/utils/constants.py): the tuner parameter's name prefix per peft_type. */
const TUNER_PREFIX: Readonly<Record<string, string>> = {
  LORA: 'lora_',
  ADALORA: 'lora_',
  LOHA: 'hada_',
  LOKR: 'lokr_',
  IA3: 'ia3_',
  OFT: 'oft_',
  BOFT: 'boft_',
  VERA: 'vera_lambda_',
  FOURIERFT: 'fourierft_',
  VBLORA: 'vblora_',
  HRA: 'hra_',
  BONE: 'bone_',
  LN_TUNING: 'ln_tuning_',
};

type Values = Readonly<Record<string, unknown>>;

/**
 * Heads the task's PeftModel subclass adds to modules_to_save itself (peft_model.py:
 * PeftModelForSequenceClassification / ForTokenClassification `classifier_module_names`,
 * PeftModelForQuestionAnswering `qa_module_names`).
 */
const TASK_HEADS: Readonly<Record<string, readonly string[]>> = {
  SEQ_CLS: ['classifier', 'score'],
  TOKEN_CLS: ['classifier', 'score'],
  QUESTION_ANS: ['qa_outputs'],
};

/**
 * A LoRA layer's saved parameters (src/peft/tuners/lora/layer.py, LoraLayer; variants in
 * lora/dora.py), by what follows the module path, and the config that must be set for the
 * layer to have it. The factor's rank axis is given for the size check.
 */
const LORA_PARAMS: Readonly<Record<string, { readonly needs?: 'lora_bias' | 'use_dora'; readonly rankAxis?: number }>> = {
  'lora_A.weight': { rankAxis: 0 },
  'lora_B.weight': { rankAxis: 1 },
  'lora_B.bias': { needs: 'lora_bias' },
  lora_embedding_A: { rankAxis: 0 },
  lora_embedding_B: { rankAxis: 1 },
  // Saved without the `.weight` of the DoRA module since the DoRA refactor; set_peft_model_state_dict renames it back.
  lora_magnitude_vector: { needs: 'use_dora' },
  'lora_magnitude_vector.weight': { needs: 'use_dora' },
};

/** AdaLoRA's ParameterDicts (src/peft/tuners/adalora/layer.py): saved without `.weight`. */
const ADALORA_PARAMS: ReadonlySet<string> = new Set(['lora_A', 'lora_B', 'lora_E']);

export const PEFT_RULES: LoaderRules = {
  target: 'peft',
  source: PEFT_SOURCE,
  fits: (adapter, identity) => languageModelFit(adapter, identity, 'PEFT', ['peft'], true),
  judge(adapter) {
    if (adapter.container === 'gguf') return refusal('PEFT reads adapter_model.safetensors or adapter_model.bin; a GGUF file is llama.cpp’s format');
    const values = adapter.config?.values;
    if (!values) {
      return refusal(
        `no adapter_config.json beside the file (a ${adapter.formatDetail} file): PeftModel.from_pretrained reads the config first (PeftConfig.from_pretrained) and fails without it`,
      );
    }
    const peftType = values.peft_type;
    if (typeof peftType !== 'string') {
      return refusal(`adapter_config.json has no peft_type (${adapter.formatDetail}): PeftConfig.from_pretrained cannot tell which tuner to build`);
    }
    const prefix = TUNER_PREFIX[peftType];
    if (prefix === undefined) return unmodelledTuner(adapter.header.tensors);
    if ((peftType === 'LORA' || peftType === 'ADALORA') && values.target_modules == null && values.target_parameters == null) {
      return refusal(
        'adapter_config.json has neither target_modules nor target_parameters: PEFT then falls back to its built-in list for the model type (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING) and raises for a model it does not know',
      );
    }
    const verdict = new Verdict();
    const ranks = new RankRule(values);
    for (const t of adapter.header.tensors) {
      const mismatch = judgeKey(t, peftType, prefix, values, ranks, verdict);
      if (mismatch !== null) return refusal(mismatch);
    }
    return verdict.done();
  },
};

/** Judges one stored key into `verdict`; returns a refusal when load_state_dict would raise on it. */
function judgeKey(t: TensorInfo, peftType: string, prefix: string, values: Values, ranks: RankRule, verdict: Verdict): string | null {
  const key = t.name;
  if (peftType === 'VERA' && (key === 'base_model.vera_A' || key === 'base_model.vera_B')) {
    verdict.load(key);
    return null;
  }
  if (!key.startsWith(PREFIX)) {
    verdict.drop(key, `no \`${PREFIX}\` prefix: every key of a PeftModel starts with it, so load_state_dict reports this one unexpected`);
    return null;
  }
  const parts = key.slice(PREFIX.length).split('.');
  const at = parts.findIndex((p) => p.startsWith(prefix));
  if (at < 0) {
    modulesToSave(key, parts, values, verdict);
    return null;
  }
  const module = parts.slice(0, at).join('.');
  const param = parts.slice(at).join('.');
  const problem = paramProblem(peftType, param, values) ?? targetProblem(module, values);
  if (problem !== null) {
    verdict.drop(key, problem);
    return null;
  }
  const spec = peftType === 'LORA' ? LORA_PARAMS[param] : undefined;
  const expected = spec?.rankAxis === undefined ? null : ranks.rankOf(module);
  const stored = spec?.rankAxis === undefined ? undefined : t.shape[spec.rankAxis];
  // A ParamWrapper (MoE experts under target_parameters) stores r·E rows of lora_A and r·E
  // columns of lora_B (peft tuners/lora/layer.py ParamWrapper; see adapter/moe.ts): a multiple of r.
  const wrapped = expected !== null && stored !== undefined && isParamWrapper(module, values) && stored % expected === 0;
  if (expected !== null && stored !== undefined && stored !== expected && !wrapped) {
    return `size mismatch for ${quoted(key)}: rank ${stored} in the file, but adapter_config.json gives this module r = ${expected}, so load_state_dict raises`;
  }
  verdict.load(key);
  return null;
}

/** Why the tuner layer has no parameter `param`, or null when it has. */
function paramProblem(peftType: string, param: string, values: Values): string | null {
  if (peftType === 'ADALORA') return ADALORA_PARAMS.has(param) ? null : `${quoted(param)} is not a parameter of PEFT's AdaLoRA layer (lora_A, lora_B, lora_E)`;
  if (peftType !== 'LORA') return null;
  const spec = LORA_PARAMS[param];
  if (!spec)
    return `${quoted(param)} is not a parameter of PEFT's LoRA layer (lora_A.weight, lora_B.weight, lora_embedding_A/B, lora_magnitude_vector): load_state_dict reports it unexpected`;
  if (spec.needs === 'lora_bias' && values.lora_bias !== true)
    return '`lora_B.bias` but the config does not set lora_bias = true: the LoRA layer has no bias, so the key is unexpected';
  if (spec.needs === 'use_dora' && values.use_dora !== true)
    return 'DoRA magnitude but the config does not set use_dora = true: the layer has no magnitude vector, so the key is unexpected';
  return null;
}

/** Why PEFT builds no tuner layer on `module`, or null when it does (check_target_module_exists). */
function targetProblem(module: string, values: Values): string | null {
  const excluded = stringList(values.exclude_modules);
  if (excluded?.some((e) => endsWithModule(module, e))) return `module is listed in exclude_modules, so PEFT builds no layer there and the key is unexpected`;
  const layers = layersToTransform(values.layers_to_transform);
  const index = layerIndexOf(module);
  if (layers !== null && (index === null || !layers.includes(index))) {
    const which = index === null ? 'the module path has no layer index' : `layer ${index} is not listed`;
    return `${which} in layers_to_transform (${shortList(layers.map(String))}), so PEFT builds no layer there`;
  }
  const targets = values.target_modules;
  // A string is matched with re.fullmatch (or names all linear layers); it is not evaluated here.
  if (typeof targets === 'string') return targets === 'all-linear' && endsWithModule(module, 'lm_head') ? 'all-linear leaves out the output layer (lm_head)' : null;
  const list = stringList(targets) ?? [];
  if (list.some((entry) => endsWithModule(module, entry))) return null;
  if (isParamWrapper(module, values)) return null;
  return `module ${quoted(module)} matches no target_modules entry (${shortList(list)}): PEFT builds no LoRA layer there, so the key is unexpected`;
}

/** ParamWrapper layers (MoE experts) sit on the module holding the parameter: `experts` for `mlp.experts.down_proj`. */
function isParamWrapper(module: string, values: Values): boolean {
  const parameters = stringList(values.target_parameters) ?? [];
  const holder = module.endsWith('.base_layer') ? module.slice(0, -'.base_layer'.length) : module;
  return parameters.some((p) => p.includes('.') && endsWithModule(holder, p.slice(0, p.lastIndexOf('.'))));
}

/** A full weight loads when it sits under a modules_to_save module (ModulesToSaveWrapper's load key map). */
function modulesToSave(key: string, parts: readonly string[], values: Values, verdict: Verdict): void {
  const path = `.${parts.slice(0, -1).join('.')}.`;
  const saved = [...(stringList(values.modules_to_save) ?? []), ...(TASK_HEADS[String(values.task_type)] ?? [])];
  if (saved.some((m) => path.includes(`.${m}.`))) verdict.load(key);
  else
    verdict.drop(
      key,
      `neither a tuner parameter nor under a modules_to_save module (${saved.length > 0 ? shortList(saved) : 'none listed'}): load_state_dict reports it unexpected`,
    );
}

function layersToTransform(value: unknown): number[] | null {
  if (typeof value === 'number' && Number.isInteger(value)) return [value];
  if (!Array.isArray(value) || value.length > 4096) return null;
  return value.filter((v): v is number => typeof v === 'number' && Number.isInteger(v));
}

/** PEFT's layer index without layers_pattern (`.*\.[^.]*\.(\d+)\.`): the last number with two components before it and one after. */
function layerIndexOf(module: string): number | null {
  const parts = module.split('.');
  for (let i = parts.length - 2; i >= 2; i--) {
    if (/^\d{1,9}$/.test(parts[i])) return Number(parts[i]);
  }
  return null;
}

/** The rank a module's layer is built with: rank_pattern's first matching key (get_pattern_key), else r. */
class RankRule {
  private readonly r: number | undefined;
  private readonly table: PatternTable;

  constructor(values: Values) {
    const r = numberField(values, 'r');
    this.r = r !== undefined && Number.isInteger(r) && r > 0 ? r : undefined;
    this.table = compilePatterns(values.rank_pattern, 'rank_pattern', 'r', []);
  }

  rankOf(module: string): number | null {
    const hit = this.table.match(module);
    const rank = hit ? hit.value : this.r;
    return rank !== undefined && Number.isInteger(rank) && rank > 0 ? rank : null;
  }
}

/**
 * A tuner whose parameter prefix is not in the table above: only the `base_model.` prefix every
 * saved key of a PeftModel has is checked, so its keys are counted as loaded.
 */
function unmodelledTuner(tensors: readonly TensorInfo[]): LoadJudgement {
  const verdict = new Verdict();
  for (const t of tensors) {
    if (t.name.startsWith('base_model.')) verdict.load(t.name);
    else verdict.drop(t.name, `no \`${PREFIX}\` prefix: every key of a PeftModel starts with it, so load_state_dict reports this one unexpected`);
  }
  return verdict.done();
}
