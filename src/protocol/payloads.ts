/**
 * What the editor shows, as plain data that crosses the webview boundary. The webview compiles
 * against `src/protocol/` alone, so these types repeat the few core fields they need rather
 * than importing core types. Numbers that belong together travel as typed arrays.
 */

/** A display entry of training metadata or config: label, raw value, parsed JSON when it held some. */
export interface DisplayEntry {
  readonly key: string;
  readonly label: string;
  readonly value: string;
  /** Set when `value` held JSON (kohya's `ss_tag_frequency`, a PEFT config object). */
  readonly json?: unknown;
}

/** One adapted module, as known from the header alone. */
export interface LayerRow {
  /** Position in the adapter's module order; analysis results refer to it. */
  readonly index: number;
  readonly name: string;
  readonly kind: 'linear' | 'conv' | 'embedding';
  /** ΔW is rows × cols (out × in; a conv's in counts the kernel). */
  readonly rows: number;
  readonly cols: number;
  readonly kernel?: readonly number[];
  readonly rank: number;
  readonly alpha: number | null;
  /** The s in ΔW = s·B·A, and the rule that gave it. */
  readonly scale: number;
  readonly scaleRule: string;
  /** Block the module sits in (`layers.3`, `down_blocks.1.attentions.0`), null when none. */
  readonly block: string | null;
  /** The block's position among the adapter's distinct blocks in module order (0 first), null when none. */
  readonly depth: number | null;
  /** Module type for grouping (`q_proj`, `to_k`, `ff.net.2`). */
  readonly moduleType: string;
  /** `attention`, `mlp`, `embedding` or `other`: the UNet/transformer grouping. */
  readonly family: 'attention' | 'mlp' | 'embedding' | 'other';
  /** True when a learned r×r mixer M sits between B and A (MoSLoRA). */
  readonly hasMixer: boolean;
  /** How ΔW is built when it is not B·A (LyCORIS LoKr, LoHa); absent for LoRA. */
  readonly structure?: LayerStructure;
  readonly warnings: readonly string[];
}

/** A LyCORIS module's structure: why its rank can exceed r, and by how much. */
export interface LayerStructure {
  readonly algorithm: 'LoKr' | 'LoHa';
  /** The most singular values ΔW can have (LoKr rank(W1)·rank(W2), LoHa r²), at most min(m, n). */
  readonly maxRank: number;
  /** LoKr: ΔW = s·kron(W1, W2), each side as a matrix with its rank. */
  readonly kronecker?: { readonly w1: KroneckerSidePayload; readonly w2: KroneckerSidePayload };
}

/** One side of a Kronecker product: stored whole (its rank is at most its smaller side) or as a low-rank pair. */
export interface KroneckerSidePayload {
  readonly rows: number;
  readonly cols: number;
  readonly rank: number;
  readonly full: boolean;
}

/** A tensor of the file, for the tensor browser of files that hold no adapter. */
export interface TensorRow {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly bytes: number;
}

/** The container a file's tensors were read from (the core's ContainerKind). */
export type ContainerName = 'safetensors' | 'pytorch-zip' | 'pytorch-legacy' | 'gguf';

/** Everything the header says: sent once, before any analysis, so the table shows at once. */
export interface AdapterOverview {
  readonly file: string;
  readonly fileBytes: number;
  /** False for a safetensors file with no adapter in it (a full model): shown as a tensor browser. */
  readonly isAdapter: boolean;
  readonly container: ContainerName;
  readonly format: string;
  /** The layout dialect the keys were read as, e.g. "PEFT LoRA (rsLoRA)". */
  readonly formatDetail: string;
  /** What each guessed pairing rule did, when no layout rule knew the keys (empty otherwise). */
  readonly guessedRules: readonly string[];
  readonly peftType: string | null;
  readonly baseModel: string | null;
  readonly analysable: boolean;
  readonly adapterParameters: number;
  readonly dtypes: Readonly<Record<string, number>>;
  /** Distinct scale rules over the modules, most common first. */
  readonly scaleRules: readonly string[];
  readonly warnings: readonly string[];
  readonly metadata: readonly DisplayEntry[];
  readonly configFile: string | null;
  readonly config: readonly DisplayEntry[];
  readonly layers: readonly LayerRow[];
  /** Tensors not part of any module (and every tensor when `isAdapter` is false). */
  readonly tensors: readonly TensorRow[];
}

