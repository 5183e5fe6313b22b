import type { LayerRow } from '../../src/protocol/payloads';

export type Grouping = 'block' | 'moduleType';

const FAMILY_ORDER: Record<LayerRow['family'], number> = { embedding: 0, attention: 1, mlp: 2, other: 3 };

function depthOf(row: LayerRow): number {
  return row.depth ?? Number.POSITIVE_INFINITY;
}

function compareText(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true });
}

/** Orders layers through the network: by depth, then block, then attention before MLP. */
export function compareByDepth(a: LayerRow, b: LayerRow): number {
  return (
    depthOf(a) - depthOf(b) ||
    compareText(a.block ?? '', b.block ?? '') ||
    FAMILY_ORDER[a.family] - FAMILY_ORDER[b.family] ||
    compareText(a.moduleType, b.moduleType) ||
    a.index - b.index
  );
}

/** The group a layer belongs to under a grouping; layers outside any block share one group. */
function groupKey(row: LayerRow, grouping: Grouping): string {
  return grouping === 'block' ? (row.block ?? '(no block)') : row.moduleType;
}

export interface LayerGroup {
  readonly key: string;
  readonly rows: readonly LayerRow[];
}

/**
 * Layers in groups: by block the groups follow depth; by module type they follow the family
 * and type, and each group runs through depth, which is how one projection is compared
 * across the network.
 */
export function groupLayers(layers: readonly LayerRow[], grouping: Grouping): LayerGroup[] {
  const sorted = [...layers].sort(
    grouping === 'block' ? compareByDepth : (a, b) => FAMILY_ORDER[a.family] - FAMILY_ORDER[b.family] || compareText(a.moduleType, b.moduleType) || compareByDepth(a, b),
  );
  const groups: { key: string; rows: LayerRow[] }[] = [];
  for (const row of sorted) {
    const key = groupKey(row, grouping);
    const last = groups[groups.length - 1];
    if (last && last.key === key) last.rows.push(row);
    else groups.push({ key, rows: [row] });
  }
  return groups;
}

/** Module types in the order they first appear through depth. */
export function moduleTypes(layers: readonly LayerRow[]): string[] {
  const seen = new Set<string>();
  for (const row of [...layers].sort(compareByDepth)) seen.add(row.moduleType);
  return [...seen];
}
