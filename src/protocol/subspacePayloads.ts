import type { DenseMatrixPayload } from './payloads';

/**
 * What the subspace panel shows (comparison, checkpoint convergence, cross-layer maps), as
 * plain data that crosses the webview boundary. Self-contained like payloads.ts: the webview
 * never sees core types. Per-module numbers travel as typed arrays; a value that does not
 * exist (a module not compared, a zero ΔW) is NaN, never a hole or null, so the arrays stay dense.
 */

/** An adapter file as the panel names it. */
export interface AdapterLabel {
  /** The weights file's path. */
  readonly file: string;
  /** Short name for axes and legends: the adapter's folder, or the file name without `.safetensors`. */
  readonly label: string;
}

/** Where a module sits, read from its name (as LayerRow's block/depth/moduleType). */
export interface ModulePlace {
  readonly name: string;
  readonly block: string | null;
  /** Position of the block among the distinct blocks, in module order (0 first); null without one. */
  readonly depth: number | null;
  readonly moduleType: string;
  /** ΔW is rows × cols. */
  readonly rows: number;
  readonly cols: number;
}

/** A module left out, with which adapter (index into `others`, or a checkpoint) and why. */
export interface UnmatchedRow {
  /** Index into `others` (comparison) or `checkpoints` (convergence). */
  readonly against: number;
  /** `a`: the module is only in the reference; `b`: only in the other; `both`: a pair that could not be compared. */
  readonly side: 'a' | 'b' | 'both';
  readonly name: string;
  readonly nameB: string | null;
  readonly reason: string;
}

/**
 * Adapter A (the reference) against one or more others, module by module. Every matrix is
 * `modules.length × others.length`, column-major (column j is A against others[j]).
 */
export interface ComparisonPayload {
  readonly reference: AdapterLabel;
  readonly others: readonly AdapterLabel[];
  /** A's modules compared with at least one other, in A's order. */
  readonly modules: readonly ModulePlace[];
  /** cos(ΔW_A, ΔW_B) in [−1, 1]. */
  readonly cosine: DenseMatrixPayload;
  /** ‖ΔW_A − ΔW_B‖_F / ‖ΔW_A‖_F. */
  readonly relativeDistance: DenseMatrixPayload;
  /** Mean of the k principal-angle cosines between the column spaces, in [0, 1]. */
  readonly columnCosine: DenseMatrixPayload;
  /** The same between the row spaces. */
  readonly rowCosine: DenseMatrixPayload;
  /** The k the angles were taken at. */
  readonly k: DenseMatrixPayload;
  readonly unmatched: readonly UnmatchedRow[];
  /** Worker time for all pairs, seconds. */
  readonly seconds: number;
}

/** φ(i, j) of one module against one other adapter: p1×p2, column-major, entry (i−1, j−1) is φ(i, j). */
export interface PhiGridPayload {
  readonly module: string;
  readonly other: number;
  readonly column: DenseMatrixPayload;
  readonly row: DenseMatrixPayload;
}

/**
 * One run's checkpoints against its final one. Matrices are `modules.length × checkpoints.length`,
 * column-major; the last column is the final checkpoint against itself.
 */
export interface ConvergencePayload {
  readonly checkpoints: readonly (AdapterLabel & { readonly step: number | null })[];
  /** In the final checkpoint's module order. */
  readonly modules: readonly ModulePlace[];
  /** cos(ΔW_t, ΔW_final). */
  readonly cosineToFinal: DenseMatrixPayload;
  /** Angle in degrees between the top left singular vectors of ΔW_t and ΔW_final. */
  readonly topAngleToFinal: DenseMatrixPayload;
  /** ‖ΔW_t − ΔW_final‖_F / ‖ΔW_final‖_F. */
  readonly relativeDistanceToFinal: DenseMatrixPayload;
  readonly unmatched: readonly UnmatchedRow[];
  readonly warnings: readonly string[];
  readonly seconds: number;
  /** Each checkpoint against a reference file, when one was chosen (Choose Reference…). */
  readonly reference?: ConvergenceReferencePayload;
  /** Why the last reference chosen could not be used (the curves shown are then those without it). */
  readonly referenceError?: string;
}

/**
 * Each checkpoint against a reference's θ·u·vᵀ or ΔW_ref (docs/analyses.md, "Checkpoints against
 * a reference"). Matrices are `modules.length × checkpoints.length`, column-major, in the
 * modules' order; NaN where a module has no reference entry or a checkpoint lacks the module.
 */
export interface ConvergenceReferencePayload {
  readonly file: AdapterLabel;
  readonly kind: 'uv' | 'delta_w' | 'mixed';
  /** |cos| of ΔW_t's top left singular vector with û (in [0, 1]). */
  readonly alignmentU: DenseMatrixPayload;
  /** |cos| of ΔW_t's top right singular vector with v̂. */
  readonly alignmentV: DenseMatrixPayload;
  /** ‖ΔW_t − ΔW_ref‖_F / ‖ΔW_ref‖_F. */
  readonly recoveryError: DenseMatrixPayload;
  /** σ1(ΔW_t) / ‖ΔW_ref‖_F. */
  readonly sigma1Ratio: DenseMatrixPayload;
  /** Modules of the final checkpoint the reference has no entry for. */
  readonly unreferenced: readonly string[];
}

/** Layer × layer maps of one module type (all of one shape) within one adapter; L×L, symmetric. */
export interface CrossLayerGroupPayload {
  readonly moduleType: string;
  readonly rows: number;
  readonly cols: number;
  /** Module names, row and column i of each map. */
  readonly layers: readonly string[];
  readonly k: number;
  /** φ(k, k) between column spaces. */
  readonly column: DenseMatrixPayload;
  /** φ(k, k) between row spaces. */
  readonly row: DenseMatrixPayload;
  /** cos(ΔW_i, ΔW_j); NaN where either ΔW is zero. */
  readonly cosine: DenseMatrixPayload;
  /** E[φ(k, k)] of random subspaces: k/m for columns, k/n for rows. */
  readonly randomColumn: number;
  readonly randomRow: number;
}

export interface CrossLayerPayload {
  readonly adapter: AdapterLabel;
  readonly groups: readonly CrossLayerGroupPayload[];
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  readonly seconds: number;
}
