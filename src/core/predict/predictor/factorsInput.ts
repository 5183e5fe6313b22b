import type { OpenedAdapter } from '../../adapter/load';
import { ModuleDataError } from '../../analysis/factors';
import { FeatureError } from '../errors';
import type { FeatureLayout } from '../layout';
import { readModuleFactors, transposed, type ModuleFactors } from './rawFactors';
import type { PredictorFeed } from './runPredictor';

/** One module as a GL-net reads it: U = s·B (m×r) and V = Aᵀ (n×r), row-major. */
export interface GlFactors {
  readonly m: number;
  readonly n: number;
  readonly r: number;
  readonly U: Float64Array;
  readonly V: Float64Array;
}

/** ONNX input names of module i. */
export function factorInputNames(i: number): { readonly U: string; readonly V: string } {
  return { U: `U_${i}`, V: `V_${i}` };
}

/**
 * (B, A) → (U, V) = (s·B, Aᵀ), so ΔW = U·Vᵀ. The symmetry (B·R, R⁻¹·A) becomes (U·R, V·R⁻ᵀ):
 * both act on the right, which is what the GL-net's left multiplications commute with.
 */
export function glFactors(f: ModuleFactors, scale: number): GlFactors {
  return { m: f.m, n: f.n, r: f.r, U: f.B.map((v) => v * scale), V: transposed(f.A, f.r, f.n) };
}

/**
 * The layout's modules of an open adapter as GL-net factors, in layout order, scale folded in.
 * The caller has checked the modules (checkModules); a module that is not a plain B·A pair is
 * LAYOUT_MISMATCH (readModuleFactors); unreadable factors (a NaN or infinite entry: a diverged
 * run) are MODULE_NOT_ANALYSED with readStored's message, never a NaN prediction.
 */
export async function readGlFactors(opened: OpenedAdapter, layout: FeatureLayout): Promise<GlFactors[]> {
  const scales = new Map(opened.adapter.modules.map((m) => [m.name, m.scale] as const));
  let raw: ModuleFactors[];
  try {
    raw = await readModuleFactors(opened, layout);
  } catch (error) {
    if (error instanceof ModuleDataError) throw new FeatureError('MODULE_NOT_ANALYSED', error.message);
    throw error;
  }
  return raw.map((f) => glFactors(f, scales.get(f.name) ?? 1));
}

/** The feeds of the exported GL-net: U_i [m, r], V_i [n, r]. */
export function factorFeeds(modules: readonly GlFactors[]): Record<string, PredictorFeed> {
  const feeds: Record<string, PredictorFeed> = {};
  modules.forEach((f, i) => {
    const names = factorInputNames(i);
    feeds[names.U] = { data: f.U, dims: [f.m, f.r] };
    feeds[names.V] = { data: f.V, dims: [f.n, f.r] };
  });
  return feeds;
}
