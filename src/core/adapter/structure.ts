import type { TensorInfo } from '../safetensors/types';
import type { ModuleParts } from './group';
import type { FactorRole } from './keys';
import { pairShape, type PairLayout } from './lowRank';
import type { FactorRef, Factorization, KroneckerSide, ModuleKind } from './model';

/** Everything about a module that its tensors' shapes decide; the scale comes from the layout. */
export interface ModuleStructure {
  readonly kind: ModuleKind;
  readonly shape: readonly [number, number];
  readonly kernel?: readonly number[];
  /** The trained dimension: r of B·A, LyCORIS `dim` (the scale's denominator). */
  readonly rank: number;
  readonly maxRank: number;
  /** Human name of the structure for the format line: LoRA, LoHa, LoKr. */
  readonly algorithm: 'LoRA' | 'LoHa' | 'LoKr';
  readonly factors: Factorization | null;
  readonly tensors: Readonly<Record<string, string>>;
  readonly magnitude?: string;
  readonly warnings: string[];
}

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
const ref = (t: TensorInfo, transposed = false): FactorRef => ({ tensor: t.name, transposed });

/** Reads the structure of one module from its grouped tensors. */
export function describeModule(parts: ModuleParts, layout: PairLayout): ModuleStructure {
  const p = parts.parts;
  const tensors: Record<string, string> = {};
  for (const [role, t] of p) tensors[roleLabel(role)] = t.name;
  const magnitude = p.get('magnitude')?.name;
  const base = { tensors, ...(magnitude ? { magnitude } : {}) };
  const conflicts = parts.conflicts.map((c) => `duplicate factor tensors (${c}); the first is used`);

  let described: Omit<ModuleStructure, 'tensors' | 'magnitude'>;
  if (p.has('hada_w1_a') || p.has('hada_w1_b') || p.has('hada_w2_a') || p.has('hada_w2_b')) described = hadamard(p);
  else if (['lokr_w1', 'lokr_w1_a', 'lokr_w1_b', 'lokr_w2', 'lokr_w2_a', 'lokr_w2_b'].some((r) => p.has(r as FactorRole))) described = kronecker(p);
  else if (p.has('embA') || p.has('embB')) described = lowRank(parts, 'embedding', p.get('embA'), p.get('embB'));
  else described = lowRank(parts, layout, p.get('A'), p.get('B'));
  return { ...described, ...base, warnings: [...conflicts, ...described.warnings] };
}

/** JSON role names: canonical A, B, M, E for low-rank parts; writer names for LyCORIS parts. */
function roleLabel(role: FactorRole): string {
  return role === 'mixer' ? 'M' : role === 'embA' ? 'A' : role === 'embB' ? 'B' : role;
}

function lowRank(parts: ModuleParts, layout: PairLayout, A: TensorInfo | undefined, B: TensorInfo | undefined): Omit<ModuleStructure, 'tensors' | 'magnitude'> {
  const pair = pairShape(layout, A, B);
  const warnings = [...pair.warnings];
  let factors = pair.factors;
  let shape = pair.shape;
  let kernel = pair.kernel;
  let kind = pair.kind;
  const r = pair.rank;
  const mixer = parts.parts.get('mixer');
  const diagonal = parts.parts.get('E');
  const mid = parts.parts.get('mid');
  if (factors && mixer) {
    if (mixer.shape.length === 2 && mixer.shape[0] === r && mixer.shape[1] === r) factors = { ...factors, mixer: ref(mixer) };
    else {
      warnings.push(`mixer ${mixer.name} is [${mixer.shape}], not ${r}×${r}; this module cannot be analysed`);
      factors = null;
    }
  }
  if (factors && diagonal) {
    if (diagonal.elements === r && diagonal.shape.length <= 2) factors = { ...factors, diagonal: ref(diagonal) };
    else {
      warnings.push(`${diagonal.name} has ${diagonal.elements} values for rank ${r}; this module cannot be analysed`);
      factors = null;
    }
  }
  if (mid && A) {
    // Tucker conv: down is [r, in, 1, 1], mid [r, r, kh, kw]; ΔW is out × (in·kh·kw).
    const ok = mid.shape.length >= 3 && mid.shape[0] === r && mid.shape[1] === r && A.shape.slice(2).every((d) => d === 1);
    if (!ok) {
      warnings.push(`Tucker core ${mid.name} is [${mid.shape}], which does not fit rank ${r} with down factor [${A.shape}]`);
      factors = null;
    } else {
      kernel = mid.shape.slice(2);
      shape = [shape[0], A.shape[1] * product(kernel)];
      kind = 'conv';
      if (factors) factors = { ...factors, mid: ref(mid) };
    }
  }
  const maxRank = Math.min(shape[0], shape[1], r);
  return { kind, shape, ...(kernel ? { kernel } : {}), rank: r, maxRank, algorithm: 'LoRA', factors, warnings };
}

