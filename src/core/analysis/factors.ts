import type { FactorRef, LowRankFactors } from '../adapter/model';
import type { FactorInput, TallFactor } from '../compute/backend';
import type { Matrix } from '../linalg/matrix';
import { decodeMatrix, decodeStored } from '../safetensors/decodeMatrix';
import type { TensorSource } from '../container/source';
import { DTYPE_BITS, type TensorInfo } from '../safetensors/types';
import { FactorTooLargeError, ModuleDataError } from './factorErrors';
import { DEFAULT_FACTOR_LIMITS, type FactorLimits, type StreamedSource } from './streamedFactor';
import { DerivedFactorError, isDerived, readDerived } from './derivedFactor';
import type { Workspace } from './workspace';

export { ModuleDataError };

/** Where a factor's values are, as a stored rows×cols row-major matrix (first axis against the rest). */
interface StoredSlice {
  readonly info: TensorInfo;
  readonly rows: number;
  readonly cols: number;
  readonly range?: { readonly start: number; readonly count: number };
}

function storedSlice(file: TensorSource, ref: FactorRef): StoredSlice {
  const info = file.header.byName.get(ref.tensor);
  if (!info) throw new ModuleDataError(`${ref.tensor} is not in the file`);
  if (!ref.block) return { info, rows: info.shape[0] ?? 1, cols: info.shape.slice(1).reduce((a, b) => a * b, 1) };
  const { index, count } = ref.block;
  const span = ref.block.span ?? 1;
  const leading = info.shape[0] ?? 0;
  if (count <= 0 || leading % count !== 0 || index < 0 || span < 1 || index + span > count)
    throw new ModuleDataError(`block ${index}${span > 1 ? `–${index + span - 1}` : ''} of ${count} does not divide ${ref.tensor} [${info.shape}]`);
  const per = (leading / count) * span;
  const dims = per === 1 && info.shape.length >= 3 ? info.shape.slice(1) : [per, ...info.shape.slice(1)];
  const size = info.elements / count;
  return { info, rows: dims[0] ?? 1, cols: dims.slice(1).reduce((a, b) => a * b, 1), range: { start: index * size, count: size * span } };
}

/** The slice's elements, refused (FactorTooLargeError) past the whole-read bound. */
function wholeCount(ref: FactorRef, s: StoredSlice, limits: FactorLimits): number {
  const count = s.rows * s.cols;
  if (count > limits.maxElements) throw new FactorTooLargeError(ref.tensor, count, limits.maxElements);
  return count;
}

/**
 * Where a factor lies for the streamed spectrum path (streamedR), when it has more elements
 * than `limits` lets it be read whole; null when it is read whole. `tall` as for readTall.
 */
export function streamedSourceOf(file: TensorSource, ref: FactorRef, role: 'B' | 'At', limits: FactorLimits): StreamedSource | null {
  // A derived factor (interleaved experts, a window, row scales, quantized codes) is assembled whole.
  if (isDerived(ref)) return null;
  const s = storedSlice(file, ref);
  if (s.rows * s.cols <= limits.maxElements) return null;
  const tall = role === 'B' ? !ref.transposed : ref.transposed;
  const [rows, cols] = tall ? [s.rows, s.cols] : [s.cols, s.rows];
  return { tensor: ref.tensor, start: s.range?.start ?? 0, rows, cols, tall };
}

function checkFinite(name: string, nan: number, infinite: number): void {
  if (nan + infinite === 0) return;
  const what = [nan && `${nan} NaN`, infinite && `${infinite} infinite`].filter(Boolean).join(' and ');
  throw new ModuleDataError(`${name} holds ${what} value${nan + infinite === 1 ? '' : 's'}; its spectrum cannot be computed`);
}

/**
 * Reads a stored matrix as float64, row-major as stored or column-major, checking that every
 * value is finite: NaN or Inf in a factor makes every metric of the module meaningless, so it
 * is reported instead.
 */
