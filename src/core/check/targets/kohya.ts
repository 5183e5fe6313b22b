import type { Adapter } from '../../adapter/model';
import type { Identity } from '../finding';
import { diffusionFamily, storedNames, type DiffusionFamily } from './diffusionFamily';
import type { DroppedKey, LoadJudgement, LoaderRules, TargetFit } from './types';

// kohya sd-scripts' rules, read from kohya-ss/sd-scripts at 48d368f (2026-02): networks/lora.py
// (LoRANetwork: LORA_PREFIX_UNET `lora_unet`, LORA_PREFIX_TEXT_ENCODER `lora_te`, SDXL `lora_te1`
// / `lora_te2`; module names are prefix + module path with `.` → `_`; the U-Net is diffusers-named;
// `create_network_from_weights` reads `lora_down` ranks and `alpha`; `load_weights` calls
// load_state_dict(weights_sd, strict=False), so a key no module has is skipped without a word),
// networks/lora_flux.py (`lora_unet` over BFL's double_blocks/single_blocks, `lora_te1` CLIP-L,
// `lora_te3` T5-XXL) and networks/lora_sd3.py (`lora_unet` over MMDiT joint_blocks, `lora_te1`,
// `lora_te2`, `lora_te3`). A LoRAModule holds lora_down, lora_up and alpha only; LyCORIS's
// algorithms load only through its own network module (`--network_module lycoris.kohya`).

const SOURCE = 'kohya-ss/sd-scripts networks/lora.py, lora_flux.py, lora_sd3.py create_network_from_weights (48d368f)';

const SUFFIXES = ['.lora_down.weight', '.lora_up.weight', '.alpha'] as const;

/** The text-encoder prefixes each network module writes, by family. */
const TEXT_PREFIXES: Readonly<Partial<Record<DiffusionFamily, readonly string[]>>> = {
  'SD 1.x': ['lora_te_'],
  'SD 2.x': ['lora_te_'],
  SDXL: ['lora_te1_', 'lora_te2_'],
  SD3: ['lora_te1_', 'lora_te2_', 'lora_te3_'],
  'FLUX.1': ['lora_te1_', 'lora_te3_'],
};
const ANY_TEXT = ['lora_te_', 'lora_te1_', 'lora_te2_', 'lora_te3_'];

/** `lora_unet_` module names a family's sd-scripts model does not have, and the names it uses instead. */
const FOREIGN_UNET_NAMES: readonly { readonly families: readonly DiffusionFamily[]; readonly pattern: RegExp; readonly reason: string }[] = [
  {
    families: ['SD 1.x', 'SD 2.x', 'SDXL'],
    pattern: /^lora_unet_(input_blocks|middle_block|output_blocks)_/,
    reason: 'LDM/SGM block names (input_blocks, middle_block, output_blocks); the sd-scripts U-Net has diffusers names (down_blocks, mid_block, up_blocks)',
  },
  {
    families: ['FLUX.1'],
    pattern: /^lora_unet_(transformer_blocks|single_transformer_blocks)_/,
    reason: "diffusers Flux names; lora_flux.py's model has BFL names (double_blocks, single_blocks)",
  },
  {
    families: ['SD3'],
    pattern: /^lora_unet_transformer_blocks_/,
    reason: "diffusers SD3 names; lora_sd3.py's MMDiT has joint_blocks",
  },
];

/** LyCORIS algorithm keys (LyCORIS lycoris/modules/*.py names); none is a LoRAModule parameter. */
const LYCORIS_KEY = /\.(hada_w[12]_[ab]|hada_t[12]|lokr_w[12](_[ab])?|lokr_t[12]|oft_blocks|oft_diag|boft_blocks|a1\.weight|a2\.weight|b1\.weight|b2\.weight|lora_mid\.weight)$/;

