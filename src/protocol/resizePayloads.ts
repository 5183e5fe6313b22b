/**
 * Rank recommendations as they cross the webview boundary. The webview cannot import the core,
 * so the method is repeated here as plain data; the host checks at compile time that it is the
 * core's `RankMethod` exactly.
 */

/** How the recommended rank of each layer is chosen (docs/design.md §2 and §7). */
export type RankMethodPayload =
  /** Smallest k whose first k σ² hold `level` of the energy (0 < level ≤ 1). */
  | { readonly kind: 'energy'; readonly level: number }
  /** σ-above-mean: #{i : σ_i ≥ mean σ} = #{i : σ_i / Σσ ≥ 1/r} (not AutoLoRA's learned selection). */
  | { readonly kind: 'above_mean' }
  /** kohya's resize rules, with kohya's clamps. */
  | { readonly kind: 'sv_ratio'; readonly ratio: number }
  | { readonly kind: 'sv_fro'; readonly target: number }
  | { readonly kind: 'sv_cumulative'; readonly target: number }
  /** min(rank, current rank) for every layer. */
  | { readonly kind: 'fixed'; readonly rank: number }
  /** A global budget of total rank or of parameters, allocated greedily by σ² across layers. */
  | { readonly kind: 'budget'; readonly unit: 'rank' | 'params'; readonly total: number };

/**
 * The recommendation for the layers whose spectra are known. Entry i of the arrays belongs to
 * the layer with index `indices[i]`; layers without a spectrum yet (or skipped) are absent and
 * counted in `missing`.
 */
export interface RankPlanPayload {
  /** The method in words ("95 % energy", "kohya sv_fro 0.9"). */
  readonly description: string;
  readonly indices: Int32Array;
  /** Current rank r per entry. */
  readonly rank: Int32Array;
  /** Recommended k per entry (0 when the layer would be dropped). */
  readonly kept: Int32Array;
  /** sqrt(Σ_{i>k} σ_i²) / ‖ΔW‖_F per entry, 0 for a zero ΔW. */
  readonly relativeError: Float64Array;
  /** Over all entries: sqrt(Σ dropped σ²) / sqrt(Σ ‖ΔW‖_F²). */
  readonly overallRelativeError: number;
  /** Σ r·(m+n) and Σ k·(m+n) over the entries. */
  readonly paramsBefore: number;
  readonly paramsAfter: number;
  /** Adapter layers not in the plan: not analysed yet, or skipped. */
  readonly missing: number;
  /** Layers left out on purpose (LyCORIS LoKr and LoHa products), with why; absent when none. */
  readonly excluded?: { readonly count: number; readonly reason: string };
}
