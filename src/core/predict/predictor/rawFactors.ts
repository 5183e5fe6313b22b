import type { OpenedAdapter } from '../../adapter/load';
import { readStored } from '../../analysis/factors';
import { FeatureError } from '../errors';
import type { FeatureLayout } from '../layout';
import type { Rows } from './dense';
import { reparametrize, type GlElement } from './glReparam';

/** One module's plain LoRA factors: B m×r and A r×n, row-major (PEFT's stored order). */
export interface ModuleFactors {
  readonly name: string;
  readonly m: number;
  readonly n: number;
  readonly r: number;
  readonly B: Float64Array;
  readonly A: Float64Array;
}

/** A row-major rows×cols matrix transposed (cols×rows), for factors stored the other way round. */
export function transposed(data: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(data.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j];
  return out;
}

/**
 * Reads the layout's modules' B and A from an open adapter, in layout order. Only plain
 * low-rank pairs are raw factors in the GL(r) sense this module is about: a module with a
 * mixer, AdaLoRA diagonal, Tucker core, or a LoHa/LoKr structure is refused (LAYOUT_MISMATCH),
 * since (B·R, R⁻¹·A) is not its symmetry.
 */
export async function readModuleFactors(opened: OpenedAdapter, layout: FeatureLayout): Promise<ModuleFactors[]> {
  const byName = new Map(opened.adapter.modules.map((m) => [m.name, m] as const));
  const out: ModuleFactors[] = [];
  for (const lm of layout.modules) {
    const module = byName.get(lm.name);
    const f = module?.factors;
    if (!module || !f || f.type !== 'lowRank' || f.mixer || f.diagonal || f.mid)
      throw new FeatureError('LAYOUT_MISMATCH', `module ${JSON.stringify(lm.name)} is not a plain B·A pair, so its raw factors have no GL(r) reparametrization here`);
    const [m, n] = module.shape;
    const b = await readStored(opened.file, f.B);
    const a = await readStored(opened.file, f.A);
    const B = f.B.transposed ? transposed(b.data, b.rows, b.cols) : b.data;
    const A = f.A.transposed ? transposed(a.data, a.rows, a.cols) : a.data;
    const r = B.length / m;
    if (!Number.isInteger(r) || A.length !== r * n) throw new FeatureError('LAYOUT_MISMATCH', `module ${JSON.stringify(lm.name)}: factor shapes do not give ${m}×${n}`);
    out.push({ name: lm.name, m, n, r, B, A });
  }
  return out;
}

/**
 * The naive, NOT invariant baseline's feature row: per module in layout order, B's entries
 * (m×rMax, row-major, columns past r zero) then A's (rMax×n, rows past r zero). A fixed order
 * and zero padding make adapters of different ranks comparable columns, as a flattening MLP's
 * input would be; a reparametrization (B·R, R⁻¹·A) moves every entry.
 */
export function flattenFactors(modules: readonly ModuleFactors[], rMax: number): Float64Array {
  const width = modules.reduce((s, m) => s + (m.m + m.n) * rMax, 0);
  const out = new Float64Array(width);
  let at = 0;
  for (const f of modules) {
    if (f.r > rMax) throw new RangeError(`rank ${f.r} exceeds the baseline's ${rMax}`);
    for (let i = 0; i < f.m; i++) for (let j = 0; j < f.r; j++) out[at + i * rMax + j] = f.B[i * f.r + j];
    at += f.m * rMax;
    for (let i = 0; i < f.r; i++) for (let j = 0; j < f.n; j++) out[at + i * f.n + j] = f.A[i * f.n + j];
    at += rMax * f.n;
  }
  return out;
}

/** Every module reparametrized by its own element of GL(r) (`gl(r)` draws one per call). */
export function reparametrizeAll(modules: readonly ModuleFactors[], gl: (r: number) => GlElement): ModuleFactors[] {
  return modules.map((f) => ({ ...f, ...reparametrize(f.B, f.A, f.m, f.n, gl(f.r)) }));
}

/** Stacks equal-length rows into a design matrix. */
export function stackRows(rows: readonly Float64Array[]): Rows {
  const cols = rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => data.set(r, i * cols));
  return { rows: rows.length, cols, data };
}
