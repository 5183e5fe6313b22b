import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, win32 } from 'node:path';
import { PredictorError } from '../errors';

/**
 * ONNX external data: a TensorProto may keep its values in another file, named by an
 * `external_data` entry `location` (with `offset` and `length`) and marked `data_location =
 * EXTERNAL`. A predictor is a folder, so a model that names data outside it (an absolute path, a
 * `..` segment, a link that leads out) could make onnxruntime read any file the process can: such
 * a model is refused before a session is created.
 *
 * The model bytes are read by a small protobuf walker that visits only the messages that can hold
 * a tensor: ModelProto.graph (7), .training_info (20) and .functions (25); GraphProto.node (1),
 * .initializer (5) and .sparse_initializer (15); NodeProto.attribute (5); AttributeProto.t (5),
 * .g (6), .tensors (10), .graphs (11), .sparse_tensor (22), .sparse_tensors (23);
 * SparseTensorProto.values (1) and .indices (2); FunctionProto.node (7); TrainingInfoProto's two
 * graphs (1, 2); and in each TensorProto its name (8) and external_data entries (13:
 * StringStringEntryProto key 1, value 2). Every `location` is checked, whatever data_location
 * says: a hostile file gets no benefit of the doubt.
 */

/** One external-data reference: the tensor that makes it and the location it names. */
export interface ExternalDataRef {
  readonly tensor: string;
  readonly location: string;
}

/**
 * Nesting deeper than protobuf's own default recursion limit (100) is not a model onnxruntime
 * would parse either; the walker keeps one frame per level, so this also bounds its stack.
 */
const MAX_DEPTH = 100;
/** Distinct locations checked on disk (each one a realpath and a stat): far more than any real model splits into. */
const MAX_LOCATIONS = 4096;
/** A file-system path longer than this is no path any system opens. */
const MAX_LOCATION_BYTES = 4096;
/** Bytes of a tensor name quoted in a message. */
const LABEL_BYTES = 200;

const enum Kind {
  Model,
  Graph,
  Node,
  Attribute,
  SparseTensor,
  Function,
  TrainingInfo,
}

/** The child messages of each kind that can lead to a tensor: field number → kind, or 'tensor'. */
const CHILDREN: Readonly<Record<Kind, ReadonlyMap<number, Kind | 'tensor'>>> = {
  [Kind.Model]: new Map([
    [7, Kind.Graph],
    [20, Kind.TrainingInfo],
    [25, Kind.Function],
  ]),
  [Kind.Graph]: new Map<number, Kind | 'tensor'>([
    [1, Kind.Node],
    [5, 'tensor'],
    [15, Kind.SparseTensor],
  ]),
  [Kind.Node]: new Map([[5, Kind.Attribute]]),
  [Kind.Attribute]: new Map<number, Kind | 'tensor'>([
    [5, 'tensor'],
    [6, Kind.Graph],
    [10, 'tensor'],
    [11, Kind.Graph],
    [22, Kind.SparseTensor],
    [23, Kind.SparseTensor],
  ]),
  [Kind.SparseTensor]: new Map<number, Kind | 'tensor'>([
    [1, 'tensor'],
    [2, 'tensor'],
  ]),
  [Kind.Function]: new Map([[7, Kind.Node]]),
  [Kind.TrainingInfo]: new Map([
    [1, Kind.Graph],
    [2, Kind.Graph],
  ]),
};

/**
 * Every external-data location in a ModelProto, in file order. Malformed protobuf (a length past
 * its message, a truncated varint, an end-group out of place, nesting past MAX_DEPTH) is
 * PredictorError INVALID_PREDICTOR naming `file`; a location that is not UTF-8 or longer than
 * MAX_LOCATION_BYTES is UNSAFE_EXTERNAL_DATA. Linear in the model's size; no recursion.
 */
