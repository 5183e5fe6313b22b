import type { DType } from '../safetensors/types';
import { PickleError } from './errors';
import { kindOf, type PyDict, type PyGlobal, type PyStorage, type PyTensor, type PyValue } from './values';

/**
 * Storage classes by the name torch pickles them under, with the element type they hold. The
 * names are torch/storage.py's legacy typed-storage classes (re-exported from `torch`), which
 * torch.serialization's persistent_id still writes for every dtype; UntypedStorage holds bytes.
 */
export const STORAGE_DTYPES: ReadonlyMap<string, { readonly dtype: DType; readonly bytes: number }> = new Map([
  ['DoubleStorage', { dtype: 'F64', bytes: 8 }],
  ['FloatStorage', { dtype: 'F32', bytes: 4 }],
  ['HalfStorage', { dtype: 'F16', bytes: 2 }],
  ['BFloat16Storage', { dtype: 'BF16', bytes: 2 }],
  ['LongStorage', { dtype: 'I64', bytes: 8 }],
  ['IntStorage', { dtype: 'I32', bytes: 4 }],
  ['ShortStorage', { dtype: 'I16', bytes: 2 }],
  ['CharStorage', { dtype: 'I8', bytes: 1 }],
  ['ByteStorage', { dtype: 'U8', bytes: 1 }],
  ['BoolStorage', { dtype: 'BOOL', bytes: 1 }],
  ['ComplexFloatStorage', { dtype: 'C64', bytes: 8 }],
  ['UntypedStorage', { dtype: 'U8', bytes: 1 }],
] as const);

/** Callables a state dict's pickle may REDUCE, as `module name` (torch/_utils.py, torch/_tensor.py). */
const CALLABLES = new Set([
  'torch._utils _rebuild_tensor_v2',
  'torch._utils _rebuild_tensor',
  'torch._utils _rebuild_parameter',
  'torch._utils _rebuild_parameter_with_state',
  'torch._tensor _rebuild_from_type_v2',
  'collections OrderedDict',
  'torch Size',
]);

/** Classes that may appear as plain values (the new type of _rebuild_from_type_v2). */
const CLASSES = new Set(['torch Tensor', 'torch.nn.parameter Parameter']);

/** The most dimensions a tensor may have (torch's own limit is 64). */
const MAX_DIMS = 64;

/**
 * The global `module.name` if it is on the allow list; anything else (posix.system,
 * builtins.eval, …) is FORBIDDEN_GLOBAL naming it, before anything could refer to it.
 */
export function allowGlobal(module: string, name: string, file: string): PyGlobal {
  const id = `${module} ${name}`;
  const storage = (module === 'torch' || module === 'torch.storage') && STORAGE_DTYPES.has(name);
  if (storage || CALLABLES.has(id) || CLASSES.has(id)) return { kind: 'global', module, name };
  throw new PickleError('FORBIDDEN_GLOBAL', `the pickle refers to ${module}.${name}, which a tensor state dict never needs; it was refused and nothing was run`, file);
}

/** The storage element type a storage-class global names, or null when it is not one. */
export function storageType(value: PyValue): { readonly dtype: DType; readonly bytes: number } | null {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value.kind !== 'global') return null;
  if (value.module !== 'torch' && value.module !== 'torch.storage') return null;
  return STORAGE_DTYPES.get(value.name) ?? null;
}

