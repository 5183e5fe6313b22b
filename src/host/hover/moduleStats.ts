import type { Adapter } from '../../core/adapter/model';
import type { ModuleResult } from '../../core/analysis/analyze';
import { energyRank } from '../../core/analysis/metrics';
import { placeOf } from '../../core/adapter/place';
import type { IndexedAdapter, ModuleStats } from './moduleIndex';

/**
 * An adapter as the hover index holds it: per module the header numbers, and the analysis
 * numbers where `results` has them. The energy rank is recomputed at the configured level
 * from σ (the core's metrics fix 90/95/99 %).
 */
export function indexedAdapterOf(adapter: Adapter, results: readonly (ModuleResult | undefined)[], energyLevel: number): IndexedAdapter {
  const modules = adapter.modules.map((m, i): ModuleStats => {
    const r = results[i];
    const ok = r?.status === 'ok' ? r : undefined;
    const frobenius = ok ? ok.metrics.frobenius : null;
    return {
      name: m.name,
      moduleType: placeOf(m.name).moduleType,
      rank: m.rank,
      alpha: m.alpha,
      scale: m.scale,
      frobenius,
      effectiveRank: ok ? ok.metrics.effectiveRank : null,
      energyRank: ok ? energyRank(ok.singularValues, energyLevel) : null,
      singularValues: ok ? ok.singularValues : null,
    };
  });
  return { file: adapter.file, modules, baseModel: adapter.baseModel };
}

/** `r95` for 0.95, `r99.9` for 0.999: the label the core and the webview use for energy ranks. */
export function energyRankLabel(level: number): string {
  return `r${Number((level * 100).toFixed(1))}`;
}
