import type { DType, SafetensorsHeader } from '../safetensors/types';
import type { ContainerKind } from '../container/source';

/** The tool that wrote an adapter, as far as its key names and config tell. */
export type AdapterFormat = 'peft' | 'kohya' | 'lycoris' | 'diffusers' | 'mlx' | 'gguf' | 'torchtune' | 'unknown';

export type ModuleKind = 'linear' | 'conv' | 'embedding';

/**
 * Where a canonical factor lives in the file. Canonical orientation is ΔW = s·B·M·A with
 * B m×r and A r×n (m = output features, n = input features, conv inputs flattened as
 * in·kh·kw). `transposed` says the stored matrix is the transpose of the canonical one (mlx-lm
 * stores lora_a as n×r and lora_b as r×m; PEFT embeddings store their factors the other way
 * round). `block` picks block `index` of `count` equal blocks along the tensor's leading axis
 * (stacked MoE factors: one expert's rows), a leading axis of length one then dropped; with
 * `span`, that many consecutive blocks from `index` (a slice of a fused weight's rows); an
 * `interleaved` block instead takes the columns j ≡ index (mod count) of the stored matrix
 * (PEFT's ParamWrapper lora_B [out, r·E], read as [out, r, E]).
 */
export interface FactorRef {
  readonly tensor: string;
  readonly transposed: boolean;
  readonly block?: { readonly index: number; readonly count: number; readonly span?: number; readonly interleaved?: boolean };
  /** Only the leading rows×cols of the stored matrix (after `block`) belong to the module. */
  readonly window?: { readonly rows: number; readonly cols: number };
  /** A vector tensor whose entries multiply the canonical factor's rows (VeRA's Λ_b, Λ_d). */
  readonly scaleRows?: string;
  /** The stored tensor is mlx affine-quantized (see mlxQuant.ts); values are dequantized first. */
  readonly quantized?: QuantizedRef;
}

/**
 * mlx affine group quantization of a stored rows×cols matrix: `tensor` holds the packed codes
 * (U32, cols·bits/32 per row), `scales` and `biases` one value per group of `groupSize` along a row.
 */
export interface QuantizedRef {
  readonly scales: string;
  readonly biases: string;
  readonly bits: number;
  readonly groupSize: number;
}

/** A low-rank pair B·A, optionally with an r×r mixer M between them. */
export interface LowRankFactors {
  readonly type: 'lowRank';
  readonly B: FactorRef;
  readonly A: FactorRef;
  /** Learned r×r mixer (MoSLoRA `lora_AB`): ΔW = s·B·M·A. */
  readonly mixer?: FactorRef;
  /** AdaLoRA's singular-value vector E (r×1): ΔW = s·B·diag(E)·A. */
  readonly diagonal?: FactorRef;
  /**
   * kohya/LyCORIS conv Tucker core `lora_mid` (r×r×kh×kw); A is then the 1×1 `lora_down`
   * and the effective A is contracted with the core before analysis.
   */
  readonly mid?: FactorRef;
}

/**
 * LyCORIS LoHa: ΔW = s·(W1a·W1b) ⊙ (W2a·W2b). Its rank is at most r1·r2. With Tucker cores
 * (conv, `hada_t1`/`hada_t2` [r, r, …kernel]) each half is W = w_aᵀ·(t ×₂ w_b): w1a/w2a are then
 * stored [r, out] (the references are transposed) and w1b/w2b [r, in], and the effective A of a
 * half is its core contracted with w_b, as for a LoRA `mid`.
 */
export interface HadamardFactors {
  readonly type: 'hadamard';
  readonly w1a: FactorRef;
  readonly w1b: FactorRef;
  readonly w2a: FactorRef;
  readonly w2b: FactorRef;
  readonly t1?: FactorRef;
  readonly t2?: FactorRef;
}

/**
 * One side of a Kronecker product: a full matrix or a low-rank pair; a pair with a Tucker core
 * `mid` (LyCORIS `lokr_t2` [r, r, …kernel]) has B = w_aᵀ and its effective A contracted with the core.
 */
export type KroneckerSide = { readonly full: FactorRef } | { readonly B: FactorRef; readonly A: FactorRef; readonly mid?: FactorRef };

/**
 * LyCORIS LoKr: ΔW = s·kron(W1, W2). Its singular values are exactly the products
 * σ_i(W1)·σ_j(W2), so neither the product nor ΔW is ever formed.
 */
