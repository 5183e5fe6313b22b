import type { FixtureTensor } from './fixtures';
import { gaussian } from './factors';
import type { Rng } from './random';
import type { Dense } from './referenceSvd';

/**
 * FLUX.1 LoRA fixtures with the exact key names of each writer. Sizes of FLUX.1-dev
 * (black-forest-labs/flux, src/flux/model.py FluxParams: hidden_size 3072, mlp_ratio 4 → 12288,
 * 19 double and 38 single blocks; block counts scaled down here, shapes kept).
 */
export const FLUX_DEV = { hidden: 3072, mlp: 12288 } as const;

/** One BFL weight a FLUX LoRA adapts: its path and ΔW's [out, in]. */
export interface FluxTarget {
  readonly path: string;
  readonly m: number;
  readonly n: number;
}

/** The Linear layers kohya's lora_flux.py adapts in each block (DoubleStreamBlock, SingleStreamBlock). */
export function fluxTargets(hidden: number, mlp: number, doubles: number, singles: number): FluxTarget[] {
  const out: FluxTarget[] = [];
  for (let i = 0; i < doubles; i++)
    for (const s of ['img', 'txt'])
      out.push(
        { path: `double_blocks.${i}.${s}_attn.qkv`, m: 3 * hidden, n: hidden },
        { path: `double_blocks.${i}.${s}_attn.proj`, m: hidden, n: hidden },
        { path: `double_blocks.${i}.${s}_mlp.0`, m: mlp, n: hidden },
        { path: `double_blocks.${i}.${s}_mlp.2`, m: hidden, n: mlp },
        { path: `double_blocks.${i}.${s}_mod.lin`, m: 6 * hidden, n: hidden },
      );
  for (let i = 0; i < singles; i++)
    out.push(
      { path: `single_blocks.${i}.linear1`, m: 3 * hidden + mlp, n: hidden },
      { path: `single_blocks.${i}.linear2`, m: hidden, n: hidden + mlp },
      { path: `single_blocks.${i}.modulation.lin`, m: 3 * hidden, n: hidden },
    );
  return out;
}

export interface FluxPair {
  readonly target: FluxTarget;
  readonly up: Dense;
  readonly down: Dense;
}

export function fluxPairs(rng: Rng, targets: readonly FluxTarget[], r: number): FluxPair[] {
  return targets.map((target) => ({ target, up: gaussian(rng, target.m, r), down: gaussian(rng, r, target.n) }));
}

/** kohya sd-scripts networks/lora_flux.py: `lora_unet_` + the path with `.` → `_`, lora_down/lora_up/alpha. */
export function kohyaFluxTensors(pairs: readonly FluxPair[], alpha: number, dtype: 'F32' | 'F64' = 'F32'): FixtureTensor[] {
  return pairs.flatMap(({ target, up, down }) => {
    const name = `lora_unet_${target.path.replace(/\./g, '_')}`;
    return [
      { name: `${name}.lora_down.weight`, shape: [down.rows, down.cols], values: down.data, dtype },
      { name: `${name}.lora_up.weight`, shape: [up.rows, up.cols], values: up.data, dtype },
      { name: `${name}.alpha`, shape: [], values: [alpha], dtype: 'F32' as const },
    ];
  });
}

/** The diffusers names of a BFL path and the row split of its up factor (lora_conversion_utils.py, _convert_kohya_flux_lora_to_diffusers). */
function diffusersSplit(path: string, hidden: number, mlp: number): { names: string[]; rows: number[] } {
  const [kind, i, ...rest] = path.split('.');
  const tail = rest.join('.');
  if (kind === 'double_blocks') {
    const b = `transformer.transformer_blocks.${i}`;
    const single: Record<string, string> = {
      'img_attn.proj': 'attn.to_out.0',
      'txt_attn.proj': 'attn.to_add_out',
      'img_mlp.0': 'ff.net.0.proj',
      'img_mlp.2': 'ff.net.2',
      'txt_mlp.0': 'ff_context.net.0.proj',
      'txt_mlp.2': 'ff_context.net.2',
      'img_mod.lin': 'norm1.linear',
      'txt_mod.lin': 'norm1_context.linear',
    };
    if (tail === 'img_attn.qkv') return { names: ['to_q', 'to_k', 'to_v'].map((p) => `${b}.attn.${p}`), rows: [hidden, hidden, hidden] };
    if (tail === 'txt_attn.qkv') return { names: ['add_q_proj', 'add_k_proj', 'add_v_proj'].map((p) => `${b}.attn.${p}`), rows: [hidden, hidden, hidden] };
    return { names: [`${b}.${single[tail]}`], rows: [] };
  }
  const b = `transformer.single_transformer_blocks.${i}`;
  if (tail === 'linear1') return { names: ['attn.to_q', 'attn.to_k', 'attn.to_v', 'proj_mlp'].map((p) => `${b}.${p}`), rows: [hidden, hidden, hidden, mlp] };
  return { names: [`${b}.${tail === 'linear2' ? 'proj_out' : 'norm.linear'}`], rows: [] };
}

/**
 * What diffusers' converter (and ai-toolkit's diffusers save) holds for the same LoRA: PEFT-style
 * `transformer.…lora_A.weight`, fused up factors split by rows with the down factor copied, the
 * scale alpha/r folded into the factors (so no alpha is stored).
 */
export function diffusersFluxTensors(pairs: readonly FluxPair[], scale: number, hidden: number, mlp: number, dtype: 'F32' | 'F64' = 'F64'): FixtureTensor[] {
  const out: FixtureTensor[] = [];
  for (const { target, up, down } of pairs) {
    const { names, rows } = diffusersSplit(target.path, hidden, mlp);
    const downScaled = Array.from(down.data, (x) => x * scale);
    const r = down.rows;
    let row = 0;
    names.forEach((name, k) => {
      const count = rows.length ? rows[k] : up.rows;
      out.push({ name: `${name}.lora_A.weight`, shape: [r, down.cols], values: downScaled, dtype });
      out.push({ name: `${name}.lora_B.weight`, shape: [count, r], values: up.data.slice(row * r, (row + count) * r), dtype });
      row += count;
    });
  }
  return out;
}
