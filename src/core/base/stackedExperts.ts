import { DTYPE_BITS, type TensorInfo } from '../safetensors/types';
import type { BaseWeight } from './baseModel';

/**
 * Base checkpoints that store a layer's experts stacked in one 3-D tensor, and the block of it
 * one expert's linear layer is:
 * - mlx-lm `…mlp.switch_mlp.<proj>.weight` [E, out, in] (mlx_lm/models/switch_layers.py,
 *   SwitchLinear: weight of shape (num_experts, output_dims, input_dims)).
 * - transformers' fused experts `…mlp.experts.gate_up_proj` [E, 2·I, H] and `…experts.down_proj`
 *   [E, H, I] (models/mixtral, qwen3_moe, olmoe modeling files, MixtralExperts: gate and up are
 *   `linear(x, gate_up_proj[e]).chunk(2, dim=-1)`, so gate is rows 0…I and up rows I…2I). Llama 4
 *   and gpt-oss store them in×out ([E, H, 2·I], [E, I, H]): a down_proj is then read transposed;
 *   their gate and up are columns of gate_up_proj (gpt-oss interleaves them), not a block.
 * A block is a run of whole rows of one expert's matrix, so it is read at its offsets like any
 * 2-D weight and the stacked tensor is never read whole.
 */
const MLX = /^(.+)\.switch_mlp\.(gate_proj|up_proj|down_proj)\.weight$/;
const FUSED = /^(.+)\.experts\.(gate_up_proj|down_proj)$/;
const EXPERT = /^(.+)\.experts\.(\d{1,6})\.(gate_proj|up_proj|down_proj)$/;

/** A stacked experts tensor: the MoE block it belongs to and the projection(s) it holds. */
export interface StackedWeight {
  readonly weight: BaseWeight;
  /** The MoE block's module path (`model.layers.0.mlp`). */
  readonly block: string;
  readonly projection: 'gate_proj' | 'up_proj' | 'down_proj' | 'gate_up_proj';
  readonly layout: 'mlx' | 'fused';
}

export function stackedWeightOf(weight: BaseWeight): StackedWeight | null {
  if (weight.info.shape.length !== 3) return null;
  const mlx = MLX.exec(weight.name);
  if (mlx) return { weight, block: mlx[1], projection: mlx[2] as StackedWeight['projection'], layout: 'mlx' };
  const fused = FUSED.exec(weight.name);
  if (fused) return { weight, block: fused[1], projection: fused[2] as StackedWeight['projection'], layout: 'fused' };
  return null;
}

/** `model.layers.0.mlp.experts.2.down_proj` → its MoE block, expert and projection. */
export function expertOf(module: string): { block: string; expert: number; projection: string } | null {
  const m = EXPERT.exec(module);
  return m ? { block: m[1], expert: Number(m[2]), projection: m[3] } : null;
}

/**
 * Expert `e`'s matrix (or its gate/up half of a fused gate_up_proj) in a stacked tensor, as a
 * weight of its own: rows `first … first + rows` of the [a, b] block at index `e`. Null when the
 * block is not a whole number of bytes (a sub-byte dtype) or lies outside the tensor.
 */
export function expertBlock(stacked: BaseWeight, e: number, first: number, rows: number): BaseWeight | null {
  const [E, a, b] = stacked.info.shape;
  if (!Number.isSafeInteger(e) || e < 0 || e >= E || first < 0 || rows <= 0 || first + rows > a) return null;
  const bits = DTYPE_BITS[stacked.info.dtype];
  const startBits = (e * a + first) * b * bits;
  const lengthBits = rows * b * bits;
  if (startBits % 8 !== 0 || lengthBits % 8 !== 0) return null;
  const start = stacked.info.start + startBits / 8;
  const end = start + lengthBits / 8;
  if (end > stacked.info.end) return null;
  const info: TensorInfo = {
    name: `${stacked.name}[${e}]${first === 0 && rows === a ? '' : `[${first}:${first + rows}]`}`,
    dtype: stacked.info.dtype,
    shape: [rows, b],
    elements: rows * b,
    start,
    end,
  };
  return { name: info.name, info, file: stacked.file };
}