/** A tensor as a matrix: the first axis against all the others (conv kernels flattened). */
function asMatrix(t: TensorInfo): [number, number] {
  return [t.shape[0] ?? 0, t.shape.length >= 2 ? product(t.shape.slice(1)) : 0];
}

function hadamard(p: ReadonlyMap<FactorRole, TensorInfo>): Omit<ModuleStructure, 'tensors' | 'magnitude'> {
  const w1a = p.get('hada_w1_a');
  const w1b = p.get('hada_w1_b');
  const w2a = p.get('hada_w2_a');
  const w2b = p.get('hada_w2_b');
  const t1 = p.get('hada_t1');
  const t2 = p.get('hada_t2');
  const tucker = t1 ?? t2;
  const warnings: string[] = [];
  const rank = w1b?.shape[0] ?? (tucker ? w1a?.shape[0] : w1a?.shape[1]) ?? 0;
  // With Tucker cores w_a is stored [r, out] and w_b [r, in]; the kernel is the core's.
  const [m, n] = !w1a || !w1b ? [0, 0] : tucker ? [w1a.shape[1] ?? 0, (w1b.shape[1] ?? 0) * product(tucker.shape.slice(2))] : [w1a.shape[0], asMatrix(w1b)[1]];
  const fail = (why: string) => {
    warnings.push(why);
    return { kind: 'linear' as const, shape: [m, n] as const, rank, maxRank: Math.min(m, n, rank * rank), algorithm: 'LoHa' as const, factors: null, warnings };
  };
  if (!w1a || !w1b || !w2a || !w2b) return fail('a LoHa factor (hada_w1_a, hada_w1_b, hada_w2_a, hada_w2_b) is missing; this module cannot be analysed');
  if (tucker) {
    if (!t1 || !t2) return fail(`LoHa Tucker cores come in pairs: ${t1 ? 'hada_t1' : 'hada_t2'} is stored without ${t1 ? 'hada_t2' : 'hada_t1'}; this module cannot be analysed`);
    return hadamardTucker([w1a, w1b, t1], [w2a, w2b, t2], fail);
  }
  const [r1, r2] = [w1b.shape[0], w2b.shape[0]];
  if (w1a.shape.length !== 2 || w2a.shape.length !== 2 || w1a.shape[1] !== r1 || w2a.shape[1] !== r2)
    return fail(`LoHa factor shapes do not chain: [${w1a.shape}]·[${w1b.shape}] and [${w2a.shape}]·[${w2b.shape}]`);
  if (w2a.shape[0] !== m || asMatrix(w2b)[1] !== n) return fail(`LoHa halves have different shapes: ${m}×${n} and ${w2a.shape[0]}×${asMatrix(w2b)[1]}`);
  const kernel = w1b.shape.length > 2 ? w1b.shape.slice(2) : undefined;
  const factors = { type: 'hadamard' as const, w1a: ref(w1a), w1b: ref(w1b), w2a: ref(w2a), w2b: ref(w2b) };
  return { kind: kernel ? 'conv' : 'linear', shape: [m, n], ...(kernel ? { kernel } : {}), rank: r1, maxRank: Math.min(m, n, r1 * r2), algorithm: 'LoHa', factors, warnings };
}

