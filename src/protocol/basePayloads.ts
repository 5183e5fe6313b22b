import type { DenseMatrixPayload } from './payloads';
import type { AdapterLabel, ModulePlace } from './subspacePayloads';

/**
 * What the Base model view shows: one adapter against its base model (docs/design.md §5), as plain
 * data for the subspace panel. Per-module numbers are typed arrays indexed like `modules` (the
 * analysed modules, in the adapter's order); a value that does not exist is NaN, and an
 * amplification whose projection is exactly zero is +Infinity (the chart leaves it out, the
 * table writes ∞).
 */

/** One analysed module: where it sits, which base tensor it was matched to, how C was formed. */
export interface BaseModuleRow extends ModulePlace {
  /** The base tensor's name (component-prefixed for a diffusers pipeline). */
  readonly weight: string;
  /** The base tensor is stored n×m (GPT-2 Conv1D) and was read transposed. */
  readonly transposed: boolean;
  /** CondLoRA conversion: `qr` = exact W0⁺ (small weights), `truncated` = W0's top `conversionRank` triplets. */
  readonly conversionMethod: 'qr' | 'truncated';
  readonly conversionRank: number;
}

/** CondLoRA's φ between layers' conversion matrices of one factor (A or B). */
export interface PhiMapPayload {
  /** L×L, symmetric, column-major: φ(i, j) in [0, 1]. */
  readonly map: DenseMatrixPayload;
  /** Mean φ over pairs i < j (NaN when undefined). */
  readonly mean: number;
  /** E[φ] of random subspaces of the same dimensions: max(a, b)/d averaged over the pairs. */
  readonly random: number;
}

/** CondLoRA's analysis of one module type: φ for A and B, and the shared conversion's per-layer error. */
export interface ConversionGroupPayload {
  readonly moduleType: string;
  /** Module names in depth order: row and column i of the maps. */
  readonly layers: readonly string[];
  readonly phiA: PhiMapPayload;
  readonly phiB: PhiMapPayload;
  /** Per layer: relative distance of its conversions from the one fitted to all layers. */
  readonly sharedFitErrors: Float64Array;
}

export interface BaseModelPayload {
  readonly adapter: AdapterLabel;
  /** The resolved base path, its shards, and the engine that multiplied by W0. */
  readonly base: { readonly path: string; readonly label: string; readonly shards: readonly string[]; readonly engine: string; readonly fallbackReason: string | null };
  /** W0's top-k span the compared subspaces; K = 2k of its vectors are matched against for intruders. */
  readonly k: number;
  readonly kBase: number;
  /** Intruder threshold ε. */
  readonly epsilon: number;
  readonly modules: readonly BaseModuleRow[];
  /** Mean cos θ_i between ΔW's leading column space and W0's top-k column space, in [0, 1]. */
  readonly columnCosine: Float64Array;
  /** The same for the row spaces. */
  readonly rowCosine: Float64Array;
  /** Mean of column and row cosines together (the CLI's "align"). */
  readonly meanCosine: Float64Array;
  /** ‖ΔW‖_F / ‖Xᵀ·W0·Y‖_F; +Infinity when the projection is zero. */
  readonly amplification: Float64Array;
  /** Intruder dimensions among the top k of W0 + ΔW, as computed (best cosine < ε). */
  readonly intruders: Float64Array;
  /** How many of those k could fall on the other side of ε given the SVD's error bounds. */
  readonly undetermined: Float64Array;
  /** How many tuned vectors were tested per module (k). */
  readonly intruderK: Float64Array;
  /** Modules that could not be analysed, with why (no base weight, wrong shape, unreadable factors). */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  readonly conversionGroups: readonly ConversionGroupPayload[];
  /** Worker time, seconds. */
  readonly seconds: number;
}
