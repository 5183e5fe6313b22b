import type { TensorInfo } from '../safetensors/types';
import { numberField, objectField, stringField } from './config';
import type { ModuleParts } from './group';
import type { FactorRef } from './model';
import { quantizedShape } from './mlxQuant';
import type { ModuleStructure } from './structure';

/** The companions of a quantized factor, as mlx-lm names them. */
const COMPANIONS = ['lora_a_scales', 'lora_a_biases', 'lora_b_scales', 'lora_b_biases'] as const;

/**
 * mlx-lm quantized LoRA (mlx_lm/tuner/lora.py QuantizedLoRALinear.from_lora, saved by
 * mlx_lm/tuner/utils.py with an `adapter_quantization` entry in adapter_config.json: format,
 * version, group_size, rank_group_size, mode "affine", and per layer bits, input_dims,
 * output_dims, rank, padded_input_dims, padded_rank). `lora_a` holds quantize(lora_aᵀ) — the
 * canonical A, r × padded_input_dims, grouped by group_size — and `lora_b` quantize(lora_bᵀ),
 * the canonical B, out × padded_rank, grouped by rank_group_size; each with `_scales` and
 * `_biases`. `fuse` dequantizes and keeps A[:r, :in] and B[:, :r], as this reader does.
 */
export function isQuantizedMlx(parts: ModuleParts, others: ReadonlyMap<string, TensorInfo>): boolean {
  return parts.parts.get('A')?.dtype === 'U32' && others.has(`${parts.module}.lora_a_scales`);
}

/** The companion tensors of every quantized module, to keep them out of the unrecognized list. */
export function quantizedCompanions(module: string): string[] {
  return COMPANIONS.map((c) => `${module}.${c}`);
}

export function quantizedStructure(parts: ModuleParts, others: ReadonlyMap<string, TensorInfo>, config: Readonly<Record<string, unknown>> | null): ModuleStructure {
  const A = parts.parts.get('A') as TensorInfo;
  const B = parts.parts.get('B');
  const [sa, ba, sb, bb] = COMPANIONS.map((c) => others.get(`${parts.module}.${c}`));
  const tensors: Record<string, string> = { A: A.name, ...(B ? { B: B.name } : {}) };
  for (const t of [sa, ba, sb, bb]) if (t) tensors[t.name.slice(parts.module.length + 1)] = t.name;
  const q = config ? objectField(config, 'adapter_quantization') : undefined;
  const layer = q ? objectField(objectField(q, 'layers') ?? {}, parts.module) : undefined;
  const rank = layer ? (numberField(layer, 'rank') ?? 0) : 0;
  const n = layer ? (numberField(layer, 'input_dims') ?? 0) : 0;
  const m = layer ? (numberField(layer, 'output_dims') ?? B?.shape[0] ?? 0) : (B?.shape[0] ?? 0);
  const fail = (why: string): ModuleStructure => ({
    kind: 'linear',
    shape: [m, n],
    rank,
    maxRank: Math.min(m, n, rank),
    algorithm: 'LoRA',
    factors: null,
    tensors,
    warnings: [why],
  });
  if (!q || !layer)
    return fail(
      'quantized LoRA factors (U32 lora_a with lora_a_scales) but no adapter_quantization entry for this layer in adapter_config.json: bits and sizes unknown, not analysed',
    );
  if (stringField(q, 'mode') !== 'affine') return fail(`adapter_quantization mode ${JSON.stringify(q.mode)} is not the affine mode mlx-lm writes`);
  if (!B || !sa || !ba || !sb || !bb) return fail('a quantized factor or its scales/biases is missing');
  const bits = numberField(layer, 'bits') ?? 0;
  const quant = (scales: TensorInfo, biases: TensorInfo, groupSize: number) => ({ scales: scales.name, biases: biases.name, bits, groupSize });
  const qa = quant(sa, ba, numberField(q, 'group_size') ?? 0);
  const qb = quant(sb, bb, numberField(q, 'rank_group_size') ?? 0);
  const shapeA = quantizedShape(A, sa, ba, qa);
  const shapeB = quantizedShape(B, sb, bb, qb);
  if (typeof shapeA === 'string') return fail(shapeA);
  if (typeof shapeB === 'string') return fail(shapeB);
  if (!(rank > 0) || !Number.isInteger(n) || !(n > 0) || shapeA.rows !== rank || shapeA.cols < n || shapeB.rows !== m || shapeB.cols < rank)
    return fail(
      `the config's rank ${rank}, input_dims ${n}, output_dims ${m} do not fit the dequantized ${shapeA.rows}×${shapeA.cols} lora_a and ${shapeB.rows}×${shapeB.cols} lora_b`,
    );
  const refA: FactorRef = { tensor: A.name, transposed: false, quantized: qa, window: { rows: rank, cols: n } };
  const refB: FactorRef = { tensor: B.name, transposed: false, quantized: qb, window: { rows: m, cols: rank } };
  return { kind: 'linear', shape: [m, n], rank, maxRank: Math.min(m, n, rank), algorithm: 'LoRA', factors: { type: 'lowRank', B: refB, A: refA }, tensors, warnings: [] };
}