export interface KroneckerFactors {
  readonly type: 'kronecker';
  readonly w1: KroneckerSide;
  readonly w2: KroneckerSide;
  /** Shapes of W1 and W2 as matrices (conv W2 flattened to out×in·kh·kw). */
  readonly w1Shape: readonly [number, number];
  readonly w2Shape: readonly [number, number];
}

export type Factorization = LowRankFactors | HadamardFactors | KroneckerFactors;

/** One adapted module of the base model, normalized across every layout. */
export interface AdaptedModule {
  /**
   * The module's path as the adapter names it, with the layout's own wrapping removed
   * (PEFT's `base_model.model.`, the factor suffixes). kohya names keep their underscores.
   */
  readonly name: string;
  readonly kind: ModuleKind;
  /** ΔW as a matrix, [m, n] = [out, in] (conv: in·kh·kw; embedding: [num_embeddings, dim]). */
  readonly shape: readonly [number, number];
  /** Spatial kernel of a conv module, e.g. [3, 3]. */
  readonly kernel?: readonly number[];
  /** The rank the module was trained with (LoRA r, LyCORIS dim). */
  readonly rank: number;
  /** The most singular values ΔW can have given its structure (LoHa r², LoKr products). */
  readonly maxRank: number;
  /** α as configured or stored; null where the layout has none (mlx-lm, diffusers). */
  readonly alpha: number | null;
  /** s in ΔW = s·B·M·A. */
  readonly scale: number;
  /** How s was found, in words with the numbers, e.g. "lora_alpha / r = 16 / 8". */
  readonly scaleRule: string;
  /** False when s could not be known and 1 was assumed. */
  readonly scaleKnown: boolean;
  /** How to read ΔW from the file; null when the module cannot be analysed (see warnings). */
  readonly factors: Factorization | null;
  /** Source tensor names by role (A, B, M, E, alpha, magnitude, w1a, …). */
  readonly tensors: Readonly<Record<string, string>>;
  /** DoRA magnitude vector's tensor, reported beside the low-rank part. */
  readonly magnitude?: string;
  /** Expert index for one slice of stacked MoE factors. */
  readonly expert?: number;
  /**
   * For an adapter trained on one slice of a fused weight (OneTrainer's `img_attn.qkv.1`): the
   * fused module, the slice's index and what it is (q, k, v, mlp).
   */
  readonly fusedSlice?: { readonly weight: string; readonly index: number; readonly part: string };
  /**
   * Set when the factors hold only part of ΔW (LyCORIS GLoRA's b1·b2, without W·a1·a2): what is
   * left out. Its numbers are of that part; nothing is written from it in ΔW's place.
   */
  readonly partial?: string;
  readonly warnings: readonly string[];
}

/** Why a tensor that is not a low-rank factor is in the file. */
export type OtherTensorRole = 'modules_to_save' | 'full weight' | 'bias' | 'non-low-rank parameter' | 'unrecognized' | 'token embedding' | 'full-rank diff' | 'bias diff';

export interface OtherTensor {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly role: OtherTensorRole;
  /** The module a full-rank piece (`diff`, `diff_b`) adds to. */
  readonly module?: string;
  /** Frobenius norm of a full-rank piece, when it was read. */
  readonly norm?: number;
}

/** The adapter's config file, as read (values untrusted). */
export interface AdapterConfig {
  readonly file: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Every layout normalized into one model: what the file adapts and how to read each ΔW. */
export interface Adapter {
  readonly file: string;
  /** The container the tensors were read from; absent means safetensors. */
  readonly container?: ContainerKind;
  readonly header: SafetensorsHeader;
  readonly format: AdapterFormat;
  /** Readable variant, e.g. "PEFT LoRA (rsLoRA)", "LyCORIS LoKr (kohya names)". */
  readonly formatDetail: string;
  /** PEFT's peft_type when a PEFT config is present. */
  readonly peftType: string | null;
  readonly baseModel: string | null;
  readonly config: AdapterConfig | null;
  readonly modules: readonly AdaptedModule[];
  readonly otherTensors: readonly OtherTensor[];
  /** False when the file is a kind of adapter this tool does not analyse (see warnings). */
  readonly analysable: boolean;
  readonly warnings: readonly string[];
}
