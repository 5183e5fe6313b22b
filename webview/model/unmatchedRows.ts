import type { AdapterLabel, UnmatchedRow } from '../../src/protocol/subspacePayloads';

/** One line of the unmatched list, as text cells. */
export interface UnmatchedLine {
  readonly against: string;
  readonly where: string;
  readonly module: string;
  readonly reason: string;
}

/**
 * The unmatched modules as table lines. `names` label what each row's `against` indexes (the
 * other adapters of a comparison, the checkpoints of a series); `reference` names side A.
 */
export function unmatchedLines(rows: readonly UnmatchedRow[], names: readonly AdapterLabel[], reference: string): UnmatchedLine[] {
  return rows.map((r) => {
    const other = names[r.against]?.label ?? String(r.against);
    const where = r.side === 'a' ? `only in ${reference}` : r.side === 'b' ? `only in ${other}` : 'in both';
    return { against: other, where, module: r.nameB && r.nameB !== r.name ? `${r.name} ↔ ${r.nameB}` : r.name, reason: r.reason };
  });
}