export async function readStored(
  file: TensorSource,
  ref: FactorRef,
  columnMajor = false,
  workspace?: Workspace,
  limits: FactorLimits = DEFAULT_FACTOR_LIMITS,
): Promise<{ data: Float64Array; rows: number; cols: number }> {
  if (isDerived(ref)) return derivedStored(file, ref, columnMajor);
  const s = storedSlice(file, ref);
  const count = wholeCount(ref, s, limits);
  const bytes = await file.readBytes(s.info, s.range, workspace?.bytes((count * DTYPE_BITS[s.info.dtype]) / 8));
  const decoded = decodeMatrix(bytes, s.info.dtype, s.rows, s.cols, columnMajor, s.info.name, file.header.file, workspace?.float64(count));
  checkFinite(ref.tensor, decoded.nan, decoded.infinite);
  return { data: decoded.data, rows: s.rows, cols: s.cols };
}

/** A derived factor (interleaved block, window, row scales, quantized) in the order asked for. */
async function derivedStored(file: TensorSource, ref: FactorRef, columnMajor: boolean): Promise<{ data: Float64Array; rows: number; cols: number }> {
  let m: { data: Float64Array; rows: number; cols: number };
  try {
    m = await readDerived(file, ref);
  } catch (error) {
    if (error instanceof DerivedFactorError) throw new ModuleDataError(error.message);
    throw error;
  }
  let nan = 0;
  let infinite = 0;
  for (let i = 0; i < m.data.length; i++) {
    const v = m.data[i];
    if (Number.isNaN(v)) nan++;
    else if (!Number.isFinite(v)) infinite++;
  }
  checkFinite(ref.tensor, nan, infinite);
  if (!columnMajor) return m;
  const data = new Float64Array(m.data.length);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) data[j * m.rows + i] = m.data[i * m.cols + j];
  return { data, rows: m.rows, cols: m.cols };
}

/**
 * One tall factor (canonical B, m×r, or Aᵀ, n×r) in the form the backend asked for. `tall`
 * says whether the canonical factor's rows run along the stored tensor's first axis: true for
 * a stored B (PEFT lora_B [m, r]) and for a transposed-stored Aᵀ (mlx lora_a [n, r]).
 */
async function readTall(file: TensorSource, ref: FactorRef, tall: boolean, input: FactorInput, workspace: Workspace | undefined, limits: FactorLimits): Promise<TallFactor> {
  if (isDerived(ref)) {
    const m = await derivedStored(file, ref, tall);
    return { rows: tall ? m.rows : m.cols, cols: tall ? m.cols : m.rows, layout: 'wide', values: m.data };
  }
  const s = storedSlice(file, ref);
  const [d, r] = tall ? [s.rows, s.cols] : [s.cols, s.rows];
  if (input === 'float64-wide') {
    const m = await readStored(file, ref, tall, workspace, limits);
    return { rows: d, cols: r, layout: 'wide', values: m.data };
  }
  const count = wholeCount(ref, s, limits);
  const bytes = await file.readBytes(s.info, s.range, workspace?.bytes((count * DTYPE_BITS[s.info.dtype]) / 8));
  const decoded = decodeStored(bytes, s.info.dtype, count, s.info.name, file.header.file, workspace?.factor32(count));
  checkFinite(ref.tensor, decoded.nan, decoded.infinite);
  return { rows: d, cols: r, layout: tall ? 'tall' : 'wide', values: decoded.data };
}

/** The canonical B (m×r): stored as B (tall) or, when the reference is transposed, as Bᵀ. */
export function readB(file: TensorSource, ref: FactorRef, input: FactorInput, workspace?: Workspace, limits = DEFAULT_FACTOR_LIMITS): Promise<TallFactor> {
  return readTall(file, ref, !ref.transposed, input, workspace, limits);
}

/** The canonical Aᵀ (n×r): stored as A (wide) or, when the reference is transposed, as Aᵀ. */
export function readAt(file: TensorSource, ref: FactorRef, input: FactorInput, workspace?: Workspace, limits = DEFAULT_FACTOR_LIMITS): Promise<TallFactor> {
  return readTall(file, ref, ref.transposed, input, workspace, limits);
}

/** A factor as a float64 column-major matrix, for the small dense work done before a backend sees it. */
export async function readMatrix(file: TensorSource, ref: FactorRef, role: 'B' | 'At', workspace?: Workspace, limits = DEFAULT_FACTOR_LIMITS): Promise<Matrix> {
  const f = await (role === 'B' ? readB : readAt)(file, ref, 'float64-wide', workspace, limits);
  return { rows: f.rows, cols: f.cols, data: f.values as Float64Array };
}

