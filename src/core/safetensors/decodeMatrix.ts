import { endianness } from 'node:os';
import { BF16_NON_FINITE, decodeInto, f16Table, widenBF16 } from './decode';
import { SafetensorsError } from './errors';
import { DTYPE_BITS, type DType } from './types';

/** Elements decoded per block: small enough to stay in cache between decoding and placing. */
const BLOCK_ELEMENTS = 8192;

const LITTLE_ENDIAN = endianness() === 'LE';

export interface DecodedMatrix {
  /** The values, row-major as stored, or column-major when asked (the transpose's row-major). */
  readonly data: Float64Array;
  /** How many values are NaN, and how many ±infinite. */
  readonly nan: number;
  readonly infinite: number;
}

/**
 * Decodes a stored row-major rows×cols matrix into float64 in one pass over blocks of rows:
 * each block is widened to float64 as it is placed, as stored or transposed into column-major
 * order, and checked for NaN/Inf on the way. F32 is read in place and BF16 through a small
 * float32 block (its bits shifted up 16); fusing the steps matters, since done as separate
 * passes they cost as much as the QR of the factor itself. Every element of `target` (when
 * given, of exactly rows·cols values) is overwritten.
 */
export function decodeMatrix(bytes: Uint8Array, dtype: DType, rows: number, cols: number, columnMajor: boolean, name = '', file = '', target?: Float64Array): DecodedMatrix {
  const bits = DTYPE_BITS[dtype];
  if (bits % 8 !== 0) throw new SafetensorsError('UNSUPPORTED_DTYPE', `tensor ${JSON.stringify(name)} is ${dtype}, which LoRA Lens does not decode as real numbers`, file, name);
  const count = rows * cols;
  const out = target && target.length === count ? target : new Float64Array(count);
  const rowsPerBlock = Math.max(1, Math.floor(BLOCK_ELEMENTS / Math.max(cols, 1)));
  const blockSize = Math.min(rows, rowsPerBlock) * cols;
  let poison = 0;
  if (LITTLE_ENDIAN && (dtype === 'BF16' || dtype === 'F32') && bytes.byteOffset % (bits / 8) === 0) {
    const words = new Int32Array(dtype === 'BF16' ? blockSize : 0);
    const whole = dtype === 'F32' ? new Float32Array(bytes.buffer, bytes.byteOffset, count) : null;
    const floats = new Float32Array(words.buffer);
    for (let first = 0; first < rows; first += rowsPerBlock) {
      const n = Math.min(rowsPerBlock, rows - first) * cols;
      let block: Float32Array;
      if (!whole) {
        const base = first * cols;
        widenBF16(bytes.subarray(2 * base, 2 * (base + n)), n, words);
        block = floats;
      } else block = whole.subarray(first * cols, first * cols + n);
      poison += place32(block, n, out, first, rows, cols, columnMajor);
    }
  } else if (dtype === 'F16') {
    const table = f16Table();
    const halves =
      LITTLE_ENDIAN && bytes.byteOffset % 2 === 0
        ? new Uint16Array(bytes.buffer, bytes.byteOffset, count)
        : Uint16Array.from({ length: count }, (_, i) => bytes[2 * i] | (bytes[2 * i + 1] << 8));
    const block = new Float64Array(blockSize);
    for (let first = 0; first < rows; first += rowsPerBlock) {
      const n = Math.min(rowsPerBlock, rows - first) * cols;
      const base = first * cols;
      for (let i = 0; i < n; i++) block[i] = table[halves[base + i]];
      poison += place64(block, n, out, first, rows, cols, columnMajor);
    }
  } else {
    const width = bits / 8;
    const block = new Float64Array(blockSize);
    for (let first = 0; first < rows; first += rowsPerBlock) {
      const n = Math.min(rowsPerBlock, rows - first) * cols;
      decodeInto(block.subarray(0, n), bytes.subarray(first * cols * width, first * cols * width + n * width), dtype, n, name, file);
      poison += place64(block, n, out, first, rows, cols, columnMajor);
    }
  }
  return poison === 0 ? { data: out, nan: 0, infinite: 0 } : { data: out, ...countNonFinite(out) };
}

/**
 * Writes a block of whole rows (starting at row `first`) into `out`; returns Σ(x − x), which is
 * 0 when every value is finite and NaN otherwise. Two copies of the same loop, one per source
 * array type, keep each one monomorphic for the JIT.
 */
function place32(block: Float32Array, n: number, out: Float64Array, first: number, rows: number, cols: number, columnMajor: boolean): number {
  let poison = 0;
  if (!columnMajor) {
    const base = first * cols;
    for (let k = 0; k < n; k++) {
      const x = block[k];
      poison += x - x;
      out[base + k] = x;
    }
    return poison;
  }
  for (let k = 0, i = first; k < n; i++) {
    for (let j = 0; j < cols; j++, k++) {
      const x = block[k];
      poison += x - x;
      out[j * rows + i] = x;
    }
  }
  return poison;
}

function place64(block: Float64Array, n: number, out: Float64Array, first: number, rows: number, cols: number, columnMajor: boolean): number {
  let poison = 0;
  if (!columnMajor) {
    const base = first * cols;
    for (let k = 0; k < n; k++) {
      const x = block[k];
      poison += x - x;
      out[base + k] = x;
    }
    return poison;
  }
  for (let k = 0, i = first; k < n; i++) {
    for (let j = 0; j < cols; j++, k++) {
      const x = block[k];
      poison += x - x;
      out[j * rows + i] = x;
    }
  }
  return poison;
}

function countNonFinite(data: Float64Array): { nan: number; infinite: number } {
  let nan = 0;
  let infinite = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (x !== x) nan++;
    else if (x === Infinity || x === -Infinity) infinite++;
  }
  return { nan, infinite };
}

/**
 * Decodes `count` stored values as they are laid out, into float32 when that is exact (F32, F16,
 * BF16, the F8 kinds) and float64 otherwise, with the NaN/Inf counts. For device backends:
 * half the memory of float64 and no transposes. `target`, when given and large enough, is used
 * for the float32 case.
 */
export function decodeStored(
  bytes: Uint8Array,
  dtype: DType,
  count: number,
  name = '',
  file = '',
  target?: Float32Array,
): { data: Float32Array | Float64Array; nan: number; infinite: number } {
  if (dtype === 'F64' || DTYPE_BITS[dtype] > 32 || dtype === 'I32' || dtype === 'U32') {
    const wide = decodeMatrix(bytes, dtype, 1, count, false, name, file);
    return wide;
  }
  const out = target && target.length >= count ? target.subarray(0, count) : new Float32Array(count);
  if (LITTLE_ENDIAN && dtype === 'BF16' && bytes.byteOffset % 2 === 0) {
    // One pass: the bit shift, and whether any NaN/Inf is there, found from the bits.
    const bad = widenBF16(bytes, count, new Int32Array(out.buffer, out.byteOffset, count));
    if ((bad & BF16_NON_FINITE) === 0) return { data: out, nan: 0, infinite: 0 };
  } else {
    decodeInto(out, bytes, dtype, count, name, file);
  }
  let poison = 0;
  for (let i = 0; i < count; i++) {
    const x = out[i];
    poison += x - x;
  }
  if (poison === 0) return { data: out, nan: 0, infinite: 0 };
  let nan = 0;
  let infinite = 0;
  for (let i = 0; i < count; i++) {
    const x = out[i];
    if (x !== x) nan++;
    else if (x === Infinity || x === -Infinity) infinite++;
  }
  return { data: out, nan, infinite };
}
