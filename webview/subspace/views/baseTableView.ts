import type { BaseModelPayload, BaseModuleRow } from '../../../src/protocol/basePayloads';
import { DisposableStore, type Disposable } from '../../disposable';
import { definitionList, el } from '../../dom';
import { formatNumber } from '../../model/format';
import type { GridRequests } from '../gridRequest';
import type { SubspaceStore } from '../subspaceStore';

const HEADS = ['Module', 'Base weight', 'k', 'Align (columns)', 'Align (rows)', 'Amplification', 'Intruders', 'Undetermined', 'CondLoRA'] as const;

const HINTS: Readonly<Record<(typeof HEADS)[number], string>> = {
  Module: 'The adapter module',
  'Base weight': 'The base tensor it was matched to; ᵀ: stored transposed (Conv1D) and read as its transpose',
  k: 'Tuned singular vectors tested for intruders (and W0’s top-k spanning the compared subspaces)',
  'Align (columns)': 'Mean cos θ between ΔW’s leading column space and W0’s top-k column space (1 = inside it)',
  'Align (rows)': 'The same for the row spaces',
  Amplification: '‖ΔW‖_F / ‖Xᵀ·W0·Y‖_F: large when ΔW boosts directions W0 barely uses',
  Intruders: 'Top singular vectors of W0 + ΔW whose best cosine with W0’s top-K is below ε',
  Undetermined: 'Tested vectors the SVD error bounds leave on either side of ε: neither counted as intruders nor ruled out',
  CondLoRA: 'How the conversion matrices were formed: exact W0⁺ (QR) or W0’s top triplets',
};

function conversionText(m: BaseModuleRow): string {
  return m.conversionMethod === 'qr' ? 'exact (QR)' : `top-${m.conversionRank} W0⁺`;
}

/** The cells of row i, as text (file names go in as textContent like everything else). */
function cellsOf(p: BaseModelPayload, i: number): string[] {
  const m = p.modules[i];
  return [
    m.name,
    m.transposed ? `${m.weight} ᵀ` : m.weight,
    String(p.intruderK[i]),
    formatNumber(p.columnCosine[i]),
    formatNumber(p.rowCosine[i]),
    formatNumber(p.amplification[i]),
    `${p.intruders[i]} / ${p.intruderK[i]}`,
    String(p.undetermined[i]),
    conversionText(m),
  ];
}

/**
 * One row per analysed module: which base weight it met and the numbers of docs/design.md §5, above
 * a summary of the base (path, shards, engine). Undetermined intruder counts are their own
 * column, marked when non-zero, so a count that the error bounds leave open is never mistaken
 * for a determined one.
 */
export function mountBaseTable(parent: HTMLElement, store: SubspaceStore, _grids: GridRequests): Disposable {
  const result = store.result;
  if (result?.kind !== 'base') return new DisposableStore();
  const p = result.payload;
  const facts: [string, string][] = [
    ['Base model', p.base.path],
    ['Shards', String(p.base.shards.length)],
    ['Engine', p.base.fallbackReason ? `${p.base.engine} (onnxruntime unavailable: ${p.base.fallbackReason})` : p.base.engine],
    ['k / K', `${p.k} / ${p.kBase}`],
    ['ε', formatNumber(p.epsilon)],
    ['Analysed', `${p.modules.length} modules, ${p.skipped.length} skipped`],
  ];
  parent.append(definitionList(facts, 'facts base-facts'));
  if (p.modules.length === 0) {
    parent.append(el('p', 'placeholder', 'No module could be analysed against this base.'));
    return new DisposableStore();
  }
  const table = el('table', 'base-modules');
  const head = el('tr');
  for (const h of HEADS) {
    const th = el('th', undefined, h);
    th.title = HINTS[h];
    head.append(th);
  }
  table.append(el('thead'), el('tbody'));
  table.tHead?.append(head);
  p.modules.forEach((_, i) => {
    const row = el('tr');
    row.dataset.module = p.modules[i].name;
    for (const [j, text] of cellsOf(p, i).entries()) {
      const td = el('td', HEADS[j] === 'Undetermined' && p.undetermined[i] > 0 ? 'undetermined' : undefined, text);
      row.append(td);
    }
    table.tBodies[0].append(row);
  });
  const wrap = el('div', 'table-wrap');
  wrap.append(table);
  parent.append(wrap);
  return new DisposableStore();
}
