import { lstat } from 'node:fs/promises';
import { FileReadError, openRegularFile, readFully } from '../io/readFile';
import { SafetensorsError } from '../safetensors/errors';
import { SafetensorsFile } from '../safetensors/reader';
import type { TensorInfo } from '../safetensors/types';
import { ReferenceFileError } from './referenceErrors';

/**
 * A teacher direction θ·û·v̂ᵀ of one module (û, v̂ unit): the Dayi & Chen setting, where a
 * rank-1 perturbation of W0 is what the student's ΔW should recover.
 */
export interface DirectionReference {
  readonly kind: 'uv';
  /** The tensor-name prefix in the reference file. */
  readonly name: string;
  /** û (m) and v̂ (n), unit length. */
  readonly u: Float64Array;
  readonly v: Float64Array;
  /** θ > 0: the `<module>.theta` entry, else ‖u‖·‖v‖ as stored. */
  readonly theta: number;
  readonly thetaGiven: boolean;
}

/** A full reference ΔW (m×n) of one module. */
export interface MatrixReference {
  readonly kind: 'delta_w';
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** ΔW_ref column-major (converted from the file's row-major [m, n]). */
  readonly data: Float64Array;
  /** ‖ΔW_ref‖_F > 0. */
  readonly norm: number;
}

export type ModuleReference = DirectionReference | MatrixReference;

/** A reference file as read: one entry per module, in the file's order. */
export interface Reference {
  readonly file: string;
  /** `uv` or `delta_w` when every module has that form; `mixed` otherwise. */
  readonly kind: 'uv' | 'delta_w' | 'mixed';
  readonly modules: readonly ModuleReference[];
}

/**
 * Bounds on what a reference file may hold. A teacher vector is one row or column of a weight
 * (the largest models have under 2^18 features); a full ΔW of 2^25 entries (4096×8192) is
 * 256 MiB as float64, past which the tool is not the place to hold a reference whole.
 */
export const REFERENCE_LIMITS = {
  maxVectorLength: 1 << 20,
  maxMatrixElements: 1 << 25,
  /**
   * Every tensor together: 2^26 values are 512 MiB as float64, all of which stay in memory for
   * the whole series (two of the largest ΔW), beside the checkpoints' own factors.
   */
  maxTotalElements: 1 << 26,
  /** A header is a few hundred bytes per module; 16 MiB is tens of thousands of modules. */
  maxHeaderBytes: 16 * 1024 * 1024,
  maxModules: 100_000,
};

const SUFFIXES = ['u', 'v', 'theta', 'delta_w'] as const;
type Suffix = (typeof SUFFIXES)[number];

/**
 * Reads and validates a reference file (docs/cli.md, `checkpoints --reference`): a safetensors file
 * of `<module>.u` [m], `<module>.v` [n], optionally `<module>.theta` [1], or `<module>.delta_w`
 * [m, n], in F32 or F64. The path must name a regular file itself (not a link, FIFO or device);
 * its header is bounded before it is parsed, every shape before its data is read, every value
 * must be finite, and a direction or matrix of norm zero is refused. Throws ReferenceFileError (or
 * SafetensorsError for a file that is not valid safetensors).
 */
export async function readReference(path: string): Promise<Reference> {
  await checkRegular(path);
  await checkHeaderLength(path);
  let file: SafetensorsFile;
  try {
    file = await SafetensorsFile.open(path);
  } catch (error) {
    throw fromRead(error, path);
  }
  try {
    const groups = groupTensors(file.header.tensors, path);
    let total = 0;
    const modules: ModuleReference[] = [];
    for (const [name, parts] of groups) {
      for (const info of parts.values()) {
        total += info.elements;
        if (total > REFERENCE_LIMITS.maxTotalElements)
          throw new ReferenceFileError('TOO_LARGE', `the reference holds more than ${REFERENCE_LIMITS.maxTotalElements} values`, path, name);
      }
      modules.push(await moduleOf(file, name, parts, path));
    }
    if (modules.length === 0) throw new ReferenceFileError('NO_MODULES', 'the reference holds no `<module>.u`/`.v` or `<module>.delta_w` tensors', path);
    await file.assertUnchanged();
    const kinds = new Set(modules.map((m) => m.kind));
    return { file: path, kind: kinds.size === 1 ? modules[0].kind : 'mixed', modules };
  } finally {
    await file.close();
  }
}

async function checkRegular(path: string): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    throw new ReferenceFileError('NOT_FOUND', `cannot read the reference: ${(error as Error).message}`, path);
  }
  // A link is refused rather than followed: the reference names the file that is measured against.
  if (info.isSymbolicLink()) throw new ReferenceFileError('NOT_REGULAR', 'the reference is a symbolic link; pass the file it points to', path);
  if (!info.isFile()) throw new ReferenceFileError('NOT_REGULAR', 'the reference is not a regular file', path);
}

