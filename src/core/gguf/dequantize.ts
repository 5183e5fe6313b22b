import { f16Table } from '../safetensors/decode';

/**
 * Dequantization of ggml's simple block types, value for value as ggml does it
 * (ggml/src/ggml-quants.c, `dequantize_row_q4_0`, `_q4_1`, `_q5_0`, `_q5_1`, `_q8_0`; the same
 * formulas as gguf-py/gguf/quants.py's `dequantize_blocks`). Each block holds 32 values:
 * - Q8_0: f16 d, int8 q[32]; y = q·d.
 * - Q4_0: f16 d, u8 qs[16]; low nibbles are values 0–15, high nibbles 16–31; y = (nibble − 8)·d.
 * - Q4_1: f16 d, f16 m, u8 qs[16]; y = nibble·d + m.
 * - Q5_0: f16 d, u32 qh (little-endian), u8 qs[16]; value j gets bit j of qh as its fifth bit,
 *   value j+16 bit j+16; y = (q5 − 16)·d.
 * - Q5_1: f16 d, f16 m, u32 qh, u8 qs[16]; y = q5·d + m.
 * ggml computes in float: q·d is exact in float (a ≤ 8-bit integer times an 11-bit f16 value),
 * and both q·d and m are multiples of 2⁻²⁴ below 2²⁰, so their sum is exact in float64 and one
 * rounding to float32 gives what ggml's float addition (or a fused multiply-add) gives.
 */

export type BlockTypeName = 'Q4_0' | 'Q4_1' | 'Q5_0' | 'Q5_1' | 'Q8_0';

/** Values per block of every type here (ggml's QK4_0 … QK8_0). */
export const BLOCK_VALUES = 32;

const HALF = BLOCK_VALUES / 2;

/**
 * Dequantizes `blocks` whole blocks of type `type` from `src` (starting at a block boundary)
 * into `out` from `outOffset`, as float32.
 */
export function dequantizeBlocks(type: BlockTypeName, src: Uint8Array, blocks: number, out: Float32Array, outOffset: number): void {
  const half = f16Table();
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const f16 = (at: number): number => half[dv.getUint16(at, true)];
  switch (type) {
    case 'Q8_0':
      for (let b = 0; b < blocks; b++) {
        const at = b * 34;
        const d = f16(at);
        const y = outOffset + b * BLOCK_VALUES;
        for (let j = 0; j < BLOCK_VALUES; j++) out[y + j] = dv.getInt8(at + 2 + j) * d;
      }
      return;
    case 'Q4_0':
      for (let b = 0; b < blocks; b++) {
        const at = b * 18;
        const d = f16(at);
        const y = outOffset + b * BLOCK_VALUES;
        for (let j = 0; j < HALF; j++) {
          const q = src[at + 2 + j];
          out[y + j] = ((q & 0x0f) - 8) * d;
          out[y + j + HALF] = ((q >> 4) - 8) * d;
        }
      }
      return;
    case 'Q4_1':
      for (let b = 0; b < blocks; b++) {
        const at = b * 20;
        const d = f16(at);
        const m = f16(at + 2);
        const y = outOffset + b * BLOCK_VALUES;
        for (let j = 0; j < HALF; j++) {
          const q = src[at + 4 + j];
          out[y + j] = (q & 0x0f) * d + m;
          out[y + j + HALF] = (q >> 4) * d + m;
        }
      }
      return;
    case 'Q5_0':
    case 'Q5_1': {
      const withMin = type === 'Q5_1';
      const size = withMin ? 24 : 22;
      const qhAt = withMin ? 4 : 2;
      for (let b = 0; b < blocks; b++) {
        const at = b * size;
        const d = f16(at);
        const m = withMin ? f16(at + 2) : 0;
        const qh = dv.getUint32(at + qhAt, true);
        const y = outOffset + b * BLOCK_VALUES;
        for (let j = 0; j < HALF; j++) {
          const q = src[at + qhAt + 4 + j];
          const low = (q & 0x0f) | (((qh >>> j) << 4) & 0x10);
          const high = (q >> 4) | ((qh >>> (j + 12)) & 0x10);
          // Q5_0 adds no minimum: adding a zero would turn ggml's −0 into +0.
          out[y + j] = withMin ? low * d + m : (low - 16) * d;
          out[y + j + HALF] = withMin ? high * d + m : (high - 16) * d;
        }
      }
      return;
    }
  }
}

/** True for the block types {@link dequantizeBlocks} reads. */
export function isBlockTypeName(name: string): name is BlockTypeName {
  return name === 'Q4_0' || name === 'Q4_1' || name === 'Q5_0' || name === 'Q5_1' || name === 'Q8_0';
}
