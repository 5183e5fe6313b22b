import { parseStrictJson } from '../safetensors/json';
import type { BuildContext, BuildResult } from './build';
import type { AdaptedModule, OtherTensor } from './model';
import { describeModule } from './structure';
import { toModule } from './toModule';

/**
 * cloneofsimo lora_diffusion files (lora_diffusion/lora.py, save_safeloras_with_embeds): tensors
 * `<model>:<i>:up` / `<model>:<i>:down`, metadata `<model>` = JSON list of the module classes
 * whose Linear/Conv2d children were injected, `<model>:<i>:rank`, and `<token>` = "<embed>" for
 * each textual-inversion embedding saved beside them. LoraInjectedLinear adds
 * `lora_up(lora_down(x)) · scale` with scale = 1.0 (changed only by tune_lora_scale at run
 * time), so s = 1.
 *
 * i counts injected layers in the order `_find_modules` walks the model (model.modules(), then
 * each target's named_modules()), so names are positional. They are mapped to the real module
 * names where the order is known and every shape agrees (SD 1.x/2.x UNets, CLIP text encoders);
 * otherwise the positional names are kept and a warning says so.
 */

const EMBED_FLAG = '<embed>';

/** lora_diffusion's scale: `self.scale = scale` with the default 1.0. */
const SCALE = { scale: 1, alpha: null, rule: 'lora_diffusion adds lora_up(lora_down(x)) · scale with its default scale 1.0, so s = 1', known: true } as const;

interface Positional {
  readonly model: string;
  readonly index: number;
  readonly module: AdaptedModule;
}

export function buildCloneofsimo(ctx: BuildContext): BuildResult {
  const warnings: string[] = [];
  const metadata = ctx.header.metadata ?? {};
  const byModel = new Map<string, Positional[]>();
  for (const parts of ctx.grouped.modules) {
    const structure = describeModule(parts, 'standard');
    const colon = parts.module.lastIndexOf(':');
    const model = parts.module.slice(0, colon);
    const index = Number(parts.module.slice(colon + 1));
    const stated = metadata[`${parts.module}:rank`];
    if (stated !== undefined && Number(stated) !== structure.rank) structure.warnings.push(`the metadata says rank ${stated} but the tensors have rank ${structure.rank}`);
    const list = byModel.get(model) ?? [];
    list.push({ model, index, module: toModule(parts.module, structure, SCALE) });
    byModel.set(model, list);
  }
  const modules: AdaptedModule[] = [];
  for (const [model, list] of byModel) {
    list.sort((a, b) => a.index - b.index);
    const targets = targetClasses(metadata[model]);
    const names = realNames(model, targets, list);
    const contiguous = list.every((p, i) => p.index === i);
    if (names && contiguous) for (let i = 0; i < list.length; i++) modules.push({ ...list[i].module, name: names[i], tensors: list[i].module.tensors });
    else {
      for (const p of list) modules.push(p.module);
      warnings.push(
        `${model}: lora_diffusion names layers by position (${model}:0 … ${model}:${list.length - 1}, targets ${targets ? targets.join(', ') : 'not recorded'}); ` +
          `the real module names depend on the model's layer order and are not known here, so the positional names are kept (base matching and comparisons cannot line them up)`,
      );
    }
  }
  const otherTensors: OtherTensor[] = ctx.grouped.unclassified.map((t) => ({
    name: t.name,
    dtype: t.dtype,
    shape: t.shape,
    role: metadata[t.name] === EMBED_FLAG ? 'token embedding' : 'unrecognized',
  }));
  const embeds = otherTensors.filter((t) => t.role === 'token embedding').length;
  if (otherTensors.length > embeds) warnings.push(`${otherTensors.length - embeds} tensor(s) are not factors of a known scheme and are listed only`);
  return {
    formatDetail: `cloneofsimo lora_diffusion LoRA (model:index:up/down keys${embeds ? `, ${embeds} textual-inversion embedding${embeds === 1 ? '' : 's'}` : ''})`,
    peftType: null,
    baseModel: null,
    modules,
    otherTensors,
    analysable: true,
    warnings,
  };
}

