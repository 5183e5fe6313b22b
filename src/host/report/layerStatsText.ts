import { tsvCell } from '../../core/report/escape';
import { formatNumber, formatShape } from '../../core/report/format';
import type { ModuleJson } from '../../core/report/report';

const COLUMNS = ['module', 'shape', 'rank', 'alpha', 'scale', '‖ΔW‖_F', 'σ1', 'effective rank', 'stable rank', 'r90', 'r95', 'r99', 'utilization', 'status'];

/**
 * Copy Layer Stats' text: a header and one tab-separated line per module, so it pastes into a
 * spreadsheet as a table and reads as one in a chat. Names come from files: tsvCell shows
 * tabs, line breaks and other controls as escapes and guards formulas.
 */
export function layerStatsText(modules: readonly ModuleJson[]): string {
  const lines = modules.map((m) =>
    [
      tsvCell(m.name),
      formatShape(m.shape, m.kernel),
      String(m.rank),
      m.alpha === null ? '' : formatNumber(m.alpha),
      formatNumber(m.scale),
      formatNumber(m.frobenius),
      formatNumber(m.sigma1),
      formatNumber(m.effectiveRank),
      formatNumber(m.stableRank),
      m.r90 === null ? '' : String(m.r90),
      m.r95 === null ? '' : String(m.r95),
      m.r99 === null ? '' : String(m.r99),
      formatNumber(m.utilization),
      m.status,
    ].join('\t'),
  );
  return `${[COLUMNS.join('\t'), ...lines].join('\n')}\n`;
}
