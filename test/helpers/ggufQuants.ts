import { encodeFloat16 } from '../../src/core/safetensors/encode';
import { f16Table } from '../../src/core/safetensors/decode';

/**
 * ggml's simple block types for tests: quantizers that follow gguf-py/gguf/quants.py's
 * `quantize_blocks` (so the files hold what the converter would write), and a reference
 * dequantizer written element by element from the block layouts in ggml-common.h (block_q4_0 …
 * block_q8_0), independent of the reader's block loops.
 */

export type QuantName = 'Q8_0' | 'Q4_0' | 'Q4_1' | 'Q5_0' | 'Q5_1';

export const BLOCK_BYTES: Readonly<Record<QuantName, number>> = { Q8_0: 34, Q4_0: 18, Q4_1: 20, Q5_0: 22, Q5_1: 24 };

const QK = 32;
const f32 = Math.fround;

/** The f16 nearest `x`, as its bits and its value. */
function half(x: number): { bits: number; value: number } {
  const bytes = encodeFloat16([x]);
  const bits = bytes[0] | (bytes[1] << 8);
  return { bits, value: f16Table()[bits] };
}

/** numpy's round-half-away-from-zero (quants.py's `np_roundf`). */
const roundf = (x: number): number => Math.sign(x) * Math.floor(Math.abs(x) + 0.5);

export function quantize(type: QuantName, values: ArrayLike<number>): Uint8Array {
  if (values.length % QK !== 0) throw new Error(`${values.length} values are not whole blocks`);
  const blocks = values.length / QK;
  const out = new Uint8Array(blocks * BLOCK_BYTES[type]);
  const dv = new DataView(out.buffer);
  for (let b = 0; b < blocks; b++) {
    const x = Array.from({ length: QK }, (_, j) => f32(values[b * QK + j]));
    const at = b * BLOCK_BYTES[type];
    const absMax = x.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0);
    const max = Math.max(...x);
    const min = Math.min(...x);
    const scaled = (d: number, offset: number, lo: number, hi: number, from = 0): number[] => {
      const id = d === 0 ? 0 : f32(1 / d);
      return x.map((v) => Math.min(hi, Math.max(lo, Math.trunc(f32(f32(v - from) * id) + offset))));
    };
    switch (type) {
      case 'Q8_0': {
        const d = f32(Math.abs(absMax) / 127);
        const id = d === 0 ? 0 : f32(1 / d);
        dv.setUint16(at, half(d).bits, true);
        x.forEach((v, j) => dv.setInt8(at + 2 + j, roundf(f32(v * id))));
        break;
      }
      case 'Q4_0':
      case 'Q5_0': {
        const five = type === 'Q5_0';
        const d = f32(absMax / (five ? -16 : -8));
        const q = scaled(d, five ? 16.5 : 8.5, 0, five ? 31 : 15);
        dv.setUint16(at, half(d).bits, true);
        pack(out, at + 2, q, five);
        break;
      }
      case 'Q4_1':
      case 'Q5_1': {
        const five = type === 'Q5_1';
        const d = f32((max - min) / (five ? 31 : 15));
        const q = scaled(d, 0.5, 0, five ? 31 : 15, min);
        dv.setUint16(at, half(d).bits, true);
        dv.setUint16(at + 2, half(min).bits, true);
        pack(out, at + 4, q, five);
        break;
      }
    }
  }
  return out;
}

/** Writes qh (five-bit types) then the nibbles: value j in the low nibble of byte j, value j+16 in its high nibble. */
function pack(out: Uint8Array, at: number, q: readonly number[], five: boolean): void {
  let qs = at;
  if (five) {
    let qh = 0;
    for (let j = 0; j < QK; j++) qh |= ((q[j] >> 4) & 1) << j;
    new DataView(out.buffer).setUint32(at, qh >>> 0, true);
    qs += 4;
  }
  for (let j = 0; j < QK / 2; j++) out[qs + j] = (q[j] & 0x0f) | ((q[j + QK / 2] & 0x0f) << 4);
}

/** Value `i` of a tensor stored as `type` in `bytes`, from the block layout alone. */
export function referenceValue(type: QuantName, bytes: Uint8Array, i: number): number {
  const size = BLOCK_BYTES[type];
  const at = Math.floor(i / QK) * size;
  const j = i % QK;
  const f16 = (o: number): number => f16Table()[bytes[o] | (bytes[o + 1] << 8)];
  const nibble = (qsAt: number): number => (j < QK / 2 ? bytes[qsAt + j] & 0x0f : bytes[qsAt + j - QK / 2] >> 4);
  const highBit = (qhAt: number): number => {
    const qh = bytes[qhAt] + bytes[qhAt + 1] * 256 + bytes[qhAt + 2] * 65536 + bytes[qhAt + 3] * 16777216;
    return Math.floor(qh / 2 ** j) % 2;
  };
  switch (type) {
    case 'Q8_0': {
      const q = bytes[at + 2 + j];
      return f32((q >= 128 ? q - 256 : q) * f16(at));
    }
    case 'Q4_0':
      return f32((nibble(at + 2) - 8) * f16(at));
    case 'Q4_1':
      return f32(f32(nibble(at + 4) * f16(at)) + f16(at + 2));
    case 'Q5_0':
      return f32((nibble(at + 6) + 16 * highBit(at + 2) - 16) * f16(at));
    case 'Q5_1':
      return f32(f32((nibble(at + 8) + 16 * highBit(at + 4)) * f16(at)) + f16(at + 2));
  }
}

/** Every value of a tensor, dequantized by {@link referenceValue}. */
export function referenceValues(type: QuantName, bytes: Uint8Array, count: number): Float64Array {
  return Float64Array.from({ length: count }, (_, i) => referenceValue(type, bytes, i));
}
