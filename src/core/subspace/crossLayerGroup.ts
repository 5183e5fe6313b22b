import type { AdaptedModule } from '../adapter/model';
import type { Matrix } from '../linalg/matrix';

// The shapes the cross-layer maps pass between crossLayer.ts, its backend route and layerMaps.ts,
// kept in a leaf of their own so that those three files do not import one another in a circle.

/** Layer × layer similarity of one module type (all of one m×n shape) within one adapter. */
export interface CrossLayerGroup {
  /** As placeOf reads it: `self_attn.q_proj`, `attention.self.query`, `attn1_to_q`. */
  readonly moduleType: string;
  readonly shape: readonly [number, number];
  /** The modules, in adapter order (L of them): row and column i of each map. */
  readonly layers: readonly string[];
  /** The k of the φ maps: the smallest rank in the group, capped by the numerical ranks. */
  readonly k: number;
  /** φ(k, k) between column spaces (L×L, symmetric, column-major, 1 on the diagonal). */
  readonly column: Matrix;
  /** φ(k, k) between row spaces. */
  readonly row: Matrix;
  /** cos(ΔW_i, ΔW_j) (L×L); NaN where either ΔW is exactly zero. */
  readonly cosine: Matrix;
  /**
   * E[φ(k, k)] for independent uniformly random k-dimensional subspaces: k/m for columns, k/n
   * for rows (randomPhi). Values near these mean no more shared than chance.
   */
  readonly random: { readonly column: number; readonly row: number };
}

/** A module type's modules of one shape and kind, in adapter order. */
export interface ModuleGroup {
  readonly moduleType: string;
  readonly modules: AdaptedModule[];
}
