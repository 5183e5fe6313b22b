import type { DenseMatrixPayload } from '../../src/protocol/payloads';
import type { ComparisonPayload } from '../../src/protocol/subspacePayloads';
import { ofType } from './moduleTypes';

/** Similarity of A and one other adapter by depth: means over the modules at each depth. */
export interface DepthSimilarity {
  /** The depths that have at least one compared module, ascending. */
  readonly depths: Float64Array;
  /** Mean cos(ΔW_A, ΔW_B) per depth. */
  readonly cosine: Float64Array;
  /** Mean over modules of the mean principal-angle cosine of the column spaces. */
  readonly column: Float64Array;
  readonly row: Float64Array;
  /** Modules averaged per depth. */
  readonly counts: Float64Array;
}

/**
 * Per-depth means for column `other` of the comparison, over modules of `moduleType` (null:
 * all). A module with no depth (no layer index in its name) or not compared (NaN) is left out
 * of every mean, so each depth averages the same modules in all three series.
 */
export function depthSimilarity(payload: ComparisonPayload, other: number, moduleType: string | null): DepthSimilarity {
  const sums = new Map<number, { cosine: number; column: number; row: number; n: number }>();
  const at = (m: DenseMatrixPayload, i: number) => m.values[other * m.rows + i];
  payload.modules.forEach((module, i) => {
    if (module.depth === null || !ofType(module, moduleType)) return;
    const values = [at(payload.cosine, i), at(payload.columnCosine, i), at(payload.rowCosine, i)];
    if (!values.every(Number.isFinite)) return;
    const s = sums.get(module.depth) ?? { cosine: 0, column: 0, row: 0, n: 0 };
    s.cosine += values[0];
    s.column += values[1];
    s.row += values[2];
    s.n++;
    sums.set(module.depth, s);
  });
  const depths = [...sums.keys()].sort((a, b) => a - b);
  const pick = (f: (s: { cosine: number; column: number; row: number; n: number }) => number) =>
    Float64Array.from(depths, (d) => f(sums.get(d) ?? { cosine: 0, column: 0, row: 0, n: 1 }));
  return {
    depths: Float64Array.from(depths),
    cosine: pick((s) => s.cosine / s.n),
    column: pick((s) => s.column / s.n),
    row: pick((s) => s.row / s.n),
    counts: pick((s) => s.n),
  };
}
