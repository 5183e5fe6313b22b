import type { Cursor } from './cursor';
import { GgufError } from './errors';

/**
 * GGUF metadata value types by id (ggml/src/gguf.cpp, `enum gguf_type`; gguf-py/gguf/constants.py,
 * `GGUFValueType`), with each scalar's width in bytes (0 for the variable-length kinds).
 */
const VALUE_TYPES = [
  ['UINT8', 1],
  ['INT8', 1],
  ['UINT16', 2],
  ['INT16', 2],
  ['UINT32', 4],
  ['INT32', 4],
  ['FLOAT32', 4],
  ['BOOL', 1],
  ['STRING', 0],
  ['ARRAY', 0],
  ['UINT64', 8],
  ['INT64', 8],
  ['FLOAT64', 8],
] as const;

export type GgufValueType = (typeof VALUE_TYPES)[number][0];

const STRING = 8;
const ARRAY = 9;

/** The longest metadata string read (chat templates run to tens of kilobytes). */
export const MAX_STRING_BYTES = 16 * 1024 * 1024;
/** The most items one metadata array may hold (a vocabulary has a few hundred thousand). */
export const MAX_ARRAY_ITEMS = 1 << 26;
/** How deeply arrays may nest (no writer nests them at all; gguf-py's reader allows it). */
export const MAX_ARRAY_DEPTH = 8;
/** Items of each array kept for display; the rest are read past. */
export const KEPT_ITEMS = 16;
/** Items kept for display across one value's nested arrays, so nesting cannot multiply them. */
const KEPT_PER_VALUE = 256;

export interface GgufArray {
  readonly itemType: GgufValueType;
  readonly length: number;
  /** The first {@link KEPT_ITEMS} items. */
  readonly items: GgufValue[];
}

export type GgufValue = number | bigint | boolean | string | GgufArray;

/** One key/value pair of the metadata section. */
export interface GgufEntry {
  readonly key: string;
  readonly type: GgufValueType;
  readonly value: GgufValue;
}

/** The smallest encoding of an item of each type: bounds an array's length by the bytes left. */
function minimumBytes(id: number): number {
  if (id === STRING) return 8;
  if (id === ARRAY) return 12;
  return VALUE_TYPES[id][1];
}

function typeName(id: number, cursor: Cursor, where: string): GgufValueType {
  const entry = VALUE_TYPES[id] as (typeof VALUE_TYPES)[number] | undefined;
  if (!entry) throw new GgufError('INVALID_METADATA', `${where} has value type ${id}, which GGUF does not define (0–12)`, cursor.file);
  return entry[0];
}

/** Reads the value type id and then the value of one metadata entry. */
export function readTypedValue(cursor: Cursor, where: string): { type: GgufValueType; value: GgufValue } {
  const id = cursor.u32(`the value type of ${where}`);
  const type = typeName(id, cursor, where);
  return { type, value: id === ARRAY ? readArray(cursor, where) : readScalar(cursor, id, where, true) };
}

function readScalar(cursor: Cursor, id: number, where: string, keep: boolean): GgufValue {
  switch (id) {
    case 0:
      return cursor.u8(where);
    case 1:
      return cursor.i8(where);
    case 2:
      return cursor.u16(where);
    case 3:
      return cursor.i16(where);
    case 4:
      return cursor.u32(where);
    case 5:
      return cursor.i32(where);
    case 6:
      return cursor.f32(where);
    case 7:
      return cursor.u8(where) !== 0;
    case STRING:
      return cursor.string(where, MAX_STRING_BYTES, keep);
    case 10:
      return cursor.u64(where);
    case 11:
      return cursor.i64(where);
    default:
      return cursor.f64(where);
  }
}

interface OpenArray extends GgufArray {
  readonly id: number;
  read: number;
}

/**
 * Reads an array (item type u32, count u64, items) with an explicit stack, so nesting costs no
 * call depth; depth, counts and string lengths are bounded before anything is read.
 */
function readArray(cursor: Cursor, where: string): GgufArray {
  const open = (): OpenArray => {
    const id = cursor.u32(`the item type of an array in ${where}`);
    const itemType = typeName(id, cursor, `an array in ${where}`);
    const length = cursor.count(`the length of an array in ${where}`, MAX_ARRAY_ITEMS);
    if (length * minimumBytes(id) > cursor.remaining) {
      throw new GgufError('PAST_END', `an array in ${where} says it holds ${length} ${itemType} items, more than the ${cursor.remaining} bytes left in the file`, cursor.file);
    }
    return { id, itemType, length, items: [], read: 0 };
  };
  const root = open();
  const stack: OpenArray[] = [root];
  let budget = KEPT_PER_VALUE;
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.read === top.length) {
      stack.pop();
      continue;
    }
    const keep = top.items.length < KEPT_ITEMS && budget > 0;
    if (keep) budget--;
    top.read++;
    if (top.id === ARRAY) {
      if (stack.length >= MAX_ARRAY_DEPTH) throw new GgufError('LIMIT_EXCEEDED', `arrays in ${where} nest more than ${MAX_ARRAY_DEPTH} deep`, cursor.file);
      const child = open();
      if (keep) top.items.push(child);
      stack.push(child);
    } else {
      const value = readScalar(cursor, top.id, where, keep);
      if (keep) top.items.push(value);
    }
  }
  return root;
}

/** The longest text a metadata value is shown as. */
export const MAX_SHOWN_CHARS = 4096;

/** A value as text for display: arrays show their first items and their length. */
export function valueText(value: GgufValue): string {
  if (typeof value !== 'object') return clip(String(value));
  const parts: string[] = [];
  const stack: { array: GgufArray; index: number }[] = [{ array: value, index: 0 }];
  parts.push('[');
  let length = 1;
  while (stack.length > 0 && length <= MAX_SHOWN_CHARS) {
    const top = stack[stack.length - 1];
    if (top.index === top.array.items.length) {
      if (top.array.items.length < top.array.length) parts.push(`${top.index > 0 ? ', ' : ''}… ${top.array.length} ${top.array.itemType} items`);
      parts.push(']');
      stack.pop();
      continue;
    }
    const item = top.array.items[top.index];
    const text = (top.index > 0 ? ', ' : '') + (typeof item === 'object' ? '[' : typeof item === 'string' ? JSON.stringify(clip(item)) : String(item));
    parts.push(text);
    length += text.length;
    top.index++;
    if (typeof item === 'object') stack.push({ array: item, index: 0 });
  }
  return clip(parts.join(''));
}

function clip(text: string): string {
  return text.length <= MAX_SHOWN_CHARS ? text : `${text.slice(0, MAX_SHOWN_CHARS)}…`;
}
