import type { TensorInfo } from '../safetensors/types';
import type { QuantizedRef } from './model';

/**
 * mlx affine group quantization, as `mx.quantize` / `mx.dequantize` define it (ml-explore/mlx,
 * mlx/ops.cpp `quantize`/`dequantize`, python/mlx docs "mlx.core.quantize"): a rows×cols matrix
 * is cut into groups of `group_size` consecutive values along each row; each group stores a
 * scale and a bias, and each value a `bits`-bit code q, w = scale·q + bias. Codes are packed
 * into uint32 words, lowest bits first, as one little-endian bit stream per row (8 values in 3
 * bytes for 3 and 6 bits), so a row of `cols` values takes cols·bits/32 words.
 */
export const MLX_QUANT_BITS: readonly number[] = [2, 3, 4, 5, 6, 8];

/** What a quantized factor's three tensors say about the stored matrix, or why they do not fit. */
export function quantizedShape(packed: TensorInfo, scales: TensorInfo, biases: TensorInfo, q: QuantizedRef): { rows: number; cols: number } | string {
  if (!MLX_QUANT_BITS.includes(q.bits)) return `${q.bits}-bit codes are not an mlx affine quantization (${MLX_QUANT_BITS.join(', ')} are)`;
  if (!Number.isSafeInteger(q.groupSize) || q.groupSize <= 0 || q.groupSize > 1 << 20) return `group size ${q.groupSize} is not a positive integer`;
  if (packed.dtype !== 'U32') return `${packed.name} is ${packed.dtype}, not the U32 words mlx packs codes into`;
  if (packed.shape.length !== 2) return `${packed.name} is [${packed.shape}], not a matrix of packed codes`;
  const [rows, words] = packed.shape;
  const cols = (words * 32) / q.bits;
  if (!Number.isInteger(cols) || cols % q.groupSize !== 0)
    return `${packed.name} holds ${words} words a row, not a whole number of ${q.groupSize}-value groups of ${q.bits}-bit codes`;
  for (const t of [scales, biases]) {
    if (t.shape.length !== 2 || t.shape[0] !== rows || t.shape[1] !== cols / q.groupSize)
      return `${t.name} is [${t.shape}], not [${rows}, ${cols / q.groupSize}] for ${packed.name}`;
  }
  return { rows, cols };
}

/**
 * Dequantizes a packed rows×cols matrix into row-major float64. `scales` and `biases` hold
 * rows × cols/groupSize values. Inputs are checked by `quantizedShape` first.
 */
export function dequantizeAffine(packed: Uint8Array, scales: Float64Array, biases: Float64Array, rows: number, cols: number, bits: number, groupSize: number): Float64Array {
  const out = new Float64Array(rows * cols);
  const rowBytes = (cols * bits) / 8;
  const mask = (1 << bits) - 1;
  const groups = cols / groupSize;
  for (let i = 0; i < rows; i++) {
    const base = i * rowBytes;
    for (let j = 0; j < cols; j++) {
      const bit = j * bits;
      const byte = base + (bit >>> 3);
      const shift = bit & 7;
      // A code spans at most two bytes (bits ≤ 8).
      const word = packed[byte] | (shift + bits > 8 ? packed[byte + 1] << 8 : 0);
      const code = (word >>> shift) & mask;
      const g = i * groups + Math.floor(j / groupSize);
      out[i * cols + j] = scales[g] * code + biases[g];
    }
  }
  return out;
}