type Half = readonly [wa: TensorInfo, wb: TensorInfo, t: TensorInfo];

/** Why a Tucker pair does not fit: w_a [r, out], w_b [r, in], core [r, r, …kernel]; null when it fits. */
function tuckerMisfit(wa: TensorInfo, wb: TensorInfo, t: TensorInfo): string | null {
  if (wa.shape.length !== 2 || wb.shape.length !== 2)
    return `${wa.name} [${wa.shape}] and ${wb.name} [${wb.shape}] are not [rank, out] and [rank, in] matrices, as a Tucker pair stores them`;
  const r = wa.shape[0];
  if (wb.shape[0] !== r || t.shape.length < 2 || t.shape[0] !== r || t.shape[1] !== r)
    return `Tucker core ${t.name} is [${t.shape}], which does not fit ${wa.name} [${wa.shape}] and ${wb.name} [${wb.shape}] (a ${r}×${r}×kernel core is needed); this module cannot be analysed`;
  return null;
}

/**
 * LoHa with Tucker cores (LyCORIS modules/loha.py with use_tucker; functional/loha.py
 * HadaWeightTucker): each half is einsum('i j …, j r, i p -> p r …', t, w_b, w_a), as a matrix
 * [out, in·kernel] the pair w_aᵀ·(t contracted with w_b).
 */
function hadamardTucker(one: Half, two: Half, fail: (why: string) => Omit<ModuleStructure, 'tensors' | 'magnitude'>): Omit<ModuleStructure, 'tensors' | 'magnitude'> {
  const misfit = tuckerMisfit(...one) ?? tuckerMisfit(...two);
  if (misfit) return fail(misfit);
  const [[w1a, w1b, t1], [w2a, w2b, t2]] = [one, two];
  const kernel = t1.shape.slice(2);
  if (w1a.shape[1] !== w2a.shape[1] || w1b.shape[1] !== w2b.shape[1] || t2.shape.slice(2).join() !== kernel.join())
    return fail(`LoHa Tucker halves have different shapes: [${w1a.shape}], [${w1b.shape}], [${t1.shape}] and [${w2a.shape}], [${w2b.shape}], [${t2.shape}]`);
  const shape: [number, number] = [w1a.shape[1], w1b.shape[1] * product(kernel)];
  const [r1, r2] = [w1b.shape[0], w2b.shape[0]];
  const factors = { type: 'hadamard' as const, w1a: ref(w1a, true), w1b: ref(w1b), w2a: ref(w2a, true), w2b: ref(w2b), t1: ref(t1), t2: ref(t2) };
  const conv = kernel.length > 0;
  return { kind: conv ? 'conv' : 'linear', shape, ...(conv ? { kernel } : {}), rank: r1, maxRank: Math.min(shape[0], shape[1], r1 * r2), algorithm: 'LoHa', factors, warnings: [] };
}

interface Side {
  readonly side: KroneckerSide;
  readonly shape: [number, number];
  readonly rank: number;
  readonly lowRank: boolean;
  readonly kernel: readonly number[];
}