export function externalDataRefs(model: Uint8Array, file: string): ExternalDataRef[] {
  const reader = new Reader(model, file);
  const refs: ExternalDataRef[] = [];
  const stack: { kind: Kind; end: number }[] = [{ kind: Kind.Model, end: model.length }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (reader.pos >= frame.end) {
      stack.pop();
      continue;
    }
    const { field, wire } = reader.tag(frame.end);
    if (wire !== 2) {
      reader.skip(wire, frame.end);
      continue;
    }
    const end = reader.lengthEnd(frame.end);
    const child = CHILDREN[frame.kind].get(field);
    if (child === undefined) reader.pos = end;
    else if (child === 'tensor') {
      tensorRefs(reader, end, refs);
    } else {
      if (stack.length >= MAX_DEPTH) throw reader.malformed(`nests messages deeper than ${MAX_DEPTH} levels`);
      stack.push({ kind: child, end });
    }
  }
  return refs;
}

/**
 * Refuses a predictor's model whose external data lies outside `dir`: a location that is
 * absolute (on any platform), has a `..` segment, or resolves (links followed) outside the
 * folder is PredictorError UNSAFE_EXTERNAL_DATA; one that does not resolve to a regular file in
 * it is INVALID_PREDICTOR. A model without external data (every model train-predictor writes)
 * passes at once.
 */
