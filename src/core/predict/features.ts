import type { Adapter } from '../adapter/model';
import type { ModuleResult } from '../analysis/analyze';
import { FeatureError } from './errors';
import { featuresPerModule, layoutOfModules, type FeatureLayout } from './layout';

/**
 * The invariant feature vector of one analysed adapter in `layout` (see FeatureLayout for the
 * columns). Modules are matched by name, so an adapter whose file lists them in another order
 * still fills the layout's order. Throws FeatureError:
 * - LAYOUT_MISMATCH when the adapter lacks a layout module, has one the layout does not, or a
 *   module's shape differs (features of different modules are not comparable columns);
 * - MODULE_NOT_ANALYSED when a layout module's result is missing or skipped.
 *
 * `modules` is the analysis' results in the adapter's module order (AdapterAnalysis.modules or
 * the worker's JobOutcome.modules). Only singular values are read, so the vector is unchanged
 * by any per-module reparametrization (B·R, R⁻¹·A) up to the rounding of the spectrum itself.
 */
export function adapterFeatures(adapter: Adapter, modules: readonly ModuleResult[], layout: FeatureLayout): Float64Array {
  checkModules(adapter, layout);
  const results = new Map<string, ModuleResult>();
  adapter.modules.forEach((m, i) => {
    const r = modules[i];
    if (r) results.set(m.name, r);
  });
  const per = featuresPerModule(layout.k);
  const out = new Float64Array(layout.modules.length * per);
  layout.modules.forEach((m, i) => {
    const r = results.get(m.name);
    if (!r || r.status !== 'ok')
      throw new FeatureError('MODULE_NOT_ANALYSED', `module ${JSON.stringify(m.name)} was not analysed${r && r.status === 'skipped' ? `: ${r.reason}` : ''}`);
    const sigma = r.singularValues;
    const base = i * per;
    for (let j = 0; j < layout.k && j < sigma.length; j++) out[base + j] = sigma[j];
    out[base + layout.k] = r.metrics.frobenius;
    out[base + layout.k + 1] = r.metrics.effectiveRank;
  });
  return out;
}

/** The layout an adapter defines by itself: its modules in its own order. */
export function layoutForAdapter(adapter: Adapter, k: number): FeatureLayout {
  return layoutOfModules(adapter.modules, k);
}

/** Throws LAYOUT_MISMATCH saying which modules are missing, extra or of another shape (a few named, all counted). */
export function checkModules(adapter: Adapter, layout: FeatureLayout): void {
  const own = new Map(adapter.modules.map((m) => [m.name, m.shape] as const));
  const wanted = new Set(layout.modules.map((m) => m.name));
  const missing: string[] = [];
  const reshaped: string[] = [];
  for (const m of layout.modules) {
    const shape = own.get(m.name);
    if (!shape) missing.push(m.name);
    else if (shape[0] !== m.shape[0] || shape[1] !== m.shape[1]) reshaped.push(`${m.name} is ${shape.join('×')}, not ${m.shape.join('×')}`);
  }
  const extra = [...own.keys()].filter((name) => !wanted.has(name));
  if (missing.length + reshaped.length + extra.length === 0) return;
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`it lacks ${listed(missing)}`);
  if (extra.length > 0) parts.push(`it has ${listed(extra)}, which the layout does not`);
  if (reshaped.length > 0) parts.push(`in it ${listed(reshaped)}`);
  throw new FeatureError('LAYOUT_MISMATCH', `the adapter does not fit layout ${layout.id}: ${parts.join('; ')}`);
}

/** Up to two items, then a count of the rest. */
function listed(items: readonly string[]): string {
  const shown = items.slice(0, 2).join(', ');
  return items.length > 2 ? `${shown} and ${items.length - 2} more` : shown;
}
