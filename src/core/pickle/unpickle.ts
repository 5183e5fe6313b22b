import { PickleError } from './errors';
import { PICKLE_LIMITS } from './limits';
import { Op, REFUSED_OPCODES } from './opcodes';
import { allowGlobal, callGlobal } from './torchGlobals';
import { kindOf, type PyDict, type PyList, type PySet, type PyValue } from './values';
import { PickleReader } from './reader';

/** Turns a persistent id (the tuple torch.serialization's persistent_id wrote) into a storage. */
export type PersistentLoad = (pid: PyValue) => PyValue;

/**
 * Runs one pickle (protocols 2 to 5) from `start` of `bytes` as a pure data interpreter: it
 * builds lists, dicts, tuples and the torch objects of torchGlobals, and refuses every other
 * global and every opcode that would construct or call anything else. Returns the value and
 * the offset just past its STOP. The opcodes' meaning follows CPython's Lib/pickle.py
 * (_Unpickler.load_*) and Lib/pickletools.py.
 */
export function unpickle(bytes: Uint8Array, start: number, file: string, persistentLoad: PersistentLoad): { value: PyValue; end: number } {
  const r = new PickleReader(bytes, start, file);
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  const fail = (message: string): PickleError => new PickleError('MALFORMED_PICKLE', `${message} (at byte ${r.opcodeAt} of the pickle)`, file);
  const push = (value: PyValue): void => {
    if (stack.length >= PICKLE_LIMITS.stackItems) throw new PickleError('LIMIT_EXCEEDED', `the pickle's stack grows past ${PICKLE_LIMITS.stackItems} items`, file);
    stack.push(value);
  };
  const pop = (): PyValue => {
    if (stack.length <= (marks.at(-1) ?? 0)) throw fail('an opcode pops an empty stack');
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length <= (marks.at(-1) ?? 0)) throw fail('an opcode needs a value and the stack is empty');
    return stack[stack.length - 1];
  };
  const popMark = (): PyValue[] => {
    const mark = marks.pop();
    if (mark === undefined) throw fail('an opcode needs a MARK and none is open');
    if (stack.length - mark > PICKLE_LIMITS.containerItems) throw new PickleError('LIMIT_EXCEEDED', `a container of more than ${PICKLE_LIMITS.containerItems} items`, file);
    return stack.splice(mark);
  };
  const put = (index: number, value: PyValue): void => {
    if (!memo.has(index) && memo.size >= PICKLE_LIMITS.memoEntries)
      throw new PickleError('LIMIT_EXCEEDED', `the pickle's memo grows past ${PICKLE_LIMITS.memoEntries} entries`, file);
    memo.set(index, value);
  };
  const get = (index: number): PyValue => {
    if (!memo.has(index)) throw fail(`memo entry ${index} is read before it is written`);
    return memo.get(index) as PyValue;
  };

  for (;;) {
    const op = r.opcode();
    switch (op) {
      case Op.PROTO: {
        const version = r.u8();
        if (version < 2 || version > 5) throw new PickleError('UNSUPPORTED', `pickle protocol ${version} (protocols 2 to 5 are read)`, file);
        break;
      }
      case Op.FRAME:
        r.frame();
        break;
      case Op.STOP:
        if (marks.length > 0 || stack.length !== 1) throw fail(`STOP with ${stack.length} values and ${marks.length} open MARKs on the stack`);
        return { value: stack[0], end: r.position };
      case Op.MARK:
        if (marks.length >= PICKLE_LIMITS.markDepth) throw new PickleError('LIMIT_EXCEEDED', `MARKs nest deeper than ${PICKLE_LIMITS.markDepth}`, file);
        marks.push(stack.length);
        break;
      case Op.POP:
        pop();
        break;
      case Op.POP_MARK:
        popMark();
        break;
      case Op.DUP:
        push(top());
        break;
      case Op.NONE:
        push(null);
        break;
      case Op.NEWTRUE:
        push(true);
        break;
      case Op.NEWFALSE:
        push(false);
        break;
      case Op.BININT:
        push(r.i32());
        break;
      case Op.BININT1:
        push(r.u8());
        break;
      case Op.BININT2:
        push(r.u16());
        break;
      case Op.LONG1:
        push(r.long(r.u8()));
        break;
      case Op.LONG4:
        push(r.long(r.length(4, PICKLE_LIMITS.longBytes)));
        break;
      case Op.BINFLOAT:
        push(r.f64be());
        break;
      case Op.SHORT_BINUNICODE:
        push(r.text(r.u8()));
        break;
      case Op.BINUNICODE:
        push(r.text(r.length(4, PICKLE_LIMITS.stringBytes)));
        break;
      case Op.BINUNICODE8:
        push(r.text(r.length(8, PICKLE_LIMITS.stringBytes)));
        break;
      case Op.SHORT_BINSTRING:
        push(r.text(r.u8()));
        break;
      case Op.BINSTRING:
        push(r.text(r.length(4, PICKLE_LIMITS.stringBytes)));
        break;
      case Op.SHORT_BINBYTES:
        push(r.bytes(r.u8()).slice());
        break;
      case Op.BINBYTES:
        push(r.bytes(r.length(4, PICKLE_LIMITS.stringBytes)).slice());
        break;
      case Op.BINBYTES8:
        push(r.bytes(r.length(8, PICKLE_LIMITS.stringBytes)).slice());
        break;
      case Op.EMPTY_TUPLE:
        push({ kind: 'tuple', items: [] });
        break;
      case Op.TUPLE1:
      case Op.TUPLE2:
      case Op.TUPLE3: {
        const n = op - Op.TUPLE1 + 1;
        const items: PyValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        push({ kind: 'tuple', items });
        break;
      }
      case Op.TUPLE:
        push({ kind: 'tuple', items: popMark() });
        break;
      case Op.EMPTY_LIST:
        push({ kind: 'list', items: [] });
        break;
      case Op.LIST:
        push({ kind: 'list', items: popMark() });
        break;
      case Op.APPEND:
      case Op.APPENDS: {
        const items = op === Op.APPEND ? [pop()] : popMark();
        const list = top();
        if (!isKind<PyList>(list, 'list') && !isKind<PySet>(list, 'set')) throw fail(`APPEND to ${kindOf(list)}`);
        addAll(list.items, items, file);
        break;
      }
      case Op.EMPTY_SET:
        push({ kind: 'set', items: [] });
        break;
      case Op.FROZENSET:
        push({ kind: 'set', items: popMark() });
        break;
      case Op.ADDITEMS: {
        const items = popMark();
        const set = top();
        if (!isKind<PySet>(set, 'set')) throw fail(`ADDITEMS to ${kindOf(set)}`);
        addAll(set.items, items, file);
        break;
      }
      case Op.EMPTY_DICT:
        push({ kind: 'dict', entries: new Map() });
        break;
      case Op.DICT: {
        const dict: PyDict = { kind: 'dict', entries: new Map() };
        setAll(dict, popMark(), file);
        push(dict);
        break;
      }
      case Op.SETITEM:
      case Op.SETITEMS: {
        const items =
          op === Op.SETITEMS
            ? popMark()
            : (() => {
                const value = pop();
                return [pop(), value];
              })();
        const dict = top();
        if (!isKind<PyDict>(dict, 'dict')) throw fail(`SETITEM on ${kindOf(dict)}`);
        setAll(dict, items, file);
        break;
      }
      case Op.BINPUT:
        put(r.u8(), top());
        break;
      case Op.LONG_BINPUT:
        put(r.u32(), top());
        break;
      case Op.MEMOIZE:
        put(memo.size, top());
        break;
      case Op.BINGET:
        push(get(r.u8()));
        break;
      case Op.LONG_BINGET:
        push(get(r.u32()));
        break;
      case Op.GLOBAL: {
        const module = r.line();
        push(allowGlobal(module, r.line(), file));
        break;
      }
      case Op.STACK_GLOBAL: {
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw fail(`STACK_GLOBAL on ${kindOf(module)} and ${kindOf(name)}, not two strings`);
        push(allowGlobal(module, name, file));
        break;
      }
      case Op.BINPERSID:
        push(persistentLoad(pop()));
        break;
      case Op.REDUCE: {
        const args = pop();
        push(callGlobal(pop(), args, file));
        break;
      }
      case Op.BUILD: {
        const state = pop();
        const target = top();
        // OrderedDict.__reduce__ hands its instance __dict__ (a state dict's `_metadata`) to BUILD; it is not needed here.
        if (!isKind<PyDict>(target, 'dict')) throw new PickleError('FORBIDDEN_OPCODE', `BUILD on ${kindOf(target)}: only a dict's state is accepted (at byte ${r.opcodeAt})`, file);
        if (state !== null && !isKind<PyDict>(state, 'dict') && !isKind(state, 'tuple')) throw fail(`BUILD with ${kindOf(state)} as state`);
        break;
      }
      default: {
        const name = REFUSED_OPCODES.get(op);
        const what = name ? `opcode ${name}, which builds or calls arbitrary objects` : `unknown or text-protocol opcode 0x${op.toString(16).padStart(2, '0')}`;
        throw new PickleError('FORBIDDEN_OPCODE', `the pickle uses ${what} (at byte ${r.opcodeAt}); it was refused and nothing was run`, file);
      }
    }
  }
}

function isKind<T extends { kind: string }>(value: PyValue, kind: T['kind']): value is PyValue & T {
  return value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && value.kind === kind;
}

function addAll(target: PyValue[], items: readonly PyValue[], file: string): void {
  if (target.length + items.length > PICKLE_LIMITS.containerItems) throw new PickleError('LIMIT_EXCEEDED', `a container of more than ${PICKLE_LIMITS.containerItems} items`, file);
  for (const item of items) target.push(item);
}

function setAll(dict: PyDict, items: readonly PyValue[], file: string): void {
  if (items.length % 2 !== 0) throw new PickleError('MALFORMED_PICKLE', 'SETITEMS with an odd number of values', file);
  if (dict.entries.size + items.length / 2 > PICKLE_LIMITS.containerItems)
    throw new PickleError('LIMIT_EXCEEDED', `a dict of more than ${PICKLE_LIMITS.containerItems} items`, file);
  for (let i = 0; i < items.length; i += 2) dict.entries.set(items[i], items[i + 1]);
}