/** The 8-byte header length, bounded here far below the format's 100 MB before any of it is read. */
async function checkHeaderLength(path: string): Promise<void> {
  let handle;
  try {
    handle = await openRegularFile(path, 'the reference');
  } catch (error) {
    throw fromRead(error, path);
  }
  try {
    const prefix = new Uint8Array(8);
    if ((await readFully(handle, prefix, 0)) < 8) throw new ReferenceFileError('TRUNCATED', 'the reference is shorter than a safetensors header length (8 bytes)', path);
    const n = new DataView(prefix.buffer).getBigUint64(0, true);
    if (n > BigInt(REFERENCE_LIMITS.maxHeaderBytes))
      throw new ReferenceFileError('HEADER_TOO_LARGE', `the header claims ${n} bytes, over the ${REFERENCE_LIMITS.maxHeaderBytes}-byte limit for a reference`, path);
  } finally {
    await handle.close();
  }
}

function fromRead(error: unknown, path: string): unknown {
  if (error instanceof FileReadError) return new ReferenceFileError(error.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'NOT_REGULAR', error.message, path);
  if (error instanceof SafetensorsError && (error.code === 'HEADER_PAST_END' || error.code === 'MISSING_BYTES' || error.code === 'FILE_TOO_SMALL'))
    return new ReferenceFileError('TRUNCATED', `the reference is truncated: ${error.message}`, path);
  return error;
}

/** Tensors grouped by module: `<module>.<suffix>` with the suffix after the last dot. */
function groupTensors(tensors: readonly TensorInfo[], path: string): Map<string, Map<Suffix, TensorInfo>> {
  const groups = new Map<string, Map<Suffix, TensorInfo>>();
  for (const t of tensors) {
    const dot = t.name.lastIndexOf('.');
    const suffix = t.name.slice(dot + 1);
    if (dot <= 0 || !(SUFFIXES as readonly string[]).includes(suffix))
      throw new ReferenceFileError('BAD_KEY', `tensor ${JSON.stringify(t.name)} is not <module>.u, .v, .theta or .delta_w`, path, t.name);
    if (t.dtype !== 'F32' && t.dtype !== 'F64')
      throw new ReferenceFileError('BAD_DTYPE', `tensor ${JSON.stringify(t.name)} is ${t.dtype}; a reference holds F32 or F64`, path, t.name);
    const name = t.name.slice(0, dot);
    let group = groups.get(name);
    if (!group) {
      if (groups.size >= REFERENCE_LIMITS.maxModules) throw new ReferenceFileError('TOO_LARGE', `the reference names more than ${REFERENCE_LIMITS.maxModules} modules`, path);
      group = new Map();
      groups.set(name, group);
    }
    group.set(suffix as Suffix, t);
  }
  return groups;
}

async function moduleOf(file: SafetensorsFile, name: string, parts: Map<Suffix, TensorInfo>, path: string): Promise<ModuleReference> {
  const delta = parts.get('delta_w');
  const [u, v, theta] = [parts.get('u'), parts.get('v'), parts.get('theta')];
  if (delta && (u || v || theta)) throw new ReferenceFileError('BAD_KEY', `${name} has both delta_w and u/v/theta; give one form`, path, name);
  if (delta) return matrixOf(file, name, delta, path);
  if (!u || !v) throw new ReferenceFileError('MISSING_KEY', `${name} has ${u ? 'u' : 'v'} but no ${u ? 'v' : 'u'}`, path, name);
  const uValues = await vectorOf(file, u, path);
  const vValues = await vectorOf(file, v, path);
  const uNorm = unitInPlace(uValues, u.name, path);
  const vNorm = unitInPlace(vValues, v.name, path);
  let value = uNorm * vNorm;
  if (theta) {
    if (theta.elements !== 1 || theta.shape.length > 1)
      throw new ReferenceFileError('BAD_SHAPE', `${theta.name} is [${theta.shape.join(', ')}]; θ is one value, shape [1]`, path, theta.name);
    value = (await finiteValues(file, theta, path))[0];
    if (!(value > 0)) throw new ReferenceFileError('BAD_VALUE', `${theta.name} is ${value}; θ must be positive (flip u or v for a negative one)`, path, theta.name);
  }
  if (!Number.isFinite(value) || value <= 0) throw new ReferenceFileError('BAD_VALUE', `θ = ‖u‖·‖v‖ of ${name} is ${value}`, path, name);
  return { kind: 'uv', name, u: uValues, v: vValues, theta: value, thetaGiven: theta !== undefined };
}

