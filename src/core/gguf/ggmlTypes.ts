import type { DType } from '../safetensors/types';

/**
 * A ggml tensor type: `blockSize` elements are stored in `typeSize` bytes. Ids, names and sizes
 * follow ggml's type traits (ggml/src/ggml.c, `type_traits`) as gguf-py mirrors them
 * (gguf-py/gguf/constants.py, `GGMLQuantizationType` and `GGML_QUANT_SIZES`). Ids 4, 5, 31–33
 * and 36–38 belonged to types ggml has removed and are not listed.
 */
export interface GgmlType {
  readonly id: number;
  readonly name: string;
  readonly blockSize: number;
  readonly typeSize: number;
  /**
   * The plain dtype the tensor is presented in: its own for float and integer types, F32 for the
   * block types (dequantized on read). Null for block types this reader cannot dequantize: such
   * tensors are listed (as F32) but reading one is UNSUPPORTED_TYPE.
   */
  readonly plain: DType | null;
}

const QK_K = 256;

const TYPES: readonly GgmlType[] = [
  { id: 0, name: 'F32', blockSize: 1, typeSize: 4, plain: 'F32' },
  { id: 1, name: 'F16', blockSize: 1, typeSize: 2, plain: 'F16' },
  { id: 2, name: 'Q4_0', blockSize: 32, typeSize: 2 + 16, plain: 'F32' },
  { id: 3, name: 'Q4_1', blockSize: 32, typeSize: 2 + 2 + 16, plain: 'F32' },
  { id: 6, name: 'Q5_0', blockSize: 32, typeSize: 2 + 4 + 16, plain: 'F32' },
  { id: 7, name: 'Q5_1', blockSize: 32, typeSize: 2 + 2 + 4 + 16, plain: 'F32' },
  { id: 8, name: 'Q8_0', blockSize: 32, typeSize: 2 + 32, plain: 'F32' },
  { id: 9, name: 'Q8_1', blockSize: 32, typeSize: 4 + 32, plain: null },
  { id: 10, name: 'Q2_K', blockSize: QK_K, typeSize: QK_K / 16 + QK_K / 4 + 2 + 2, plain: null },
  { id: 11, name: 'Q3_K', blockSize: QK_K, typeSize: QK_K / 8 + QK_K / 4 + 12 + 2, plain: null },
  { id: 12, name: 'Q4_K', blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + 12, plain: null },
  { id: 13, name: 'Q5_K', blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + QK_K / 8 + 12, plain: null },
  { id: 14, name: 'Q6_K', blockSize: QK_K, typeSize: 2 + QK_K / 2 + QK_K / 4 + QK_K / 16, plain: null },
  { id: 15, name: 'Q8_K', blockSize: QK_K, typeSize: 4 + QK_K + QK_K / 8, plain: null },
  { id: 16, name: 'IQ2_XXS', blockSize: QK_K, typeSize: 2 + QK_K / 4, plain: null },
  { id: 17, name: 'IQ2_XS', blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 32, plain: null },
  { id: 18, name: 'IQ3_XXS', blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8, plain: null },
  { id: 19, name: 'IQ1_S', blockSize: QK_K, typeSize: 2 + QK_K / 8 + QK_K / 16, plain: null },
  { id: 20, name: 'IQ4_NL', blockSize: 32, typeSize: 2 + 16, plain: null },
  { id: 21, name: 'IQ3_S', blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4, plain: null },
  { id: 22, name: 'IQ2_S', blockSize: QK_K, typeSize: 2 + QK_K / 4 + QK_K / 16, plain: null },
  { id: 23, name: 'IQ4_XS', blockSize: QK_K, typeSize: 2 + 2 + QK_K / 2 + QK_K / 64, plain: null },
  { id: 24, name: 'I8', blockSize: 1, typeSize: 1, plain: 'I8' },
  { id: 25, name: 'I16', blockSize: 1, typeSize: 2, plain: 'I16' },
  { id: 26, name: 'I32', blockSize: 1, typeSize: 4, plain: 'I32' },
  { id: 27, name: 'I64', blockSize: 1, typeSize: 8, plain: 'I64' },
  { id: 28, name: 'F64', blockSize: 1, typeSize: 8, plain: 'F64' },
  { id: 29, name: 'IQ1_M', blockSize: QK_K, typeSize: QK_K / 8 + QK_K / 16 + QK_K / 32, plain: null },
  { id: 30, name: 'BF16', blockSize: 1, typeSize: 2, plain: 'BF16' },
  { id: 34, name: 'TQ1_0', blockSize: QK_K, typeSize: 2 + 4 * 13, plain: null },
  { id: 35, name: 'TQ2_0', blockSize: QK_K, typeSize: 2 + 64, plain: null },
  { id: 39, name: 'MXFP4', blockSize: 32, typeSize: 1 + 16, plain: null },
];

const BY_ID = new Map(TYPES.map((t) => [t.id, t]));

/** The type with ggml id `id`, or undefined for an id ggml does not define. */
export function ggmlType(id: number): GgmlType | undefined {
  return BY_ID.get(id);
}

/** True for the block types that are dequantized to F32 on read. */
export function isQuantized(type: GgmlType): boolean {
  return type.blockSize > 1;
}