/** The metadata's list of target classes, or null when it is missing or not a list of strings. */
function targetClasses(raw: string | undefined): string[] | null {
  if (raw === undefined || raw.length > 4096) return null;
  try {
    const parsed = parseStrictJson(raw);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string') ? (parsed as string[]).slice().sort() : null;
  } catch {
    return null;
  }
}

/** A module the layer order says comes next, and the shape check that confirms it. */
interface Slot {
  readonly name: string;
  readonly fits: (m: number, n: number) => boolean;
}

const ATTENTION = new Set(['Attention', 'CrossAttention', 'MemoryEfficientCrossAttention']);

/** The real names for the positional modules of one model, or null when they are not known. */
function realNames(model: string, targets: readonly string[] | null, list: readonly Positional[]): string[] | null {
  if (!targets || list.some((p) => p.module.kind !== 'linear')) return null;
  const candidates = model === 'text_encoder' ? clipSlots(targets, list.length) : model === 'unet' ? unetSlots(targets) : [];
  const fitting = candidates.filter((slots) => slots.length === list.length && slots.every((s, i) => s.fits(list[i].module.shape[0], list[i].module.shape[1])));
  return fitting.length === 1 ? fitting[0].map((s) => `${model}.${s.name}`) : null;
}

/**
 * transformers' CLIPAttention registers k_proj, v_proj, q_proj, out_proj in that order
 * (models/clip/modeling_clip.py), all width × width.
 */
function clipSlots(targets: readonly string[], count: number): Slot[][] {
  if (targets.length !== 1 || targets[0] !== 'CLIPAttention' || count % 4 !== 0) return [];
  const slots: Slot[] = [];
  for (let layer = 0; layer < count / 4; layer++)
    for (const proj of ['k_proj', 'v_proj', 'q_proj', 'out_proj']) slots.push({ name: `text_model.encoder.layers.${layer}.self_attn.${proj}`, fits: (m, n) => m === n });
  return [slots];
}

/**
 * The SD 1.x/2.x UNet's transformer blocks (diffusers UNet2DConditionModel): two per down block
 * at widths 320, 640, 1280, one in the mid block, three per up block at 1280, 640, 320. The
 * walk visits down, up and mid blocks in their registration order, and a block's attn1, attn2
 * and ff (GEGLU) in the order its diffusers version registered them; every order is tried and
 * the one the shapes confirm is used.
 */
function unetSlots(targets: readonly string[]): Slot[][] {
  if (!targets.every((t) => ATTENTION.has(t) || t === 'GEGLU') || !targets.some((t) => ATTENTION.has(t))) return [];
  const geglu = targets.includes('GEGLU');
  const down = [0, 1, 2].flatMap((b) => [0, 1].map((a) => ({ path: `down_blocks.${b}.attentions.${a}`, width: 320 << b })));
  const mid = [{ path: 'mid_block.attentions.0', width: 1280 }];
  const up = [1, 2, 3].flatMap((b) => [0, 1, 2].map((a) => ({ path: `up_blocks.${b}.attentions.${a}`, width: 1280 >> (b - 1) })));
  const blockOrders = [
    [...down, ...up, ...mid],
    [...down, ...mid, ...up],
  ];
  const innerOrders = geglu
    ? [
        ['attn1', 'attn2', 'ff'],
        ['attn1', 'ff', 'attn2'],
      ]
    : [['attn1', 'attn2']];
  const result: Slot[][] = [];
  for (const blocks of blockOrders)
    for (const inner of innerOrders)
      result.push(
        blocks.flatMap(({ path, width: w }) =>
          inner.flatMap((part): Slot[] => {
            const base = `${path}.transformer_blocks.0.${part}`;
            if (part === 'ff') return [{ name: `${base}.net.0.proj`, fits: (m, n) => m === 8 * w && n === w }];
            const kv = (m: number, n: number) => m === w && (part === 'attn2' || n === w);
            return [
              { name: `${base}.to_q`, fits: (m, n) => m === w && n === w },
              { name: `${base}.to_k`, fits: kv },
              { name: `${base}.to_v`, fits: kv },
              { name: `${base}.to_out.0`, fits: (m, n) => m === w && n === w },
            ];
          }),
        ),
      );
  return result;
}
