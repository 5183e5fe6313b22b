import type { TensorInfo } from '../safetensors/types';
import type { FactorRef, LowRankFactors, ModuleKind } from './model';

/**
 * How a layout stores the pair:
 * - `standard`: A is [r, in, …kernel], B is [out, r, 1, …] (PEFT, kohya, diffusers);
 * - `transposed`: A is stored n×r and B r×m (mlx-lm);
 * - `embedding`: PEFT's lora_embedding_A [r, num_embeddings] and lora_embedding_B [dim, r]; ΔW
 *   of the embedding table (num_embeddings×dim) is (B·A)ᵀ, so the canonical factors are the
 *   stored ones transposed and swapped.
 */
export type PairLayout = 'standard' | 'transposed' | 'embedding';

/** What the shapes of a factor pair say about a module, before any scale is known. */
export interface PairShape {
  readonly kind: ModuleKind;
  readonly shape: readonly [number, number];
  readonly kernel?: readonly number[];
  readonly rank: number;
  /** The factors, or null when the pair cannot be analysed (the warnings say why). */
  readonly factors: LowRankFactors | null;
  readonly warnings: readonly string[];
}

const FLOAT_DTYPES = new Set(['F16', 'BF16', 'F32', 'F64', 'F8_E4M3', 'F8_E5M2', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ']);

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Reads a pair's shapes into a module description; never throws on odd shapes. */
export function pairShape(layout: PairLayout, A: TensorInfo | undefined, B: TensorInfo | undefined): PairShape {
  const warnings: string[] = [];
  if (!A || !B) {
    const present = (A ?? B) as TensorInfo;
    const missing = A ? 'up (B)' : 'down (A)';
    warnings.push(`the ${missing} factor is missing (found only ${present.name}); this module cannot be analysed`);
    return { ...partialShape(layout, A, B), factors: null, warnings };
  }
  for (const t of [A, B]) {
    if (!FLOAT_DTYPES.has(t.dtype)) warnings.push(`${t.name} has dtype ${t.dtype}, which is not a floating-point factor`);
  }
  const parsed = layout === 'standard' ? standard(A, B) : layout === 'transposed' ? transposedPair(A, B) : embedding(A, B);
  if (typeof parsed === 'string') {
    warnings.push(parsed);
    return { ...partialShape(layout, A, B), factors: null, warnings };
  }
  if (parsed.rank === 0) warnings.push('rank 0: the factors are empty');
  const ok = warnings.length === 0;
  return { ...parsed, factors: ok ? parsed.factors : null, warnings };
}

type Parsed = Omit<PairShape, 'warnings'> & { factors: LowRankFactors };

function ref(tensor: TensorInfo, transposed: boolean): FactorRef {
  return { tensor: tensor.name, transposed };
}

function standard(A: TensorInfo, B: TensorInfo): Parsed | string {
  if (A.shape.length < 2 || B.shape.length < 2) return `factor shapes [${A.shape}] and [${B.shape}] are not matrices`;
  const r = A.shape[0];
  if (B.shape[1] !== r) return `rank mismatch: ${A.name} has rank ${r} but ${B.name} has ${B.shape[1]}`;
  const bKernel = B.shape.slice(2);
  if (bKernel.some((d) => d !== 1)) return `${B.name} has a ${bKernel.join('×')} kernel; only a 1×1 up factor is a low-rank product`;
  const kernel = A.shape.slice(2);
  const conv = A.shape.length > 2;
  const n = A.shape[1] * product(kernel);
  const factors: LowRankFactors = { type: 'lowRank', B: ref(B, false), A: ref(A, false) };
  return { kind: conv ? 'conv' : 'linear', shape: [B.shape[0], n], rank: r, ...(conv ? { kernel } : {}), factors };
}

function transposedPair(A: TensorInfo, B: TensorInfo): Parsed | string {
  if (A.shape.length !== 2 || B.shape.length !== 2) return `factor shapes [${A.shape}] and [${B.shape}] are not matrices`;
  const [n, r] = A.shape;
  const [rB, m] = B.shape;
  if (rB !== r) return `rank mismatch: ${A.name} has rank ${r} but ${B.name} has ${rB}`;
  const factors: LowRankFactors = { type: 'lowRank', B: ref(B, true), A: ref(A, true) };
  return { kind: 'linear', shape: [m, n], rank: r, factors };
}

function embedding(A: TensorInfo, B: TensorInfo): Parsed | string {
  if (A.shape.length !== 2 || B.shape.length !== 2) return `embedding factor shapes [${A.shape}] and [${B.shape}] are not matrices`;
  const [r, numEmbeddings] = A.shape;
  const [dim, rB] = B.shape;
  if (rB !== r) return `rank mismatch: ${A.name} has rank ${r} but ${B.name} has ${rB}`;
  // Canonical B = (embedding_A)ᵀ (num_embeddings×r), canonical A = (embedding_B)ᵀ (r×dim).
  const factors: LowRankFactors = { type: 'lowRank', B: ref(A, true), A: ref(B, true) };
  return { kind: 'embedding', shape: [numEmbeddings, dim], rank: r, factors };
}

/** Best-effort shape when a pair is broken, so the layer table can still show the module. */
function partialShape(layout: PairLayout, A: TensorInfo | undefined, B: TensorInfo | undefined): Omit<PairShape, 'factors' | 'warnings'> {
  const a = A?.shape ?? [];
  const b = B?.shape ?? [];
  if (layout === 'transposed') {
    return { kind: 'linear', shape: [b[1] ?? 0, a[0] ?? 0], rank: a[1] ?? b[0] ?? 0 };
  }
  if (layout === 'embedding') return { kind: 'embedding', shape: [a[1] ?? 0, b[0] ?? 0], rank: a[0] ?? b[1] ?? 0 };
  const kernel = a.slice(2);
  const conv = a.length > 2 || b.length > 2;
  return {
    kind: conv ? 'conv' : 'linear',
    shape: [b[0] ?? 0, a.length >= 2 ? a[1] * product(kernel) : 0],
    rank: a[0] ?? b[1] ?? 0,
    ...(conv && kernel.length ? { kernel } : {}),
  };
}
