import type { FactorRef, LowRankFactors } from '../adapter/model';
import type { Matrix } from '../linalg/matrix';
import { decodeMatrix } from '../safetensors/decodeMatrix';
import type { SafetensorsFile } from '../safetensors/reader';
import { DTYPE_BITS } from '../safetensors/types';
import { SLOT_AT, SLOT_B, type Workspace } from './workspace';

/** A module that cannot be analysed for a reason found in its data (NaN, Inf, a bad slice). */
export class ModuleDataError extends Error {
  override readonly name = 'ModuleDataError';
}

/** A stored tensor read as a matrix: its first axis against all the others. */
interface Stored {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/**
 * Reads a factor's stored matrix (just one block of the leading axis when the reference names
 * one), row-major as stored or column-major, and checks that every value is finite: NaN or Inf
 * in a factor makes every metric of the module meaningless, so it is reported instead.
 */
export async function readStored(file: SafetensorsFile, ref: FactorRef, columnMajor = false, workspace?: Workspace, slot?: number): Promise<Stored> {
  const info = file.header.byName.get(ref.tensor);
  if (!info) throw new ModuleDataError(`${ref.tensor} is not in the file`);
  let dims = info.shape;
  let range: { start: number; count: number } | undefined;
  if (ref.block) {
    const { index, count } = ref.block;
    const leading = info.shape[0] ?? 0;
    if (count <= 0 || leading % count !== 0 || index < 0 || index >= count) throw new ModuleDataError(`block ${index} of ${count} does not divide ${ref.tensor} [${info.shape}]`);
    const per = leading / count;
    dims = per === 1 && info.shape.length >= 3 ? info.shape.slice(1) : [per, ...info.shape.slice(1)];
    const size = info.elements / count;
    range = { start: index * size, count: size };
  }
  const rows = dims[0] ?? 1;
  const cols = dims.slice(1).reduce((a, b) => a * b, 1);
  const bytes = await file.readBytes(info, range, workspace?.bytes((range?.count ?? info.elements) * DTYPE_BITS[info.dtype] / 8));
  const target = workspace && slot !== undefined ? workspace.floats(slot, rows * cols) : undefined;
  const decoded = decodeMatrix(bytes, info.dtype, rows, cols, columnMajor, info.name, file.header.file, target);
  if (decoded.nan + decoded.infinite > 0) {
    const what = [decoded.nan && `${decoded.nan} NaN`, decoded.infinite && `${decoded.infinite} infinite`].filter(Boolean).join(' and ');
    throw new ModuleDataError(`${ref.tensor} holds ${what} value${decoded.nan + decoded.infinite === 1 ? '' : 's'}; its spectrum cannot be computed`);
  }
  return { data: decoded.data, rows, cols };
}

/**
 * The canonical B (m×r) as a column-major matrix. A stored B (m×r row-major) is decoded
 * transposed; a stored Bᵀ (mlx, r×m row-major) already is B in column-major order.
 */
export async function readB(file: SafetensorsFile, ref: FactorRef, workspace?: Workspace): Promise<Matrix> {
  const s = await readStored(file, ref, !ref.transposed, workspace, SLOT_B);
  return ref.transposed ? { rows: s.cols, cols: s.rows, data: s.data } : { rows: s.rows, cols: s.cols, data: s.data };
}

/** The canonical Aᵀ (n×r) as a column-major matrix: a stored A (r×n row-major) already is. */
export async function readAt(file: SafetensorsFile, ref: FactorRef, workspace?: Workspace): Promise<Matrix> {
  const s = await readStored(file, ref, ref.transposed, workspace, SLOT_AT);
  return ref.transposed ? { rows: s.rows, cols: s.cols, data: s.data } : { rows: s.cols, cols: s.rows, data: s.data };
}

/** B, Aᵀ and the r×r mixer of a low-rank module, as the core computation wants them. */
export interface LowRankData {
  readonly B: Matrix;
  readonly At: Matrix;
  /** M (r×r, column-major): MoSLoRA's mixer, or diag(E) for AdaLoRA; absent means identity. */
  readonly M?: Matrix;
}

/** Reads a low-rank module's factors, contracting a Tucker core into A when there is one. */
export async function readLowRank(file: SafetensorsFile, f: LowRankFactors, workspace?: Workspace): Promise<LowRankData> {
  const B = await readB(file, f.B, workspace);
  let At = await readAt(file, f.A, workspace);
  if (f.mid) At = await contractTucker(file, f.mid, At);
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
async function contractTucker(file: SafetensorsFile, midRef: FactorRef, downT: Matrix): Promise<Matrix> {
  const mid = await readStored(file, midRef);
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
