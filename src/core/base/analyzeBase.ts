import { placeOf } from '../adapter/place';
import type { OpenedAdapter } from '../adapter/load';
import { randomizedSvdOf, type TopSvd } from '../analysis/randomizedSvd';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import type { DenseEngine } from '../compute/dense';
import { readBasis } from '../subspace/bases';
import { baseAlignment, type BaseAlignment } from './alignment';
import type { BaseModel } from './baseModel';
import { ModuleDataError, readLowRank } from '../analysis/factors';
import { conversionMatrices, type ConversionMatrices, type RawFactors } from './condLora';
import { condLoraGroup, type CondLoraGroup } from './conversionSimilarity';
import { BaseModelError } from './errors';
import { intruderDimensions, type Intruders } from './intruders';
import type { BaseWeightLimits } from './streamedWeight';
import { indexBaseWeights, matchBaseWeight } from './weightNames';

/** Default k: W0's top-k singular vectors span the compared subspaces; top-k of W0 + ΔW are tested for intruders. */
export const DEFAULT_BASE_K = 10;

/**
 * Power iterations for W0's top SVD: 4, not randomizedSvd's default 2. Values converge fast,
 * vectors slowly (each round gains a factor (σ_{K+l}/σ_i)² only), and alignment, intruders and
 * their error bounds all use vectors: on a 4096² weight with 20 spikes over a noise bulk, 2
 * rounds left W0's top vectors with sin θ bounds of 1 (undetermined), 4 resolve them.
 */
const BASE_ITERATIONS = 4;

export interface BaseAnalysisOptions {
  /** k (default 10). W0's top K = 2k triplets are computed: k for alignment, all K for intruders and C. */
  readonly k?: number;
  /** Intruder threshold ε (default 0.5). */
  readonly epsilon?: number;
  /** Seeded normals for the randomized SVDs (tests). */
  readonly gaussian?: () => number;
  readonly token?: CancellationToken;
  /** Called after each module (done of total) — the CLI's stderr progress. */
  readonly onModule?: (done: number, total: number, name: string) => void;
  /** When base weights are streamed rather than read whole (tests lower the bound to reach that path). */
  readonly weightLimits?: BaseWeightLimits;
}

/** One adapter module against its base weight. */
export type BaseModuleResult =
  | {
      readonly name: string;
      readonly status: 'ok';
      /** The base tensor and whether it is stored transposed (n×m, GPT-2 Conv1D). */
      readonly weight: string;
      readonly transposed: boolean;
      /** W0's top-K singular values and the randomized SVD's residual bound ε̂ (σ_i − σ̂_i ≤ ε̂²/(2σ̂_i)). */
      readonly baseValues: Float64Array;
      readonly baseResidualBound: number;
      readonly alignment: BaseAlignment;
      readonly intruders: Intruders;
      readonly conversion: ConversionMatrices;
    }
  | { readonly name: string; readonly status: 'skipped'; readonly reason: string };

export interface BaseAnalysis {
  readonly k: number;
  readonly kBase: number;
  readonly modules: readonly BaseModuleResult[];
  /** CondLoRA per module type with two or more analysed layers of one shape, in the adapter's (depth) order. */
  readonly conversionGroups: readonly (CondLoraGroup & { readonly moduleType: string })[];
}

/**
 * docs/design.md §5 for every module of an adapter: one base weight at a time is read (at its
 * offsets, never the whole model), its top-K SVD computed on the engine, then alignment,
 * amplification, intruders and the CondLoRA conversion matrices; the weight is dropped before the
 * next is read. A module without a fitting base weight is skipped with the reason; none at all
 * matching is a BaseModelError (NO_MODULE_MATCHED), as the base is then surely the wrong one.
 */
