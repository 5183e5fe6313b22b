import type { Adapter } from '../../adapter/model';
import type { Identity } from '../finding';
import { diffusionFamily, looksDiffusion, storedNames, UNET_FAMILIES, type DiffusionFamily } from './diffusionFamily';
import type { DroppedKey, LoadJudgement, LoaderRules, TargetFit } from './types';

// diffusers' rules, read from huggingface/diffusers main at 58eb52c (2026-08):
// src/diffusers/loaders/lora_pipeline.py, each pipeline's `lora_state_dict` and
// `load_lora_weights` (every one filters `dora_scale` keys out with a warning; a state dict with
// no `lora` key is "Invalid LoRA checkpoint"; the transformer / unet / text encoder loaders keep
// only the keys under their own prefix), and src/diffusers/loaders/lora_conversion_utils.py, the
// converters each pipeline calls on a non-diffusers layout: SD/SDXL kohya
// `_convert_non_diffusers_lora_to_diffusers` (only when every key is lora_unet_/lora_te_/lora_te1_/
// lora_te2_; a leftover key raises "have not been correctly renamed"), Flux kohya
// `_convert_kohya_flux_lora_to_diffusers` (filters T5, diff_b, norm diff, position_embedding and
// text_projection keys; a lora_unet_ key that is no BFL block raises "Incompatible keys"),
// XLabs `_convert_xlabs_flux_lora_to_diffusers`, and the Wan (diffusion_model./musubi
// lora_unet_), LTX-Video (diffusion_model.), HunyuanVideo (img_attn_qkv) and Qwen-Image
// (diffusion_model./lora_unet_/alpha) converters, judged here by the suffixes they convert.

const SOURCE = 'huggingface/diffusers loaders/lora_pipeline.py lora_state_dict, loaders/lora_conversion_utils.py (58eb52c)';

const KOHYA_SD = ['lora_te_', 'lora_unet_', 'lora_te1_', 'lora_te2_'] as const;
const KOHYA_SUFFIXES = ['.lora_down.weight', '.lora_up.weight', '.alpha'] as const;
/** The suffixes the DiT converters (Wan, LTX, HunyuanVideo, Qwen-Image) rename. */
const CONVERTED_SUFFIXES = ['.lora_down.weight', '.lora_up.weight', '.lora_A.weight', '.lora_B.weight', '.alpha', '.diff', '.diff_b'] as const;

/** BFL Flux module names `_convert_sd_scripts_to_ai_toolkit` converts (after `lora_unet_`). */
const BFL_FLUX =
  /^lora_unet_(double_blocks_\d+_(img|txt)_(attn_(qkv|proj)|mlp_[02]|mod_lin)|single_blocks_\d+_(linear[12]|modulation_lin)|img_in|txt_in|(time|vector|guidance)_in_(in|out)_layer|final_layer_(linear|adaLN_modulation_1))$/;
/** XLabs Flux processor keys `_convert_xlabs_flux_lora_to_diffusers` renames. */
const XLABS = /^(diffusion_model\.)?(double_blocks|single_blocks)\.\d+\.processor\.(qkv|proj)_lora[12]?\.(down|up)\.weight$/;

/** Which non-diffusers layout makes a DiT pipeline's lora_state_dict call its converter. */
const DIT_CONVERTERS: Readonly<Partial<Record<DiffusionFamily, { readonly name: string; readonly applies: (names: readonly string[]) => boolean }>>> = {
  Wan: {
    name: '_convert_non_diffusers_wan_lora_to_diffusers / _convert_musubi_wan_lora_to_diffusers',
    applies: (n) => n.some((k) => k.startsWith('diffusion_model.') || k.startsWith('lora_unet_')),
  },
  'LTX-Video': { name: '_convert_non_diffusers_ltxv_lora_to_diffusers', applies: (n) => n.some((k) => k.startsWith('diffusion_model.')) },
  HunyuanVideo: { name: '_convert_hunyuan_video_lora_to_diffusers', applies: (n) => n.some((k) => k.includes('img_attn_qkv')) },
  'Qwen-Image': {
    name: '_convert_non_diffusers_qwen_lora_to_diffusers',
    applies: (n) => n.some((k) => k.endsWith('.alpha') || k.startsWith('lora_unet_') || k.startsWith('diffusion_model.') || k.includes('default.')),
  },
};

type Verdict = { loaded: string[]; dropped: DroppedKey[] };

function refuse(reason: string): LoadJudgement {
  return { loaded: [], dropped: [], refused: reason };
}