export async function checkExternalData(dir: string, model: Uint8Array, file: string): Promise<void> {
  const refs = externalDataRefs(model, file);
  if (refs.length === 0) return;
  const locations = new Map<string, string>();
  for (const ref of refs) if (!locations.has(ref.location)) locations.set(ref.location, ref.tensor);
  if (locations.size > MAX_LOCATIONS) throw new PredictorError('INVALID_PREDICTOR', `${file} names ${locations.size} external-data files; at most ${MAX_LOCATIONS} are read`);
  const unsafe = (location: string, tensor: string, why: string) =>
    new PredictorError('UNSAFE_EXTERNAL_DATA', `${file}: tensor ${JSON.stringify(tensor)} keeps its data in ${JSON.stringify(location)}, ${why}; not loaded`);
  for (const [location, tensor] of locations) {
    if (location === '' || location.includes('\0')) throw unsafe(location, tensor, 'which is no file name');
    if (posix.isAbsolute(location) || win32.isAbsolute(location) || /^[A-Za-z]:/.test(location))
      throw unsafe(location, tensor, 'an absolute path (only paths inside the predictor folder are read)');
    if (location.split(/[\\/]/).includes('..')) throw unsafe(location, tensor, 'a path that climbs out of the predictor folder (..)');
  }
  const root = await realpath(dir);
  for (const [location, tensor] of locations) {
    let target: string;
    try {
      target = await realpath(join(root, location));
    } catch (error) {
      throw new PredictorError(
        'INVALID_PREDICTOR',
        `${file}: tensor ${JSON.stringify(tensor)} keeps its data in ${JSON.stringify(location)}, which cannot be resolved (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    const inside = relative(root, target);
    if (isAbsolute(inside) || inside.split(/[\\/]/)[0] === '..') throw unsafe(location, tensor, `which leads to ${target}, outside the predictor folder`);
    if (!(await stat(target)).isFile())
      throw new PredictorError('INVALID_PREDICTOR', `${file}: tensor ${JSON.stringify(tensor)} keeps its data in ${JSON.stringify(location)}, which is not a regular file`);
  }
}

/** Reads one TensorProto (bytes up to `end`): its name and each `location` entry. */
function tensorRefs(reader: Reader, end: number, refs: ExternalDataRef[]): void {
  let name = '';
  const locations: string[] = [];
  while (reader.pos < end) {
    const { field, wire } = reader.tag(end);
    if (wire !== 2) {
      reader.skip(wire, end);
      continue;
    }
    const fieldEnd = reader.lengthEnd(end);
    if (field === 8) name = reader.label(fieldEnd);
    else if (field === 13) {
      const entry = entryOf(reader, fieldEnd);
      // Other keys (offset, length, checksum) are onnxruntime's to check against the file it opens.
      if (entry.key === 'location') {
        if (entry.value === null)
          throw new PredictorError(
            'UNSAFE_EXTERNAL_DATA',
            `${reader.file}: a tensor names an external-data location that is not UTF-8 or longer than ${MAX_LOCATION_BYTES} bytes; not loaded`,
          );
        locations.push(entry.value);
      }
    }
    reader.pos = fieldEnd;
  }
  for (const location of locations) refs.push({ tensor: name, location });
}

/**
 * A StringStringEntryProto: the last key (1) and value (2), as protobuf keeps the last of a
 * repeated scalar. A value that is not UTF-8 or longer than MAX_LOCATION_BYTES is null.
 */
function entryOf(reader: Reader, end: number): { key: string; value: string | null } {
  let key = '';
  let value: string | null = '';
  while (reader.pos < end) {
    const { field, wire } = reader.tag(end);
    if (wire !== 2) {
      reader.skip(wire, end);
      continue;
    }
    const fieldEnd = reader.lengthEnd(end);
    if (field === 1) key = reader.text(fieldEnd) ?? '';
    else if (field === 2) value = reader.text(fieldEnd);
    reader.pos = fieldEnd;
  }
  return { key, value };
}

/** Protobuf wire reading over one buffer; every read is checked against the enclosing message's end. */
class Reader {
  pos = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(
    private readonly bytes: Uint8Array,
    readonly file: string,
  ) {}

  malformed(why: string): PredictorError {
    return new PredictorError('INVALID_PREDICTOR', `${this.file} is not an ONNX model onnxruntime can load (its protobuf ${why}, at byte ${this.pos})`);
  }

  tag(end: number): { field: number; wire: number } {
    const tag = this.varint(end);
    const field = Math.floor(tag / 8);
    if (field === 0) throw this.malformed('has a field number 0');
    return { field, wire: tag % 8 };
  }

  /** Skips a field of a non-length-delimited wire type (a group with everything up to its end). */
  skip(wire: number, end: number): void {
    if (wire === 0) this.varint(end);
    else if (wire === 1) this.advance(8, end);
    else if (wire === 5) this.advance(4, end);
    else if (wire === 3) this.skipGroup(end);
    else throw this.malformed(`uses wire type ${wire} out of place`);
  }

  /** Skips a (deprecated, but parseable) group: nested groups are counted, not recursed into. */
  private skipGroup(end: number): void {
    let open = 1;
    while (open > 0) {
      const { wire } = this.tag(end);
      if (wire === 3) open++;
      else if (wire === 4) open--;
      else if (wire === 2) this.pos = this.lengthEnd(end);
      else this.skip(wire, end);
    }
  }

  /** Reads a length prefix and returns where the field ends; the reader is left at its first byte. */
  lengthEnd(end: number): number {
    const length = this.varint(end);
    if (length > end - this.pos) throw this.malformed(`holds a field of ${length} bytes where ${end - this.pos} remain`);
    return this.pos + length;
  }

  /** UTF-8 text from here to `fieldEnd`; null when it is not UTF-8 or longer than MAX_LOCATION_BYTES. */
  text(fieldEnd: number): string | null {
    if (fieldEnd - this.pos > MAX_LOCATION_BYTES) return null;
    try {
      return this.decoder.decode(this.bytes.subarray(this.pos, fieldEnd));
    } catch {
      return null;
    }
  }

  /** A name for messages: its first LABEL_BYTES bytes, undecodable bytes replaced. */
  label(fieldEnd: number): string {
    return new TextDecoder().decode(this.bytes.subarray(this.pos, Math.min(fieldEnd, this.pos + LABEL_BYTES)));
  }

  /** A base-128 varint of at most 10 bytes; values past 2^53 lose precision, which only makes them "too long". */
  private varint(end: number): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw this.malformed('ends inside a varint');
      const byte = this.bytes[this.pos++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw this.malformed('holds a varint longer than 10 bytes');
  }

  private advance(n: number, end: number): void {
    if (n > end - this.pos) throw this.malformed('ends inside a fixed-width field');
    this.pos += n;
  }
}