/**
 * A pair as float64 column-major B (m×r) and Aᵀ (n×r), with the Tucker core `mid`, when there
 * is one, contracted into Aᵀ: the halves of LoHa and the sides of LoKr.
 */
export async function readPair(
  file: TensorSource,
  B: FactorRef,
  A: FactorRef,
  mid: FactorRef | undefined,
  workspace?: Workspace,
  limits = DEFAULT_FACTOR_LIMITS,
): Promise<{ B: Matrix; At: Matrix }> {
  const b = await readMatrix(file, B, 'B', workspace, limits);
  const At = await readMatrix(file, A, 'At', workspace, limits);
  return { B: b, At: mid ? await contractTucker(file, mid, At, workspace, limits) : At };
}

/** B, Aᵀ and the r×r mixer of a low-rank module, as the spectrum route wants them. */
export interface LowRankData {
  readonly B: TallFactor;
  readonly At: TallFactor;
  /** M (r×r, column-major): MoSLoRA's mixer, or diag(E) for AdaLoRA; absent means identity. */
  readonly M?: Matrix;
}

/** Reads a low-rank module's factors, contracting a Tucker core into A when there is one. */
export async function readLowRank(file: TensorSource, f: LowRankFactors, input: FactorInput, workspace?: Workspace, limits = DEFAULT_FACTOR_LIMITS): Promise<LowRankData> {
  const B = await readB(file, f.B, input, workspace, limits);
  let At = await readAt(file, f.A, f.mid ? 'float64-wide' : input, workspace, limits);
  if (f.mid) {
    const contracted = await contractTucker(file, f.mid, { rows: At.rows, cols: At.cols, data: At.values as Float64Array }, workspace, limits);
    At = { rows: contracted.rows, cols: contracted.cols, layout: 'wide', values: contracted.data };
  }
  return { B, At, ...(await readMixer(file, f, B.cols)) };
}

/** M (r×r, column-major): MoSLoRA's mixer, or diag(E) for AdaLoRA; absent means identity. */
export async function readMixer(file: TensorSource, f: LowRankFactors, r: number): Promise<{ M?: Matrix }> {
  let M: Matrix | undefined;
  if (f.mixer) {
    M = { rows: r, cols: r, data: (await readStored(file, f.mixer, true)).data };
  } else if (f.diagonal) {
    const e = (await readStored(file, f.diagonal)).data;
    const data = new Float64Array(r * r);
    for (let i = 0; i < r; i++) data[i * r + i] = e[i];
    M = { rows: r, cols: r, data };
  }
  return M ? { M } : {};
}

/**
 * kohya/LyCORIS Tucker conv: ΔW[o, i, h, w] = Σ_{a,b} up[o,a]·mid[a,b,h,w]·down[b,i]. The
 * effective A is r × (in·kh·kw) with A_eff[a, (i,h,w)] = Σ_b mid[a,b,h,w]·down[b,i]; returned as
 * A_effᵀ in column-major order (column a holds row a of A_eff).
 */
async function contractTucker(file: TensorSource, midRef: FactorRef, downT: Matrix, workspace: Workspace | undefined, limits: FactorLimits): Promise<Matrix> {
  const mid = await readStored(file, midRef, false, workspace, limits);
  const r = downT.cols;
  const inputs = downT.rows;
  if (mid.rows !== r || r === 0 || mid.cols % r !== 0) throw new ModuleDataError(`Tucker core ${midRef.tensor} has ${mid.rows}×${mid.cols} values, which do not fit rank ${r}`);
  const k = mid.cols / r;
  const n = inputs * k;
  if (n * r > limits.maxElements) throw new FactorTooLargeError(`${midRef.tensor} contracted with its down factor`, n * r, limits.maxElements);
  const out = new Float64Array(n * r);
  for (let a = 0; a < r; a++) {
    for (let b = 0; b < r; b++) {
      const core = (a * r + b) * k;
      for (let i = 0; i < inputs; i++) {
        const d = downT.data[b * inputs + i];
        if (d === 0) continue;
        const dst = a * n + i * k;
        for (let hw = 0; hw < k; hw++) out[dst + hw] += mid.data[core + hw] * d;
      }
    }
  }
  return { rows: n, cols: r, data: out };
}