export async function analyzeAgainstBase(opened: OpenedAdapter, base: BaseModel, engine: DenseEngine, options: BaseAnalysisOptions = {}): Promise<BaseAnalysis> {
  const k = options.k ?? DEFAULT_BASE_K;
  const kBase = 2 * k;
  const index = indexBaseWeights(base.weights.values());
  const fanInFanOut = opened.adapter.config?.values.fan_in_fan_out === true;
  const modules: BaseModuleResult[] = [];
  const total = opened.adapter.modules.length;
  let matched = 0;
  const firstReasons: string[] = [];
  for (const module of opened.adapter.modules) {
    const name = module.name;
    const skip = (reason: string) => {
      modules.push({ name, status: 'skipped', reason });
      if (firstReasons.length < 3) firstReasons.push(`${name}: ${reason}`);
    };
    const match = matchBaseWeight(module, index, fanInFanOut);
    if ('reason' in match) skip(match.reason);
    else {
      matched++;
      const found = await readBasis(opened.file, module);
      throwIfCancelled(options.token);
      if ('reason' in found) skip(found.reason);
      else {
        const { operator: W0, dense } = await base.weightOperator(match.weight, match.transposed, engine, options.weightLimits, options.token);
        throwIfCancelled(options.token);
        // One triplet past K: it bounds the gap of W0's K-th vector (intruders' error bounds).
        const extended = await randomizedSvdOf(W0, { k: kBase + 1, iterations: BASE_ITERATIONS, gaussian: options.gaussian });
        const top = leadingTriplets(extended, kBase);
        throwIfCancelled(options.token);
        const alignment = await baseAlignment(W0, top, found.basis, k);
        const intruders = await intruderDimensions(W0, extended, kBase, found.basis, k, { epsilon: options.epsilon, gaussian: options.gaussian });
        throwIfCancelled(options.token);
        const conversion = conversionMatrices(dense ?? W0, top, await rawFactors(opened, module));
        modules.push({
          name,
          status: 'ok',
          weight: match.weight.name,
          transposed: match.transposed,
          baseValues: top.values,
          baseResidualBound: top.residualBound,
          alignment,
          intruders,
          conversion,
        });
      }
    }
    options.onModule?.(modules.length, total, name);
  }
  if (matched === 0) {
    throw new BaseModelError(
      'NO_MODULE_MATCHED',
      `no adapter module matched a base weight in ${base.layout.path} (${firstReasons.join('; ') || 'the adapter has no modules'})`,
      base.layout.path,
    );
  }
  return { k, kBase, modules, conversionGroups: groupConversions(modules) };
}

/** Modules of one type (name minus its layer index, `placeOf`) and one C shape, two or more of them. */
function groupConversions(modules: readonly BaseModuleResult[]): BaseAnalysis['conversionGroups'] {
  const groups = new Map<string, { moduleType: string; names: string[]; conversions: ConversionMatrices[] }>();
  for (const m of modules) {
    if (m.status !== 'ok') continue;
    const moduleType = placeOf(m.name).moduleType;
    const key = `${moduleType}\u0000${m.conversion.CB.rows}×${m.conversion.CA.rows}×${m.conversion.CA.cols}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { moduleType, names: [], conversions: [] }));
    g.names.push(m.name);
    g.conversions.push(m.conversion);
  }
  return [...groups.values()].filter((g) => g.names.length >= 2).map((g) => ({ moduleType: g.moduleType, ...condLoraGroup(g.names, g.conversions) }));
}

/**
 * The module's stored B and Aᵀ as they are (no scale, no mixer): CondLoRA's conversion matrices
 * are defined on the trained factors themselves. readBasis has just read the same tensors, so a
 * failure here is a broken file and surfaces as its typed error.
 */
async function rawFactors(opened: OpenedAdapter, module: OpenedAdapter['adapter']['modules'][number]): Promise<RawFactors> {
  const f = module.factors;
  if (!f || f.type !== 'lowRank') throw new ModuleDataError(`${module.name}: low-rank factors expected`);
  const data = await readLowRank(opened.file, f, 'float64-wide');
  return {
    B: { rows: data.B.rows, cols: data.B.cols, data: data.B.values as Float64Array },
    At: { rows: data.At.rows, cols: data.At.cols, data: data.At.values as Float64Array },
  };
}

/** The first k triplets of a top SVD (the bound holds for any prefix). */
function leadingTriplets(top: TopSvd, k: number): TopSvd {
  const c = Math.min(k, top.values.length);
  return {
    values: top.values.slice(0, c),
    U: { rows: top.U.rows, cols: c, data: top.U.data.slice(0, top.U.rows * c) },
    V: { rows: top.V.rows, cols: c, data: top.V.data.slice(0, top.V.rows * c) },
    residualBound: top.residualBound,
  };
}