function judge(adapter: Adapter, identity: Identity): LoadJudgement {
  if (adapter.container === 'gguf') return refuse('lora_state_dict reads safetensors and torch checkpoints, not GGUF');
  const names = storedNames(adapter);
  const dora: DroppedKey[] = names
    .filter((k) => k.includes('dora_scale'))
    .map((key) => ({ key, reason: '`dora_scale` filtered out by lora_state_dict ("a DoRA checkpoint that is not compatible in Diffusers")' }));
  const rest = names.filter((k) => !k.includes('dora_scale'));
  const family = diffusionFamily(identity);
  const judged = family === 'FLUX.1' ? flux(rest) : family === null || UNET_FAMILIES.includes(family) ? unet(rest, family) : dit(rest, family);
  if ('refused' in judged) return judged;
  return { loaded: judged.loaded, dropped: [...dora, ...judged.dropped], refused: null };
}

/** StableDiffusion(XL)LoraLoaderMixin: the kohya conversion when every key is kohya's, else the PEFT prefixes. */
function unet(names: readonly string[], family: DiffusionFamily | null): Verdict | LoadJudgement {
  if (names.length > 0 && names.every((k) => KOHYA_SD.some((p) => k.startsWith(p)))) {
    const present = new Set(names);
    const parts = (key: string): [string, string] => {
      const dot = key.indexOf('.');
      return dot < 0 ? [key, ''] : [key.slice(0, dot), key.slice(dot)];
    };
    const leftover =
      names.find((k) => !(KOHYA_SUFFIXES as readonly string[]).includes(parts(k)[1])) ??
      names.find((k) => !present.has(`${parts(k)[0]}.lora_down.weight`) || !present.has(`${parts(k)[0]}.lora_up.weight`));
    if (leftover !== undefined) {
      return refuse(
        `_convert_non_diffusers_lora_to_diffusers raises "The following keys have not been correctly renamed" for \`${leftover}\` (it converts lora_down/lora_up pairs and alpha only)`,
      );
    }
    const v: Verdict = { loaded: [], dropped: [] };
    for (const key of names) {
      if (key.startsWith('lora_te2_') && family !== null && family !== 'SDXL')
        v.dropped.push({ key, reason: `\`lora_te2_\` becomes text_encoder_2, which the ${family} pipeline has not` });
      else v.loaded.push(key);
    }
    return v;
  }
  return peft(
    names,
    family === 'SDXL' || family === null ? ['unet.', 'text_encoder.', 'text_encoder_2.'] : ['unet.', 'text_encoder.'],
    'load_lora_into_unet / load_lora_into_text_encoder',
  );
}

/** The diffusers/PEFT layout: keys under the pipeline's component prefixes, each naming `lora`. */
function peft(names: readonly string[], prefixes: readonly string[], loader: string): Verdict | LoadJudgement {
  const lora = names.filter((k) => k.includes('lora'));
  if (lora.length === 0) return refuse('"Invalid LoRA checkpoint. Make sure all LoRA param names contain `lora` substring."');
  const v: Verdict = { loaded: [], dropped: [] };
  for (const key of names) {
    const under = prefixes.some((p) => key.startsWith(p));
    if (under && key.includes('lora')) v.loaded.push(key);
    else if (under && /\.alpha$/.test(key)) v.loaded.push(key);
    else if (KOHYA_SD.some((p) => key.startsWith(p)) || key.startsWith('lora_te3_')) {
      v.dropped.push({ key, reason: 'a kohya key among diffusers keys: the kohya conversion runs only when every key is kohya-named' });
    } else v.dropped.push({ key, reason: `unknown prefix \`${key.split('.')[0] ?? key}.\`: ${loader} keep only keys under ${prefixes.map((p) => `\`${p}\``).join(', ')}` });
  }
  return v;
}

/** FluxLoraLoaderMixin.lora_state_dict: kohya, then XLabs, BFL control, fal Kontext, else diffusers keys. */
function flux(names: readonly string[]): Verdict | LoadJudgement {
  const v: Verdict = { loaded: [], dropped: [] };
  if (names.some((k) => k.includes('.lora_down.weight'))) {
    if (names.some((k) => k.startsWith('lora_transformer_'))) {
      const stray = names.find((k) => !k.startsWith('lora_transformer_') && !k.startsWith('lora_te1_'));
      if (stray !== undefined) return refuse(`_convert_mixture_state_dict_to_diffusers asserts every key is lora_transformer_/lora_te1_; \`${stray}\` is not`);
      return { loaded: [...names], dropped: [] };
    }
    for (const key of names) {
      const renamed = key.replace('diffusion_model.', 'lora_unet_').replace('text_encoders.clip_l.transformer.', 'lora_te_');
      const reason = fluxKohyaDrop(key, renamed);
      if (reason === 'refuse')
        return refuse(`_convert_kohya_flux_lora_to_diffusers raises "Incompatible keys detected" for \`${key}\` (not a BFL Flux block: double_blocks, single_blocks, img_in, …)`);
      if (reason === null) v.loaded.push(key);
      else v.dropped.push({ key, reason });
    }
    return v;
  }
  if (names.some((k) => k.includes('processor'))) {
    const stray = names.find((k) => !XLABS.test(k));
    if (stray !== undefined) return refuse(`_convert_xlabs_flux_lora_to_diffusers raises ("should be empty at this point") for \`${stray}\``);
    return { loaded: [...names], dropped: [] };
  }
  // BFL control LoRAs (`query_norm.scale`) and fal Kontext ones (`base_model`) have their own converters.
  if (names.some((k) => k.includes('query_norm.scale') || k.includes('base_model'))) return { loaded: [...names], dropped: [] };
  return peft(names, ['transformer.', 'text_encoder.'], 'load_lora_into_transformer / load_lora_into_text_encoder');
}