/** The rank metrics of one spectrum (docs/design.md §2); null where a metric does not exist. */
export interface LayerMetrics {
  readonly frobenius: number;
  readonly sigma1: number;
  readonly effectiveRank: number;
  readonly stableRank: number;
  readonly r90: number;
  readonly r95: number;
  readonly r99: number;
  readonly utilization: number;
  readonly dominanceRatio: number | null;
  readonly topEnergy: number;
}

/** A small dense matrix, column-major. */
export interface DenseMatrixPayload {
  readonly rows: number;
  readonly cols: number;
  readonly values: Float64Array;
}

/**
 * MoSLoRA's learned mixer M as stored (docs/design.md §3). M is not identifiable, (B·R, R⁻¹·M·S,
 * S⁻¹·A) gives the same ΔW, so σ(M) and cond(M) depend on an arbitrary basis.
 */
export interface MixerPayload extends DenseMatrixPayload {
  /** σ(M), descending (basis-dependent). */
  readonly singularValues: Float64Array;
  /** M against its initialization, kaiming_uniform_(a=√5), i.e. U(−b, b) entries with b = 1/√r. */
  readonly init: MixerInitPayload;
}

/** The stored M against MoSLoRA's init distribution (see src/core/analysis/mixerInit.ts). */
export interface MixerInitPayload {
  readonly rule: string;
  /** b = 1/√r. */
  readonly bound: number;
  readonly frobenius: number;
  /** E‖M₀‖_F² and its standard deviation under the init. */
  readonly initFrobeniusSquaredMean: number;
  readonly initFrobeniusSquaredSd: number;
  /** (‖M‖_F² − E‖M₀‖_F²) / sd. */
  readonly frobeniusZ: number;
  /** max |M_ij| / b. */
  readonly maxAbsOverBound: number;
  /** Share of entries outside [−b, b] (0 at init). */
  readonly outsideBound: number;
}

/**
 * The rank AdaLoRA's training kept: #{E_i ≠ 0} of the stored E entries (see
 * src/core/analysis/learnedAllocation.ts), and its `ranknum` buffer when stored.
 */
export interface LearnedAllocationPayload {
  readonly learnedRank: number;
  readonly storedRank: number;
  readonly ranknum: number | null;
}

/** One module's analysis, streamed as soon as it is known. */
export type LayerAnalysis =
  | {
      readonly index: number;
      readonly status: 'ok';
      /** σ of ΔW, descending, length r. */
      readonly singularValues: Float64Array;
      readonly metrics: LayerMetrics;
      /** The canonical core K (r×r), whose singular values are ΔW's; null when not formed. */
      readonly core: DenseMatrixPayload | null;
      /** The learned mixer M of MoSLoRA, as stored. */
      readonly mixer: MixerPayload | null;
      /** AdaLoRA's own selection for this layer (from its E values), when the file stores them. */
      readonly learnedAllocation?: LearnedAllocationPayload;
      readonly warnings: readonly string[];
    }
  | { readonly index: number; readonly status: 'skipped'; readonly reason: string };

export interface AnalysisProgress {
  readonly done: number;
  readonly total: number;
  readonly module: string;
}

/** Where the numbers were computed. */
export interface ComputeInfo {
  readonly backend: string;
  readonly provider: string | null;
  readonly threads: number | null;
  /** Why CUDA was not used, when it was asked for or tried. */
  readonly fallbackReason: string | null;
}

export interface AnalysisDone {
  readonly seconds: number;
  readonly compute: ComputeInfo;
  /** True when the results came from the cache of an unchanged file. */
  readonly cached: boolean;
}

export interface ErrorPayload {
  readonly message: string;
  readonly code?: string;
}

export type ExportFormat = 'json' | 'csv' | 'markdown';
