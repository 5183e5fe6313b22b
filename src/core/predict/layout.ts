import type { AdaptedModule } from '../adapter/model';
import { FeatureError } from './errors';

/** The feature scheme: version 1 is spectra only (top-k σ, ‖ΔW‖_F, effective rank per module). */
const LAYOUT_VERSION = 'spectra-v1';

/** Default k: LoRA ranks are mostly 4–64 and the top 8 values hold most of the energy. */
export const DEFAULT_K = 8;

/** The most singular values per module a layout keeps; a bound so a typo cannot make 10⁶ columns. */
const MAX_K = 1024;

/** One module of a layout: the name the adapter gives it and ΔW's shape [m, n]. */
export interface LayoutModule {
  readonly name: string;
  readonly shape: readonly [number, number];
}

/**
 * A named, versioned feature layout. Per module, in `modules` order: σ_1…σ_k of ΔW (descending,
 * zero-padded when ΔW has fewer than k, the top k when it has more), then ‖ΔW‖_F over the whole
 * spectrum, then the effective rank exp(−Σ p_i ln p_i), p_i = σ_i²/Σσ². So `width` is
 * modules·(k + 2) and column j of module i is at i·(k + 2) + j.
 *
 * Every feature is a function of ΔW's singular values, which the GL(r) symmetry
 * (B, A) → (B·R, R⁻¹·A) leaves unchanged: invariance holds by construction, not by training.
 * Zero padding keeps adapters of different ranks comparable (a rank-4 ΔW has σ_5… = 0 exactly).
 */
export interface FeatureLayout {
  /** E.g. `spectra-v1:k=8:modules=24:3f1c09ab`: version, k, module count, hash of names and shapes. */
  readonly id: string;
  readonly k: number;
  readonly modules: readonly LayoutModule[];
  /** Column names, `<module>:sigma1` … `<module>:sigmaK`, `<module>:frobenius`, `<module>:effectiveRank`. */
  readonly columns: readonly string[];
}

/** Per-module feature names after the σ's, in column order. */
const SUMMARY_FEATURES = ['frobenius', 'effectiveRank'] as const;

/** Features per module in a layout of this k. */
export function featuresPerModule(k: number): number {
  return k + SUMMARY_FEATURES.length;
}

/**
 * The layout for this module list, in the given order (an adapter's natural module order).
 * Module names must be distinct: two modules under one name could not be matched by name.
 */
export function featureLayout(modules: readonly LayoutModule[], k: number): FeatureLayout {
  if (!Number.isSafeInteger(k) || k < 1 || k > MAX_K) throw new FeatureError('INVALID_LAYOUT', `k must be a whole number from 1 to ${MAX_K} (got ${k})`);
  const seen = new Set<string>();
  for (const m of modules) {
    if (seen.has(m.name)) throw new FeatureError('INVALID_LAYOUT', `module ${JSON.stringify(m.name)} appears twice; a layout matches modules by name`);
    seen.add(m.name);
  }
  const copy = modules.map((m) => ({ name: m.name, shape: [m.shape[0], m.shape[1]] as const }));
  const columns: string[] = [];
  for (const m of copy) {
    for (let i = 1; i <= k; i++) columns.push(`${m.name}:sigma${i}`);
    for (const f of SUMMARY_FEATURES) columns.push(`${m.name}:${f}`);
  }
  return { id: `${LAYOUT_VERSION}:k=${k}:modules=${copy.length}:${signature(copy)}`, k, modules: copy, columns };
}

/** The layout an adapter's own modules define (every module, analysable or not). */
export function layoutOfModules(modules: readonly AdaptedModule[], k: number): FeatureLayout {
  return featureLayout(
    modules.map((m) => ({ name: m.name, shape: m.shape })),
    k,
  );
}

/** The parts of a layout id; throws INVALID_LAYOUT for anything else. */
export function parseLayoutId(id: string): { readonly version: string; readonly k: number; readonly moduleCount: number; readonly signature: string } {
  const match = /^(spectra-v1):k=(\d{1,7}):modules=(\d{1,9}):([0-9a-f]{8})$/.exec(id);
  const k = match ? Number(match[2]) : NaN;
  if (!match || k < 1 || k > MAX_K)
    throw new FeatureError('INVALID_LAYOUT', `${JSON.stringify(id.slice(0, 80))} is not a feature layout id (expected e.g. ${LAYOUT_VERSION}:k=8:modules=24:3f1c09ab)`);
  return { version: match[1], k, moduleCount: Number(match[3]), signature: match[4] };
}

/** The version tag of a factors input (GL-net): per module U = B and V = Aᵀ, no features. */
const FACTORS_LAYOUT_VERSION = 'factors-v1';

/** A factors input's id: `factors-v1:modules=24:3f1c09ab`, the same hash of names and shapes as a feature layout's. */
export function factorsLayoutId(modules: readonly LayoutModule[]): string {
  return `${FACTORS_LAYOUT_VERSION}:modules=${modules.length}:${signature(modules)}`;
}

/**
 * FNV-1a (32 bit) over names and shapes in order. Not cryptographic: it only has to tell
 * layouts apart that differ by a module, a shape or the order, which any change does with
 * probability 1 − 2⁻³².
 */
function signature(modules: readonly LayoutModule[]): string {
  let h = 0x811c9dc5;
  const text = modules.map((m) => `${m.name}\u0000${m.shape[0]}x${m.shape[1]}`).join('\n');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
