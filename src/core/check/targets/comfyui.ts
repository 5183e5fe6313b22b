import type { Adapter } from '../../adapter/model';
import type { Identity } from '../finding';
import { diffusionFamily, looksDiffusion, storedNames, UNET_FAMILIES } from './diffusionFamily';
import type { DroppedKey, LoadJudgement, LoaderRules, TargetFit } from './types';

// ComfyUI's LoRA key rules, read from comfyanonymous/ComfyUI comfy/lora.py at 41444b5
// (`load_lora`: the suffixes looked up per module, "lora key not loaded" for every other key;
// `model_lora_keys_unet` / `model_lora_keys_clip`: the module-name prefixes its key map holds)
// and comfy/weight_adapter/lora.py at 0323d87 (`LoRAAdapter.load`: the mochi `.lora_B` and
// `.lora_B.default.weight` pairs), comfy/weight_adapter/oft.py and boft.py (`.oft_blocks`, 3-D
// for OFT and 4-D for BOFT, read with `.rescale`). ComfyUI builds its key map from the loaded model's own state
// dict, so these rules judge the prefix family and the suffix; the module names themselves are
// matched by the model at load time.

const SOURCE = 'comfyanonymous/ComfyUI comfy/lora.py load_lora, model_lora_keys_unet/_clip (41444b5); comfy/weight_adapter/lora.py (0323d87)';

/** An "up" factor load_lora looks for and the "down" factor it then reads unconditionally (a KeyError without it). */
const PAIRS: readonly (readonly [string, string])[] = [
  ['.lora_up.weight', '.lora_down.weight'],
  ['_lora.up.weight', '_lora.down.weight'],
  ['.lora_B.weight', '.lora_A.weight'],
  ['.lora.up.weight', '.lora.down.weight'],
  ['.lora_B', '.lora_A'],
  ['.lora_linear_layer.up.weight', '.lora_linear_layer.down.weight'],
  ['.lora_B.default.weight', '.lora_A.default.weight'],
];

/** LoHa and GLoRA: the first key present makes load_lora read the rest. */
const GROUPS: readonly (readonly string[])[] = [
  ['.hada_w1_a', '.hada_w1_b', '.hada_w2_a', '.hada_w2_b'],
  ['.a1.weight', '.a2.weight', '.b1.weight', '.b2.weight'],
];

/** Suffixes read on their own whenever the module is in the key map. */
const SINGLE = [
  '.alpha',
  '.dora_scale',
  '.reshape_weight',
  '.lokr_w1',
  '.lokr_w2',
  '.lokr_w1_a',
  '.lokr_w1_b',
  '.lokr_w2_a',
  '.lokr_w2_b',
  '.lokr_t2',
  '.w_norm',
  '.diff',
  '.diff_b',
  '.set_weight',
];

/** Read only beside another: `lora_mid` with `lora_up`, `hada_t1/t2` with `hada_w1_a`, `b_norm` with `w_norm`. */
const COMPANIONS: readonly (readonly [string, string])[] = [
  ['.lora_mid.weight', '.lora_up.weight'],
  ['.hada_t1', '.hada_w1_a'],
  ['.hada_t2', '.hada_w1_a'],
  ['.b_norm', '.w_norm'],
  ['.rescale', '.oft_blocks'],
];

const ALL_SUFFIXES = [...PAIRS.flat(), ...GROUPS.flat(), ...SINGLE, '.oft_blocks', ...COMPANIONS.map(([s]) => s)].sort((a, b) => b.length - a.length);

/**
 * Module-name prefixes model_lora_keys_unet / _clip put in the key map. `joined` prefixes take the
 * module path with `.` replaced by `_`; `dit` ones exist only for DiT models (SD3, Flux,
 * AuraFlow, HunyuanDiT, …), `unet` ones only for U-Nets (the diffusers U-Net names).
 */
const PREFIXES: readonly { readonly prefix: string; readonly joined: boolean; readonly only?: 'dit' | 'unet' }[] = [
  { prefix: 'lora_unet_', joined: true },
  { prefix: 'lora_prior_unet_', joined: true },
  { prefix: 'lora_te_', joined: true },
  { prefix: 'lora_te1_', joined: true },
  { prefix: 'lora_te2_', joined: true },
  { prefix: 'lora_te3_', joined: true },
  { prefix: 'lora_prior_te_', joined: true },
  { prefix: 'lycoris_', joined: true },
  { prefix: 'lora_transformer_', joined: true, only: 'dit' },
  { prefix: 'diffusion_model.', joined: false },
  { prefix: 'text_encoders.', joined: false },
  { prefix: 'text_encoder.', joined: false },
  { prefix: 'text_encoder_2.', joined: false },
  { prefix: 'transformer.', joined: false, only: 'dit' },
  { prefix: 'base_model.model.', joined: false, only: 'dit' },
  { prefix: 'unet.', joined: false, only: 'unet' },
  { prefix: 'down_blocks.', joined: false, only: 'unet' },
  { prefix: 'mid_block.', joined: false, only: 'unet' },
  { prefix: 'up_blocks.', joined: false, only: 'unet' },
];