/** Why the Flux kohya conversion skips `key` (`renamed` after its diffusion_model./text_encoders renames); 'refuse' where it raises. */
function fluxKohyaDrop(key: string, renamed: string): string | 'refuse' | null {
  if (key.includes('position_embedding')) return '`position_embedding` LoRA params are filtered out (unsupported)';
  if (key.startsWith('text_encoders.t5xxl.transformer.') || key.startsWith('lora_te3_')) return 'T5-XXL keys are filtered out (unsupported)';
  if (key.includes('.diff_b')) return '`diff_b` keys are filtered out (unsupported)';
  if (key.includes('.norm') && key.includes('.diff')) return 'norm `diff` keys are filtered out (unsupported)';
  if (!['lora_unet_', 'lora_te_', 'lora_te1_'].some((p) => renamed.startsWith(p)))
    return `unknown prefix \`${key.split(/[._]/)[0] ?? key}\`: only lora_unet_/lora_te_/lora_te1_ keys are converted`;
  if (key.includes('text_projection')) return '`text_projection` keys are filtered out (unexpected)';
  const dot = renamed.indexOf('.');
  const module = dot < 0 ? renamed : renamed.slice(0, dot);
  const suffix = dot < 0 ? '' : renamed.slice(dot);
  const known = (KOHYA_SUFFIXES as readonly string[]).includes(suffix);
  if (module.startsWith('lora_unet_')) return BFL_FLUX.test(module) && known ? null : 'refuse';
  return known ? null : `suffix \`${suffix}\` on a text-encoder key: "Unsupported keys for ai-toolkit" (skipped)`;
}

/** SD3, Wan, HunyuanVideo, LTX-Video, Qwen-Image: the family's converter when its layout is there, else the diffusers prefixes. */
function dit(names: readonly string[], family: DiffusionFamily): Verdict | LoadJudgement {
  const converter = DIT_CONVERTERS[family];
  if (converter?.applies(names)) {
    const stray = names.find((k) => !CONVERTED_SUFFIXES.some((s) => k.endsWith(s)));
    if (stray !== undefined)
      return refuse(`${converter.name} raises ("state_dict should be empty at this point") for \`${stray}\`: it converts lora_down/lora_up/lora_A/lora_B/alpha/diff keys only`);
    return { loaded: [...names], dropped: [] };
  }
  return peft(
    names,
    family === 'SD3' ? ['transformer.', 'text_encoder.', 'text_encoder_2.'] : ['transformer.', 'text_encoder.'],
    'load_lora_into_transformer / load_lora_into_text_encoder',
  );
}

function fits(adapter: Adapter, identity: Identity): TargetFit {
  if (looksDiffusion(adapter, identity)) return { fits: true, reason: `diffusers pipelines load ${identity.architecture?.name ?? 'kohya/diffusers'} LoRAs (load_lora_weights)` };
  return { fits: false, reason: `diffusers loads image and video model LoRAs; this file is ${identity.architecture?.name ?? 'of no known diffusion model'}` };
}

export const DIFFUSERS_RULES: LoaderRules = { target: 'diffusers', source: SOURCE, fits, judge };