function kroneckerSide(p: ReadonlyMap<FactorRole, TensorInfo>, which: 'w1' | 'w2'): Side | string {
  const full = p.get(`lokr_${which}`);
  const a = p.get(`lokr_${which}_a`);
  const b = p.get(`lokr_${which}_b`);
  const t = p.get(which === 'w1' ? 'lokr_t1' : 'lokr_t2');
  if (full) {
    if (t) return `Tucker core ${t.name} is stored beside the full ${full.name}, which has no pair for it to join`;
    const shape = asMatrix(full);
    return { side: { full: ref(full) }, shape, rank: Math.min(...shape), lowRank: false, kernel: full.shape.slice(2) };
  }
  if (!a || !b)
    return t ? `Tucker core ${t.name} has no lokr_${which}_a and lokr_${which}_b pair beside it` : `LoKr factor lokr_${which} is missing (neither full nor both halves found)`;
  if (t) {
    // LyCORIS modules/lokr.py with use_tucker: w_a [r, rows], w_b [r, cols], t [r, r, …kernel],
    // rebuilt by functional/general.py rebuild_tucker: einsum('i j …, i p, j r -> p r …', t, w_a, w_b).
    const misfit = tuckerMisfit(a, b, t);
    if (misfit) return misfit;
    const kernel = t.shape.slice(2);
    return { side: { B: ref(a, true), A: ref(b), mid: ref(t) }, shape: [a.shape[1], b.shape[1] * product(kernel)], rank: a.shape[0], lowRank: true, kernel };
  }
  if (a.shape.length !== 2 || b.shape[0] !== a.shape[1]) return `LoKr halves of ${which} do not chain: [${a.shape}]·[${b.shape}]`;
  const shape: [number, number] = [a.shape[0], asMatrix(b)[1]];
  return { side: { B: ref(a), A: ref(b) }, shape, rank: a.shape[1], lowRank: true, kernel: b.shape.slice(2) };
}

/**
 * The conv kernel of kron(W1, W2): LyCORIS functional/lokr.py make_kron gives W1 W2's number of
 * axes and torch.kron multiplies the kernels axis by axis. ΔW flattened to [out, in·kernel] is
 * then kron(W1, W2) flattened, up to an order of its columns, so its singular values are still
 * the products. A kernel on W1 alone, or kernels of different lengths, is not that product.
 */
function kroneckerKernel(k1: readonly number[], k2: readonly number[]): readonly number[] | string {
  if (k1.length === 0) return k2;
  if (k1.length !== k2.length) return `LoKr kernels [${k1}] of w1 and [${k2}] of w2 have different lengths; the product is not a Kronecker product of the flattened sides`;
  return k1.map((d, i) => d * k2[i]);
}

function kronecker(p: ReadonlyMap<FactorRole, TensorInfo>): Omit<ModuleStructure, 'tensors' | 'magnitude'> {
  const w1 = kroneckerSide(p, 'w1');
  const w2 = kroneckerSide(p, 'w2');
  const known = (s: typeof w1) => (typeof s === 'string' ? [0, 0] : s.shape);
  const [a, b] = known(w1);
  const [c, d] = known(w2);
  const shape: [number, number] = [a * c, b * d];
  const problems = [w1, w2].filter((s): s is string => typeof s === 'string');
  const kernel = typeof w1 === 'string' || typeof w2 === 'string' ? [] : kroneckerKernel(w1.kernel, w2.kernel);
  if (typeof kernel === 'string') problems.push(kernel);
  // LyCORIS' dim is the rank of the decomposed side (w2 first, as the writer chooses it).
  const dim = typeof w2 !== 'string' && w2.lowRank ? w2.rank : typeof w1 !== 'string' && w1.lowRank ? w1.rank : 0;
  const maxRank = Math.min(shape[0], shape[1], (typeof w1 === 'string' ? 0 : Math.min(w1.rank, ...w1.shape)) * (typeof w2 === 'string' ? 0 : Math.min(w2.rank, ...w2.shape)));
  if (problems.length > 0 || typeof w1 === 'string' || typeof w2 === 'string' || typeof kernel === 'string') {
    return { kind: 'linear', shape, rank: dim, maxRank, algorithm: 'LoKr', factors: null, warnings: problems };
  }
  const factors = { type: 'kronecker' as const, w1: w1.side, w2: w2.side, w1Shape: w1.shape, w2Shape: w2.shape };
  const conv = kernel.length > 0;
  return { kind: conv ? 'conv' : 'linear', shape, ...(conv ? { kernel } : {}), rank: dim, maxRank, algorithm: 'LoKr', factors, warnings: [] };
}
