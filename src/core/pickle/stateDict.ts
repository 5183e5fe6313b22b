import { PickleError } from './errors';
import { PICKLE_LIMITS } from './limits';
import { kindOf, type PyTensor, type PyValue } from './values';

/** A tensor of a checkpoint with the dotted name of its place in the pickled object. */
export interface NamedTensor {
  readonly name: string;
  readonly tensor: PyTensor;
}

/**
 * The tensors of an unpickled checkpoint, named by their path: a state dict's keys as they are,
 * nested dicts joined with dots (a Lightning `.ckpt` keeps its weights under `state_dict`, which
 * is taken as the root when present). Walked with an explicit stack, each container once, with
 * depth and node bounds; values that are not tensors (epochs, configs) are skipped.
 */
export function tensorsOf(root: PyValue, file: string): NamedTensor[] {
  const start = stateDictRoot(root);
  if (!isContainer(start)) throw new PickleError('NOT_A_STATE_DICT', `the checkpoint holds ${kindOf(start)}, not a dict of tensors`, file);
  const out: NamedTensor[] = [];
  const seen = new Set<object>();
  const work: Array<{ value: PyValue; name: string; depth: number }> = [{ value: start, name: '', depth: 0 }];
  let visited = 0;
  while (work.length > 0) {
    const { value, name, depth } = work.pop() as { value: PyValue; name: string; depth: number };
    if (value === null || typeof value !== 'object' || value instanceof Uint8Array) continue;
    if (value.kind === 'tensor') {
      if (out.length >= PICKLE_LIMITS.tensors) throw new PickleError('LIMIT_EXCEEDED', `the checkpoint holds more than ${PICKLE_LIMITS.tensors} tensors`, file);
      out.push({ name, tensor: value });
      continue;
    }
    if (!isContainer(value) || seen.has(value)) continue;
    if (depth >= PICKLE_LIMITS.walkDepth) throw new PickleError('LIMIT_EXCEEDED', `containers nest deeper than ${PICKLE_LIMITS.walkDepth} at ${JSON.stringify(name)}`, file);
    if (++visited > PICKLE_LIMITS.walkNodes) throw new PickleError('LIMIT_EXCEEDED', `the checkpoint holds more than ${PICKLE_LIMITS.walkNodes} containers`, file);
    seen.add(value);
    const children = value.kind === 'dict' ? [...value.entries].map(([k, v]) => [keyText(k), v] as const) : value.items.map((v, i) => [String(i), v] as const);
    // Pushed in reverse so tensors come out in the pickle's order.
    for (let i = children.length - 1; i >= 0; i--) {
      const [key, child] = children[i];
      if (key !== null) work.push({ value: child, name: name === '' ? key : `${name}.${key}`, depth: depth + 1 });
    }
  }
  const names = new Set<string>();
  for (const t of out) {
    if (names.has(t.name)) throw new PickleError('NOT_A_STATE_DICT', `two tensors are named ${JSON.stringify(t.name)}`, file);
    names.add(t.name);
  }
  return out;
}

function stateDictRoot(root: PyValue): PyValue {
  if (root === null || typeof root !== 'object' || root instanceof Uint8Array || root.kind !== 'dict') return root;
  const inner = root.entries.get('state_dict');
  return inner !== undefined && isContainer(inner) && inner.kind === 'dict' ? inner : root;
}

function isContainer(value: PyValue): value is Extract<PyValue, { kind: 'dict' | 'list' | 'tuple' }> {
  return value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && (value.kind === 'dict' || value.kind === 'list' || value.kind === 'tuple');
}

/** A dict key as a name part: strings and integers; other keys (tuples, None) leave their value out. */
function keyText(key: PyValue): string | null {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'bigint') return String(key);
  return null;
}
