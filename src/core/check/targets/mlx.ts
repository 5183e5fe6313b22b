import { numberField, objectField } from '../../adapter/config';
import type { Adapter } from '../../adapter/model';
import type { TensorInfo } from '../../safetensors/types';
import type { Identity } from '../finding';
import { FINGERPRINTS } from '../architectures';
import { baseName, languageModelFit, quoted, refusal, shortList, stringList, Verdict } from './llmCommon';
import type { LoadJudgement, LoaderRules } from './types';

/**
 * mlx-lm's adapter loading, read from ml-explore/mlx-lm main (mlx_lm/tuner/utils.py):
 * `load_adapters` reads `<folder>/adapter_config.json` (`fine_tune_type`, default "lora";
 * `num_layers`; `lora_parameters` with rank, scale, dropout and optional `keys`), has
 * `linear_to_lora_layers` turn the modules named by `keys` (default: every Linear, Embedding and
 * SwitchLinear of a layer) of the last `num_layers` layers (all for -1) into LoRALinear
 * (DoRALinear when fine_tune_type is "dora"), then `model.load_weights(<folder>/adapters.safetensors,
 * strict=False)`: a key naming no parameter of the built model is ignored without a word.
 * LoRALinear holds `lora_a` [in, r] and `lora_b` [r, out] (tuner/lora.py; the forward is
 * (x @ lora_a) @ lora_b), DoRALinear adds the magnitude `m` (tuner/dora.py).
 */
export const MLX_SOURCE = 'ml-explore/mlx-lm main: mlx_lm/tuner/utils.py load_adapters / linear_to_lora_layers; mlx_lm/tuner/lora.py LoRALinear; mlx_lm/tuner/dora.py DoRALinear';

const WEIGHTS_FILE = 'adapters.safetensors';
/** The layer stacks of mlx-lm's models (`model.layers`; GPT-2 style `model.h`). */
const LAYER = /^model\.(?:layers|h)\.(\d{1,6})\.(.+)$/;
const PARAMS = ['lora_a', 'lora_b', 'm'] as const;
type Param = (typeof PARAMS)[number];

interface MlxConfig {
  readonly type: string;
  readonly numLayers: number;
  readonly keys: ReadonlySet<string> | null;
}

export const MLX_RULES: LoaderRules = {
  target: 'mlx',
  source: MLX_SOURCE,
  fits: (adapter, identity) => languageModelFit(adapter, identity, 'mlx-lm', ['mlx']),
  judge(adapter, identity) {
    if (adapter.container === 'gguf') return refusal('mlx-lm loads adapters.safetensors with adapter_config.json, not GGUF');
    const convert = adapter.format === 'mlx' ? '' : ` (a ${adapter.formatDetail} file: it must be converted to mlx-lm's names and [in, r] / [r, out] factors first)`;
    const file = baseName(adapter.file);
    if (file !== WEIGHTS_FILE)
      return refusal(
        `load_adapters reads <folder>/${WEIGHTS_FILE}; this file is named ${quoted(file)}${convert || ' (a training checkpoint: copy it to adapters.safetensors to load it)'}`,
      );
    const config = readConfig(adapter);
    if (typeof config === 'string') return refusal(`${config}${convert}`);
    return judgeKeys(adapter, config, modelLayers(identity));
  },
};

/** The config fields load_adapters and linear_to_lora_layers read, or why they raise. */
function readConfig(adapter: Adapter): MlxConfig | string {
  const values = adapter.config?.values;
  if (!values) return 'no adapter_config.json beside the file: load_adapters opens it first';
  const type = typeof values.fine_tune_type === 'string' ? values.fine_tune_type : 'lora';
  const numLayers = numberField(values, 'num_layers');
  if (numLayers === undefined || !Number.isInteger(numLayers)) return 'adapter_config.json has no integer num_layers, which load_adapters reads (AttributeError)';
  if (type === 'full') return { type, numLayers, keys: null };
  const params = objectField(values, 'lora_parameters');
  const missing = params ? ['rank', 'scale', 'dropout'].filter((k) => params[k] === undefined) : ['lora_parameters'];
  if (missing.length > 0) return `adapter_config.json lacks ${missing.map((m) => (params ? `lora_parameters.${m}` : m)).join(', ')}, which linear_to_lora_layers reads (KeyError)`;
  const keys = params?.keys == null ? null : new Set(stringList(params.keys) ?? []);
  return { type, numLayers, keys };
}

