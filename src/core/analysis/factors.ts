import type { FactorRef, LowRankFactors } from '../adapter/model';
import type { FactorInput, TallFactor } from '../compute/backend';
import type { Matrix } from '../linalg/matrix';
import { decodeMatrix, decodeStored } from '../safetensors/decodeMatrix';
import type { TensorSource } from '../container/source';
import { DTYPE_BITS, type TensorInfo } from '../safetensors/types';
import type { Workspace } from './workspace';

/** A module that cannot be analysed for a reason found in its data (NaN, Inf, a bad slice). */
export class ModuleDataError extends Error {
  override readonly name = 'ModuleDataError';
}

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
  const leading = info.shape[0] ?? 0;
  if (count <= 0 || leading % count !== 0 || index < 0 || index >= count) throw new ModuleDataError(`block ${index} of ${count} does not divide ${ref.tensor} [${info.shape}]`);
  const per = leading / count;
  const dims = per === 1 && info.shape.length >= 3 ? info.shape.slice(1) : [per, ...info.shape.slice(1)];
  const size = info.elements / count;
  return { info, rows: dims[0] ?? 1, cols: dims.slice(1).reduce((a, b) => a * b, 1), range: { start: index * size, count: size } };
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
export async function readStored(file: TensorSource, ref: FactorRef, columnMajor = false, workspace?: Workspace): Promise<{ data: Float64Array; rows: number; cols: number }> {
  const s = storedSlice(file, ref);
  const count = s.rows * s.cols;
  const bytes = await file.readBytes(s.info, s.range, workspace?.bytes((count * DTYPE_BITS[s.info.dtype]) / 8));
  const decoded = decodeMatrix(bytes, s.info.dtype, s.rows, s.cols, columnMajor, s.info.name, file.header.file, workspace?.float64(count));
  checkFinite(ref.tensor, decoded.nan, decoded.infinite);
  return { data: decoded.data, rows: s.rows, cols: s.cols };
}

/**
 * One tall factor (canonical B, m×r, or Aᵀ, n×r) in the form the backend asked for. `tall`
 * says whether the canonical factor's rows run along the stored tensor's first axis: true for
 * a stored B (PEFT lora_B [m, r]) and for a transposed-stored Aᵀ (mlx lora_a [n, r]).
 */
async function readTall(file: TensorSource, ref: FactorRef, tall: boolean, input: FactorInput, workspace?: Workspace): Promise<TallFactor> {
  const s = storedSlice(file, ref);
  const [d, r] = tall ? [s.rows, s.cols] : [s.cols, s.rows];
  if (input === 'float64-wide') {
    const m = await readStored(file, ref, tall, workspace);
    return { rows: d, cols: r, layout: 'wide', values: m.data };
  }
  const count = s.rows * s.cols;
  const bytes = await file.readBytes(s.info, s.range, workspace?.bytes((count * DTYPE_BITS[s.info.dtype]) / 8));
  const decoded = decodeStored(bytes, s.info.dtype, count, s.info.name, file.header.file, workspace?.factor32(count));
  checkFinite(ref.tensor, decoded.nan, decoded.infinite);
  return { rows: d, cols: r, layout: tall ? 'tall' : 'wide', values: decoded.data };
}

/** The canonical B (m×r): stored as B (tall) or, when the reference is transposed, as Bᵀ. */
function readB(file: TensorSource, ref: FactorRef, input: FactorInput, workspace?: Workspace): Promise<TallFactor> {
  return readTall(file, ref, !ref.transposed, input, workspace);
}

/** The canonical Aᵀ (n×r): stored as A (wide) or, when the reference is transposed, as Aᵀ. */
export function readAt(file: TensorSource, ref: FactorRef, input: FactorInput, workspace?: Workspace): Promise<TallFactor> {
  return readTall(file, ref, ref.transposed, input, workspace);
}

/** A factor as a float64 column-major matrix, for the small dense work done before a backend sees it. */
export async function readMatrix(file: TensorSource, ref: FactorRef, role: 'B' | 'At', workspace?: Workspace): Promise<Matrix> {
  const f = await (role === 'B' ? readB : readAt)(file, ref, 'float64-wide', workspace);
  return { rows: f.rows, cols: f.cols, data: f.values as Float64Array };
}

/** B, Aᵀ and the r×r mixer of a low-rank module, as the spectrum route wants them. */
export interface LowRankData {
  readonly B: TallFactor;
  readonly At: TallFactor;
  /** M (r×r, column-major): MoSLoRA's mixer, or diag(E) for AdaLoRA; absent means identity. */
  readonly M?: Matrix;
}

/** Reads a low-rank module's factors, contracting a Tucker core into A when there is one. */
export async function readLowRank(file: TensorSource, f: LowRankFactors, input: FactorInput, workspace?: Workspace): Promise<LowRankData> {
  const B = await readB(file, f.B, input, workspace);
  let At = await readAt(file, f.A, f.mid ? 'float64-wide' : input, workspace);
  if (f.mid) {
    const contracted = await contractTucker(file, f.mid, { rows: At.rows, cols: At.cols, data: At.values as Float64Array }, workspace);
    At = { rows: contracted.rows, cols: contracted.cols, layout: 'wide', values: contracted.data };
  }
  const r = B.cols;
  let M: Matrix | undefined;
  if (f.mixer) {
    M = { rows: r, cols: r, data: (await readStored(file, f.mixer, true)).data };
  } else if (f.diagonal) {
    const e = (await readStored(file, f.diagonal)).data;
    const data = new Float64Array(r * r);
    for (let i = 0; i < r; i++) data[i * r + i] = e[i];
    M = { rows: r, cols: r, data };
  }
  return M ? { B, At, M } : { B, At };
}

/**
 * kohya/LyCORIS Tucker conv: ΔW[o, i, h, w] = Σ_{a,b} up[o,a]·mid[a,b,h,w]·down[b,i]. The
 * effective A is r × (in·kh·kw) with A_eff[a, (i,h,w)] = Σ_b mid[a,b,h,w]·down[b,i]; returned as
 * A_effᵀ in column-major order (column a holds row a of A_eff).
 */
async function contractTucker(file: TensorSource, midRef: FactorRef, downT: Matrix, workspace?: Workspace): Promise<Matrix> {
  const mid = await readStored(file, midRef, false, workspace);
  const r = downT.cols;
  const inputs = downT.rows;
  const k = mid.cols / r;
  const n = inputs * k;
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