async function vectorOf(file: SafetensorsFile, info: TensorInfo, path: string): Promise<Float64Array> {
  if (info.shape.length !== 1 || info.elements < 1 || info.elements > REFERENCE_LIMITS.maxVectorLength)
    throw new ReferenceFileError(
      'BAD_SHAPE',
      `${info.name} is [${info.shape.join(', ')}]; a direction is one axis of 1 to ${REFERENCE_LIMITS.maxVectorLength} values`,
      path,
      info.name,
    );
  return finiteValues(file, info, path);
}

async function matrixOf(file: SafetensorsFile, name: string, info: TensorInfo, path: string): Promise<MatrixReference> {
  const [rows, cols] = info.shape;
  if (info.shape.length !== 2 || rows < 1 || cols < 1 || info.elements > REFERENCE_LIMITS.maxMatrixElements)
    throw new ReferenceFileError(
      'BAD_SHAPE',
      `${info.name} is [${info.shape.join(', ')}]; a reference ΔW is [m, n] with at most ${REFERENCE_LIMITS.maxMatrixElements} entries`,
      path,
      info.name,
    );
  // The file's row-major [m, n] becomes column-major in place: one m·n buffer, not two.
  const data = transposeInPlace(await finiteValues(file, info, path), rows, cols);
  let sum = 0;
  for (const x of data) sum += x * x;
  const norm = Math.sqrt(sum);
  if (!(norm > 0) || !Number.isFinite(norm))
    throw new ReferenceFileError('BAD_VALUE', `${info.name} has norm ${norm}; a reference ΔW must be non-zero and finite`, path, info.name);
  return { kind: 'delta_w', name, rows, cols, data, norm };
}

/**
 * A row-major rows×cols matrix rewritten column-major in its own buffer by following the cycles
 * of the permutation p → p·rows mod (N − 1) (the entry at i·cols + j belongs at j·rows + i), with
 * a bitmap of N bits for what has moved (Knuth, TAOCP vol. 1, §1.3.3 ex. 12). p·rows stays below
 * 2^50, exact in a double, since N ≤ 2^25.
 */
function transposeInPlace(a: Float64Array, rows: number, cols: number): Float64Array {
  const N = rows * cols;
  if (rows === 1 || cols === 1) return a;
  const moved = new Uint8Array(Math.ceil(N / 8));
  for (let start = 1; start < N - 1; start++) {
    if (moved[start >> 3] & (1 << (start & 7))) continue;
    let p = start;
    let carried = a[start];
    do {
      const q = (p * rows) % (N - 1);
      const next = a[q];
      a[q] = carried;
      carried = next;
      moved[q >> 3] |= 1 << (q & 7);
      p = q;
    } while (p !== start);
  }
  return a;
}

async function finiteValues(file: SafetensorsFile, info: TensorInfo, path: string): Promise<Float64Array> {
  const values = await file.readFloat64(info);
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i])) throw new ReferenceFileError('NOT_FINITE', `${info.name} holds ${values[i]} at entry ${i}`, path, info.name);
  return values;
}

/** Scales `x` to unit length in place (by its largest entry first, so no square overflows); returns its norm. */
function unitInPlace(x: Float64Array, name: string, path: string): number {
  let big = 0;
  for (const e of x) big = Math.max(big, Math.abs(e));
  if (big === 0) throw new ReferenceFileError('BAD_VALUE', `${name} is zero; a direction needs a non-zero vector`, path, name);
  let sum = 0;
  for (const e of x) sum += (e / big) * (e / big);
  const norm = big * Math.sqrt(sum);
  for (let i = 0; i < x.length; i++) x[i] /= norm;
  return norm;
}