/** The identified model's layer count when every candidate agrees on it (../architectures.ts). */
function modelLayers(identity: Identity): number | null {
  const names = identity.architecture ? identity.architecture.name.split(' or ') : [];
  const counts = new Set(names.map((n) => FINGERPRINTS.find((f) => f.name === n)?.layers));
  const [only] = [...counts];
  return counts.size === 1 && typeof only === 'number' && only > 0 ? only : null;
}

function judgeKeys(adapter: Adapter, config: MlxConfig, known: number | null): LoadJudgement {
  const verdict = new Verdict();
  const factors = new Map<string, Partial<Record<Param, TensorInfo>>>();
  let highest = -1;
  for (const t of adapter.header.tensors) {
    const layer = LAYER.exec(t.name);
    if (layer) highest = Math.max(highest, Number(layer[1]));
  }
  const total = known ?? highest + 1;
  const first = config.numLayers < 0 || config.numLayers >= total ? 0 : total - config.numLayers;
  for (const t of adapter.header.tensors) {
    const dot = t.name.lastIndexOf('.');
    const param = t.name.slice(dot + 1);
    const module = t.name.slice(0, Math.max(dot, 0));
    if (dot < 0 || !(PARAMS as readonly string[]).includes(param)) {
      verdict.drop(
        t.name,
        `not a parameter mlx-lm's LoRA layers have (lora_a, lora_b, m): load_weights(strict=False) ignores it${adapter.format === 'mlx' ? '' : `; a ${adapter.formatDetail} file must be converted first`}`,
      );
      continue;
    }
    const why = moduleProblem(module, param as Param, config, first, known !== null ? total : null);
    if (why !== null) {
      verdict.drop(t.name, why);
      continue;
    }
    factors.set(module, { ...factors.get(module), [param]: t });
    verdict.load(t.name);
  }
  for (const [module, { lora_a: a, lora_b: b }] of factors) {
    if (a && b && a.shape.length === 2 && b.shape.length === 2 && a.shape[1] !== b.shape[0]) {
      return refusal(
        `${quoted(module)}: lora_a [${a.shape.join(', ')}] and lora_b [${b.shape.join(', ')}] are not [in, r] / [r, out] (PEFT's [r, in] / [out, r] orientation?): the forward (x @ lora_a) @ lora_b fails`,
      );
    }
  }
  return verdict.done();
}

/** Why linear_to_lora_layers builds no layer with this parameter on `module`, or null. */
function moduleProblem(module: string, param: Param, config: MlxConfig, first: number, total: number | null): string | null {
  if (config.type === 'full') return 'fine_tune_type is "full": load_adapters builds no LoRA layers, so load_weights(strict=False) ignores LoRA keys';
  if (param === 'm' && config.type !== 'dora')
    return `DoRA magnitude \`.m\` but fine_tune_type is ${quoted(config.type)}: LoRALinear has no m, so load_weights(strict=False) ignores it`;
  const layer = LAYER.exec(module);
  const path = layer ? layer[2] : module;
  if (config.keys !== null && !config.keys.has(path)) {
    return `${quoted(path)} is not in lora_parameters.keys (${config.keys.size === 0 ? 'empty' : shortList([...config.keys])}): no LoRA layer is built there, so the key is ignored`;
  }
  if (!layer)
    return config.keys === null
      ? `${quoted(module)} is outside the model's layers and lora_parameters has no keys: only the layers' modules get LoRA layers, so the key is ignored`
      : null;
  const index = Number(layer[1]);
  if (index < first) {
    const of = total === null ? `the file's highest layer is ${first + config.numLayers - 1}` : `the model has ${total} layers`;
    return `layer ${index} is not among the last num_layers = ${config.numLayers} (${of}): linear_to_lora_layers builds LoRA layers from layer ${first} on, so the key is ignored`;
  }
  return null;
}