function split(name: string): { module: string; suffix: string } | null {
  const suffix = ALL_SUFFIXES.find((s) => name.endsWith(s) && name.length > s.length);
  return suffix === undefined ? null : { module: name.slice(0, -suffix.length), suffix };
}

/** Why the key map cannot hold `module`, or null when its prefix is one ComfyUI maps. */
function prefixProblem(module: string, identity: Identity): string | null {
  const entry = PREFIXES.find((p) => module.startsWith(p.prefix));
  if (!entry) return `unknown prefix \`${firstSegment(module)}\` (model_lora_keys_unet/_clip map none like it)`;
  if (entry.joined && module.includes('.')) return `\`${entry.prefix}\` name keeps \`.\` in its module path (the key map joins it with \`_\`)`;
  // The diffusers U-Net names enter the key map with `.to_q` → `.processor.to_q` and `to_out.0` → `to_out`.
  if (entry.only === 'unet' && /\.to_(q|k|v|out)(\.0)?$/.test(module) && !module.includes('.processor.')) {
    return 'diffusers U-Net attention name without `.processor.` (the key map holds `….processor.to_q`, `….processor.to_out`)';
  }
  const family = diffusionFamily(identity);
  if (family === null || entry.only === undefined) return null;
  const unet = UNET_FAMILIES.includes(family);
  if (entry.only === 'dit' && unet) return `\`${entry.prefix}\` names a DiT's modules; ${family} is a U-Net`;
  if (entry.only === 'unet' && !unet) return `\`${entry.prefix}\` names diffusers U-Net modules; ${family} has no U-Net`;
  return null;
}

function firstSegment(name: string): string {
  const m = /^[^._]*[._]/.exec(name);
  return m ? m[0] : name;
}

function judge(adapter: Adapter, identity: Identity): LoadJudgement {
  if (adapter.container === 'gguf') return { loaded: [], dropped: [], refused: 'comfy.utils.load_torch_file reads safetensors and torch checkpoints, not GGUF' };
  const names = storedNames(adapter);
  const present = new Set(names);
  const dims = new Map(adapter.header.tensors.map((t) => [t.name, t.shape.length]));
  const loaded: string[] = [];
  const dropped: DroppedKey[] = [];
  for (const name of names) {
    const parts = split(name);
    if (!parts) {
      dropped.push({ key: name, reason: 'a suffix load_lora reads for no adapter type ("lora key not loaded")' });
      continue;
    }
    const problem = prefixProblem(parts.module, identity);
    if (problem !== null) {
      dropped.push({ key: name, reason: problem });
      continue;
    }
    const has = (suffix: string): boolean => present.has(parts.module + suffix);
    const down = PAIRS.find(([, d]) => d === parts.suffix);
    const up = PAIRS.find(([u]) => u === parts.suffix);
    if (up && !has(up[1])) return { loaded: [], dropped: [], refused: `\`${name}\` without its \`${up[1]}\`: load_lora raises KeyError` };
    if (down && !has(down[0])) {
      dropped.push({ key: name, reason: `\`${down[1]}\` without \`${down[0]}\`, which load_lora looks for first` });
      continue;
    }
    const group = GROUPS.find((g) => g.includes(parts.suffix));
    if (group) {
      const missing = group.find((s) => !has(s));
      if (has(group[0]) && missing !== undefined) return { loaded: [], dropped: [], refused: `\`${parts.module}${group[0]}\` without \`${missing}\`: load_lora raises KeyError` };
      if (!has(group[0])) {
        dropped.push({ key: name, reason: `\`${parts.suffix}\` without \`${group[0]}\`, which load_lora looks for first` });
        continue;
      }
    }
    const blockDims = dims.get(parts.module + '.oft_blocks');
    if (parts.suffix === '.oft_blocks' && blockDims !== 3 && blockDims !== 4) {
      dropped.push({ key: name, reason: `\`.oft_blocks\` of ${blockDims ?? 0} dimensions: OFT reads 3-D blocks, BOFT 4-D` });
      continue;
    }
    if (parts.suffix === '.rescale' && blockDims !== 3 && blockDims !== 4) {
      dropped.push({ key: name, reason: '`.rescale` is read only beside 3-D or 4-D `.oft_blocks`' });
      continue;
    }
    const companion = COMPANIONS.find(([s]) => s === parts.suffix);
    if (companion && !has(companion[1])) {
      dropped.push({ key: name, reason: `\`${companion[0]}\` is read only beside \`${companion[1]}\`` });
      continue;
    }
    loaded.push(name);
  }
  return { loaded, dropped, refused: null };
}

function fits(adapter: Adapter, identity: Identity): TargetFit {
  if (looksDiffusion(adapter, identity)) return { fits: true, reason: `ComfyUI loads ${identity.architecture?.name ?? 'kohya/LyCORIS/diffusers'} LoRAs` };
  return { fits: false, reason: `ComfyUI loads image and video model LoRAs; this file is ${identity.architecture?.name ?? 'of no known diffusion model'}` };
}

export const COMFYUI_RULES: LoaderRules = { target: 'comfyui', source: SOURCE, fits, judge };
