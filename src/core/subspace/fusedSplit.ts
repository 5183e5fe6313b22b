import type { AdaptedModule, FactorRef } from '../adapter/model';
import { baseModuleKey } from './names';

/**
 * A fused FLUX or Lumina2 weight adapted whole on one side (kohya's `img_attn_qkv`, `linear1`: one down
 * factor, one up factor over all rows) and slice by slice on the other (diffusers' to_q/to_k/to_v,
 * OneTrainer's `qkv.0/1/2`). Slice i of the fused update is the up factor's row block i times the
 * shared down factor, which is how diffusers itself splits a kohya FLUX LoRA
 * (loaders/lora_conversion_utils.py, `_convert_to_ai_toolkit_cat`: down copied, up split by rows
 * at [h, h, h] for qkv and [h, h, h, 4h] for linear1). So the fused module is compared as those
 * slices, each against its partner.
 */
const FUSED: readonly { readonly pattern: RegExp; readonly blocks: number; readonly slices: readonly (readonly [number, number])[] }[] = [
  // q, k, v: three equal row blocks.
  {
    pattern: /double_blocks_\d+_(?:img|txt)_attn_qkv$/,
    blocks: 3,
    slices: [
      [0, 1],
      [1, 1],
      [2, 1],
    ],
  },
  // q, k, v of hidden rows each, then the MLP's 4 × hidden: seven blocks of hidden rows.
  {
    pattern: /single_blocks_\d+_linear1$/,
    blocks: 7,
    slices: [
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 4],
    ],
  },
  // Lumina2's attention.qkv: q of 24 heads, k and v of 8 each (diffusers'
  // _convert_non_diffusers_lumina2_lora_to_diffusers splits the up factor at [2304, 768, 768]).
  {
    pattern: /(?:^|_)(?:noise_refiner|context_refiner|layers)_\d+_attention_qkv$/,
    blocks: 5,
    slices: [
      [0, 3],
      [3, 1],
      [4, 1],
    ],
  },
];

const PARTS: readonly (readonly string[])[] = [
  ['q', 'k', 'v'],
  ['q', 'k', 'v', 'mlp'],
  ['q', 'k', 'v'],
];

/** `side`'s modules, each fused one that `other` adapts slice by slice replaced by its slices. */
export function expandFused(side: readonly AdaptedModule[], other: readonly AdaptedModule[]): readonly AdaptedModule[] {
  let otherKeys: Set<string> | null = null;
  const out: AdaptedModule[] = [];
  for (const m of side) {
    const key = baseModuleKey(m.name);
    const rule = FUSED.findIndex((f) => f.pattern.test(key.path));
    const f = m.factors;
    if (rule < 0 || f?.type !== 'lowRank' || f.mixer || f.mid || f.diagonal || f.B.block || f.A.block || m.shape[0] % FUSED[rule].blocks !== 0) {
      out.push(m);
      continue;
    }
    otherKeys ??= new Set(other.map((o) => baseModuleKey(o.name).key));
    if (!otherKeys.has(`${key.key}_0`)) {
      out.push(m);
      continue;
    }
    const { blocks, slices } = FUSED[rule];
    const per = m.shape[0] / blocks;
    slices.forEach(([index, span], i) => {
      const B: FactorRef = { ...f.B, block: { index, count: blocks, ...(span > 1 ? { span } : {}) } };
      const rows = per * span;
      out.push({
        ...m,
        name: `${m.name}.${i}`,
        shape: [rows, m.shape[1]],
        maxRank: Math.min(rows, m.shape[1], m.rank),
        factors: { ...f, B },
        fusedSlice: { weight: m.name, index: i, part: PARTS[rule][i] },
      });
    });
  }
  return out;
}
