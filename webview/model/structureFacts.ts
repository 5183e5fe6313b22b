import type { KroneckerSidePayload, LayerRow } from '../../src/protocol/payloads';

/** Why a LyCORIS module's effective rank can exceed r: its product and the largest rank that product allows. */
export function structureFacts(row: LayerRow): [string, string][] {
  const s = row.structure;
  if (!s) return [];
  if (!s.kronecker) return [['Largest rank', `${s.maxRank}: a Hadamard product of two rank-${row.rank} products has rank at most r² (and min(m, n))`]];
  const { w1, w2 } = s.kronecker;
  const side = (name: string, w: typeof w1) => `${name} ${w.rows}×${w.cols}, ${w.full ? `stored whole (rank ≤ ${w.rank})` : `rank ${w.rank} pair`}`;
  return [
    ['Structure', `Kronecker product ΔW = s·(W1 ⊗ W2): ${side('W1', w1)}; ${side('W2', w2)}`],
    ['Largest rank', `${largestRank(row, s.maxRank, w1, w2)}. r is LyCORIS' dim (the factorized side's rank), not ΔW's rank: ΔW's singular values are the products σᵢ(W1)·σⱼ(W2).`],
  ];
}

/**
 * The LoKr rank bound and what caps it: a side's rank is at most its smaller dimension (a pair's
 * stored dim can exceed it), and the product's rank at most min(m, n) of ΔW.
 */
function largestRank(row: LayerRow, maxRank: number, w1: KroneckerSidePayload, w2: KroneckerSidePayload): string {
  const bound = (w: KroneckerSidePayload) => Math.min(w.rank, w.rows, w.cols);
  const [r1, r2] = [bound(w1), bound(w2)];
  const sides: string[] = [];
  for (const [name, w, r] of [
    ['W1', w1, r1],
    ['W2', w2, r2],
  ] as const) {
    if (r < w.rank) sides.push(`${name}'s dim ${w.rank} is capped by its ${w.rows}×${w.cols} shape`);
  }
  const why = sides.length > 0 ? ` (${sides.join('; ')})` : '';
  const product = `rank(W1)·rank(W2) = ${r1}·${r2}${why}`;
  if (maxRank < r1 * r2) return `${maxRank} = min(m, n) = min(${row.rows}, ${row.cols}), below ${product}`;
  return `${maxRank} = ${product}`;
}