function judge(adapter: Adapter, identity: Identity): LoadJudgement {
  if (adapter.container === 'gguf') return { loaded: [], dropped: [], refused: 'sd-scripts reads safetensors and torch checkpoints (load_file / torch.load), not GGUF' };
  const names = storedNames(adapter);
  const lycoris = names.find((n) => LYCORIS_KEY.test(n));
  if (lycoris !== undefined) {
    return {
      loaded: [],
      dropped: [],
      refused: `${adapter.formatDetail.startsWith('LyCORIS') ? adapter.formatDetail : 'LyCORIS'} (\`${lycoris}\`): sd-scripts loads it only with LyCORIS installed (--network_module lycoris.kohya); networks/lora.py reads lora_down, lora_up and alpha only`,
    };
  }
  const family = diffusionFamily(identity);
  const text = family === null ? ANY_TEXT : (TEXT_PREFIXES[family] ?? ANY_TEXT);
  const present = new Set(names);
  const loaded: string[] = [];
  const dropped: DroppedKey[] = [];
  for (const name of names) {
    const reason = dropReason(name, present, family, text);
    if (reason === null) loaded.push(name);
    else dropped.push({ key: name, reason });
  }
  return { loaded, dropped, refused: null };
}

function dropReason(name: string, present: ReadonlySet<string>, family: DiffusionFamily | null, text: readonly string[]): string | null {
  if (name.startsWith('lora_unet_')) {
    const foreign = family === null ? undefined : FOREIGN_UNET_NAMES.find((f) => f.families.includes(family) && f.pattern.test(name));
    if (foreign) return foreign.reason;
  } else if (!text.some((p) => name.startsWith(p))) {
    const known = ANY_TEXT.find((p) => name.startsWith(p));
    if (known !== undefined && family !== null) return `\`${known}\` is no text encoder of sd-scripts' ${family} network (${text.join(', ')})`;
    const head = /^[^._]*[._]/.exec(name)?.[0] ?? name;
    return `unknown prefix \`${head}\`: sd-scripts names modules lora_unet_ / ${text.join(' / ')}`;
  }
  const suffix = SUFFIXES.find((s) => name.endsWith(s));
  if (suffix === undefined) {
    const last = name.lastIndexOf('.');
    const tail = last < 0 ? name : name.slice(Math.max(0, name.lastIndexOf('.', last - 1)));
    return `suffix \`${tail}\`: a LoRAModule holds lora_down.weight, lora_up.weight and alpha only (skipped by load_state_dict(strict=False))`;
  }
  const module = name.slice(0, -suffix.length);
  if (module.includes('.')) return 'module name keeps `.` (sd-scripts joins the module path with `_`)';
  if (suffix !== '.lora_down.weight' && !present.has(`${module}.lora_down.weight`))
    return `\`${suffix.slice(1)}\` without \`lora_down.weight\`: create_network_from_weights makes modules from lora_down only`;
  if (suffix === '.lora_down.weight' && !present.has(`${module}.lora_up.weight`))
    return '`lora_down.weight` without `lora_up.weight`: the module keeps its zero-initialized lora_up';
  return null;
}

function fits(adapter: Adapter, identity: Identity): TargetFit {
  const family = diffusionFamily(identity);
  const covered = family !== null && TEXT_PREFIXES[family] !== undefined;
  if (!covered && !(family === null && identity.architecture === null))
    return { fits: false, reason: `sd-scripts' networks cover SD 1.x, SD 2.x, SDXL, SD3 and FLUX.1; this file is ${identity.architecture?.name ?? 'of no known one'}` };
  // sd-scripts is a trainer: its networks load a file to go on training or to merge it, and its
  // users hold files in its own layout. A file in another layout (diffusers, ai-toolkit, LyCORIS)
  // is used through diffusers or ComfyUI, so sd-scripts judges it only when asked (--target kohya).
  if (adapter.format !== 'kohya')
    return { fits: false, reason: `sd-scripts is the trainer of kohya-layout files; this is a ${adapter.formatDetail} file (ask --target kohya to judge it)` };
  return { fits: true, reason: covered ? `sd-scripts trains and loads ${family} LoRAs` : 'kohya key layout' };
}

export const KOHYA_RULES: LoaderRules = { target: 'kohya', source: SOURCE, fits, judge };
