/**
 * Element types a safetensors header may name, with their width in bits. The list and the widths
 * follow the format's reference implementation; sub-byte kinds (F4, F6_*) pack several elements
 * per byte, so a tensor's byte length is elements × bits / 8 and must come out whole.
 */
export const DTYPE_BITS = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
} as const;

export type DType = keyof typeof DTYPE_BITS;

/** One tensor entry of a validated header. Offsets are absolute byte positions in the file. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: DType;
  /** Dimensions, outermost first (row-major); [] for a 0-d scalar. */
  readonly shape: readonly number[];
  /** Number of elements: the product of `shape` (1 for a 0-d tensor). */
  readonly elements: number;
  /** First byte of the tensor's data, counted from the start of the file. */
  readonly start: number;
  /** One past the last byte, counted from the start of the file. */
  readonly end: number;
}

/** A validated safetensors header: what can be known about a file without reading its data. */
export interface SafetensorsHeader {
  /** The path the header was read from (for messages). */
  readonly file: string;
  readonly fileSize: number;
  /** N, the length of the JSON header in bytes. */
  readonly headerLength: number;
  /** 8 + N: where tensor data begins. */
  readonly dataStart: number;
  /** `__metadata__`: null when absent or JSON null. Values are untrusted text. */
  readonly metadata: Readonly<Record<string, string>> | null;
  /** Tensor entries in header order. */
  readonly tensors: readonly TensorInfo[];
  /** The same entries by name. */
  readonly byName: ReadonlyMap<string, TensorInfo>;
}