/** REDUCE on an allowed callable: builds the tensor, dict or tuple it stands for; runs nothing. */
export function callGlobal(callable: PyValue, args: PyValue, file: string): PyValue {
  if (callable === null || typeof callable !== 'object' || callable instanceof Uint8Array || callable.kind !== 'global') {
    throw new PickleError('MALFORMED_PICKLE', `REDUCE on ${kindOf(callable)}, which is not callable`, file);
  }
  const items = tupleItems(args, `the arguments of ${callable.module}.${callable.name}`, file);
  switch (`${callable.module} ${callable.name}`) {
    case 'torch._utils _rebuild_tensor_v2':
      if (items.length < 6 || items.length > 7) throw arity(callable, items.length, file);
      return rebuildTensor(items, file);
    case 'torch._utils _rebuild_tensor':
      if (items.length !== 4) throw arity(callable, items.length, file);
      return rebuildTensor(items, file);
    case 'torch._utils _rebuild_parameter':
    case 'torch._utils _rebuild_parameter_with_state':
      if (items.length < 3 || items.length > 4) throw arity(callable, items.length, file);
      return asTensor(items[0], file);
    case 'torch._tensor _rebuild_from_type_v2': {
      if (items.length !== 4) throw arity(callable, items.length, file);
      const type = items[1];
      const plain = type !== null && typeof type === 'object' && !(type instanceof Uint8Array) && type.kind === 'global' && CLASSES.has(`${type.module} ${type.name}`);
      if (!plain) throw new PickleError('NOT_A_STATE_DICT', `a tensor of type ${kindOf(type)}, a subclass this reader does not know`, file);
      return callGlobal(items[0], items[2], file);
    }
    case 'collections OrderedDict':
      if (items.length !== 0) throw new PickleError('MALFORMED_PICKLE', 'OrderedDict is built with arguments; torch writes it empty and fills it', file);
      return { kind: 'dict', entries: new Map() } satisfies PyDict;
    case 'torch Size':
      if (items.length !== 1) throw arity(callable, items.length, file);
      return { kind: 'tuple', items: tupleItems(items[0], 'torch.Size', file) };
    default:
      throw new PickleError('MALFORMED_PICKLE', `${callable.module}.${callable.name} is not callable here`, file);
  }
}

function arity(callable: PyGlobal, count: number, file: string): PickleError {
  return new PickleError('MALFORMED_PICKLE', `${callable.module}.${callable.name} called with ${count} arguments`, file);
}

function tupleItems(value: PyValue, what: string, file: string): readonly PyValue[] {
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && (value.kind === 'tuple' || value.kind === 'list')) return value.items;
  throw new PickleError('MALFORMED_PICKLE', `${what} is ${kindOf(value)}, not a tuple`, file);
}

function asTensor(value: PyValue, file: string): PyTensor {
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && value.kind === 'tensor') return value;
  throw new PickleError('NOT_A_STATE_DICT', `a parameter wraps ${kindOf(value)}, not a tensor`, file);
}

function count(value: PyValue, what: string, file: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  throw new PickleError('MALFORMED_PICKLE', `${what} is ${typeof value === 'number' ? value : kindOf(value)}, not a non-negative integer`, file);
}

/**
 * torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, …): the view is checked
 * to lie inside its storage here, so every later read of it is in bounds.
 */
function rebuildTensor(items: readonly PyValue[], file: string): PyTensor {
  const storage = items[0];
  if (storage === null || typeof storage !== 'object' || storage instanceof Uint8Array || storage.kind !== 'storage') {
    throw new PickleError('NOT_A_STATE_DICT', `a tensor is rebuilt from ${kindOf(storage)}, not a storage`, file);
  }
  const offset = count(items[1], 'a storage offset', file);
  const shape = tupleItems(items[2], 'a tensor size', file).map((v) => count(v, 'a tensor dimension', file));
  const stride = tupleItems(items[3], 'a tensor stride', file).map((v) => count(v, 'a tensor stride', file));
  if (shape.length !== stride.length || shape.length > MAX_DIMS) {
    throw new PickleError('MALFORMED_PICKLE', `a tensor of ${shape.length} dimensions has ${stride.length} strides (at most ${MAX_DIMS} dimensions)`, file);
  }
  return checkView({ kind: 'tensor', storage: storage as PyStorage, offset, shape, stride }, file);
}

function checkView(tensor: PyTensor, file: string): PyTensor {
  let elements = 1;
  let last = tensor.offset;
  for (let d = 0; d < tensor.shape.length; d++) {
    elements *= tensor.shape[d];
    last += Math.max(0, tensor.shape[d] - 1) * tensor.stride[d];
    if (!Number.isSafeInteger(elements) || !Number.isSafeInteger(last)) throw new PickleError('LIMIT_EXCEEDED', `a tensor of shape [${tensor.shape.join(', ')}] overflows`, file);
  }
  if (elements > 0 && last >= tensor.storage.numel) {
    throw new PickleError(
      'TENSOR_OUT_OF_BOUNDS',
      `a tensor of shape [${tensor.shape.join(', ')}], stride [${tensor.stride.join(', ')}] at offset ${tensor.offset} reaches element ${last} of storage ${JSON.stringify(tensor.storage.key)}, which holds ${tensor.storage.numel}`,
      file,
    );
  }
  return tensor;
}
