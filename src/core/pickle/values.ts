import type { DType } from '../safetensors/types';

/**
 * The values a restricted unpickler can produce: Python's plain data, the few torch objects a
 * state dict is made of, and references to allowed globals. Nothing here is ever executable.
 */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyList | PyTuple | PyDict | PySet | PyGlobal | PyStorage | PyTensor;

export interface PyList {
  readonly kind: 'list';
  readonly items: PyValue[];
}

export interface PyTuple {
  readonly kind: 'tuple';
  readonly items: readonly PyValue[];
}

/** A dict or OrderedDict; keys keep their insertion order, a repeated key replaces the value as in Python. */
export interface PyDict {
  readonly kind: 'dict';
  readonly entries: Map<PyValue, PyValue>;
}

export interface PySet {
  readonly kind: 'set';
  readonly items: PyValue[];
}

/** A module-level name the pickle referred to; only names on the allow list are ever created. */
export interface PyGlobal {
  readonly kind: 'global';
  readonly module: string;
  readonly name: string;
}

/**
 * A storage the pickle points at by persistent id: its record (zip entry name or legacy key),
 * element type, element count, and the element it starts at within the record (legacy views).
 */
export interface PyStorage {
  readonly kind: 'storage';
  readonly key: string;
  readonly dtype: DType;
  readonly itemBytes: number;
  readonly numel: number;
  readonly elementOffset: number;
}

/** A strided view of a storage, as torch._utils._rebuild_tensor_v2 receives it. Offset and strides count elements. */
export interface PyTensor {
  readonly kind: 'tensor';
  readonly storage: PyStorage;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

/** A short description of a value's kind, for messages. */
export function kindOf(value: PyValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number' || typeof value === 'bigint') return 'int';
  if (typeof value === 'string') return 'str';
  if (value instanceof Uint8Array) return 'bytes';
  if (value.kind === 'global') return `${value.module}.${value.name}`;
  return value.kind;
}
