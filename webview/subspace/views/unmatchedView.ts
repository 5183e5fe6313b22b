import { DisposableStore, type Disposable } from '../../disposable';
import { el } from '../../dom';
import { unmatchedLines, type UnmatchedLine } from '../../model/unmatchedRows';
import type { GridRequests } from '../gridRequest';
import type { SubspaceStore } from '../subspaceStore';

/** The lines of this result's left-out modules, with the column titles that fit its kind. */
function linesOf(store: SubspaceStore): { heads: string[]; lines: UnmatchedLine[]; empty: string } | null {
  const r = store.result;
  if (!r) return null;
  switch (r.kind) {
    case 'comparison':
      return {
        heads: ['Against', 'Where', 'Module', 'Reason'],
        lines: unmatchedLines(r.payload.unmatched, r.payload.others, r.payload.reference.label),
        empty: 'Every module was matched and compared.',
      };
    case 'convergence': {
      const final = r.payload.checkpoints[r.payload.checkpoints.length - 1]?.label ?? 'final';
      return {
        heads: ['Checkpoint', 'Where', 'Module', 'Reason'],
        lines: unmatchedLines(r.payload.unmatched, r.payload.checkpoints, final),
        empty: 'Every module of every checkpoint was compared.',
      };
    }
    case 'base':
      return {
        heads: ['Module', 'Reason'],
        lines: r.payload.skipped.map((s) => ({ against: '', where: '', module: s.name, reason: s.reason })),
        empty: 'Every module was analysed against the base.',
      };
    case 'crossLayer':
      return { heads: ['Module', 'Reason'], lines: r.payload.skipped.map((s) => ({ against: '', where: '', module: s.name, reason: s.reason })), empty: 'No module was left out.' };
  }
}

/** Modules that could not be compared (or mapped), each with the reason: text from files goes in as textContent. */
export function mountUnmatched(parent: HTMLElement, store: SubspaceStore, _grids: GridRequests): Disposable {
  const found = linesOf(store);
  if (!found) return new DisposableStore();
  if (found.lines.length === 0) {
    parent.append(el('p', 'placeholder', found.empty));
    return new DisposableStore();
  }
  const table = el('table', 'unmatched');
  const head = el('tr');
  for (const h of found.heads) head.append(el('th', undefined, h));
  table.append(el('thead'), el('tbody'));
  table.tHead?.append(head);
  const short = found.heads.length === 2;
  for (const line of found.lines) {
    const row = el('tr');
    const cells = short ? [line.module, line.reason] : [line.against, line.where, line.module, line.reason];
    for (const c of cells) row.append(el('td', undefined, c));
    table.tBodies[0].append(row);
  }
  const wrap = el('div', 'table-wrap');
  wrap.append(table);
  parent.append(wrap);
  return new DisposableStore();
}
