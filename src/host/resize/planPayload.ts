import { ResizeError } from '../../core/resize/errors';
import { describeRankMethod, parseRankMethod, recommendRanks, type RankInput, type RankMethod } from '../../core/resize/recommend';
import type { LayerRow } from '../../protocol/payloads';
import type { RankMethodPayload, RankPlanPayload } from '../../protocol/resizePayloads';

/** What the plan needs of a module's result: the core's `ModuleResult` and the protocol's `LayerAnalysis` both are one. */
export type SpectrumResult = { readonly status: 'ok'; readonly singularValues: Float64Array } | { readonly status: 'skipped' };

/**
 * The recommendation for the layers analysed so far: each analysed layer's spectrum and size go
 * to the core's `recommendRanks`; layers not analysed yet or skipped are counted as missing.
 * A budget is spread over the analysed layers only. LyCORIS products (LoKr, LoHa) are left
 * out and counted with the reason (see excludedReason). Throws the core's ResizeError (a budget too
 * small for the layers) as is. The protocol repeats the core's method type, since the webview
 * cannot import the core; passing it to `recommendRanks` as is keeps the two in step.
 */
export function rankPlanPayload(layers: readonly LayerRow[], results: readonly (SpectrumResult | undefined)[], method: RankMethodPayload): RankPlanPayload {
  const inputs: RankInput[] = [];
  const indices: number[] = [];
  const excluded = new Map<string, number>();
  for (const row of layers) {
    if (row.structure) {
      excluded.set(row.structure.algorithm, (excluded.get(row.structure.algorithm) ?? 0) + 1);
      continue;
    }
    const result = results[row.index];
    if (result?.status !== 'ok') continue;
    inputs.push({ name: row.name, shape: [row.rows, row.cols], rank: row.rank, sigma: result.singularValues });
    indices.push(row.index);
  }
  const plan = recommendRanks(inputs, method);
  return {
    description: describeRankMethod(plan.method),
    indices: Int32Array.from(indices),
    rank: Int32Array.from(plan.layers, (l) => l.rank),
    kept: Int32Array.from(plan.layers, (l) => l.kept),
    relativeError: Float64Array.from(plan.layers, (l) => l.relativeError),
    overallRelativeError: plan.overallRelativeError,
    paramsBefore: plan.paramsBefore,
    paramsAfter: plan.paramsAfter,
    missing: layers.length - indices.length - [...excluded.values()].reduce((a, b) => a + b, 0),
    ...(excluded.size > 0 ? { excluded: { count: [...excluded.values()].reduce((a, b) => a + b, 0), reason: excludedReason([...excluded.keys()]) } } : {}),
  };
}

/**
 * Why LyCORIS products are left out of a rank plan: the plan keeps the top k of σ(ΔW) per layer
 * as a rank-k B·A, measured against the layer's r. A LoKr's ΔW = kron(W1, W2) has up to
 * rank(W1)·rank(W2) singular values (16 for r 4), so "keeps k of r" and its error would compare
 * unlike things; its rank is changed by its own factors, not by truncating ΔW.
 */
export function excludedReason(algorithms: readonly string[]): string {
  const names = algorithms.join(' and ');
  return `${names} modules are products of their factors, not B·A: ΔW's rank can exceed r (up to rank(W1)·rank(W2) for LoKr), so a per-layer rank out of r does not apply to them`;
}

/** The method in the core's text form ("energy:0.95", "budget:rank:256"), as the CLI takes it. */
export function methodText(method: RankMethodPayload): string {
  switch (method.kind) {
    case 'energy':
      return `energy:${method.level}`;
    case 'above_mean':
      return 'above_mean';
    case 'sv_ratio':
      return `sv_ratio:${method.ratio}`;
    case 'sv_fro':
    case 'sv_cumulative':
      return `${method.kind}:${method.target}`;
    case 'fixed':
      return `fixed:${method.rank}`;
    case 'budget':
      return `budget:${method.unit}:${method.total}`;
  }
}

const KINDS: ReadonlySet<string> = new Set<RankMethod['kind']>(['energy', 'above_mean', 'sv_ratio', 'sv_fro', 'sv_cumulative', 'fixed', 'budget']);

/**
 * A method that came over the wire, checked by the core's own parser: messages are data, so a
 * malformed one is refused with the parser's INVALID_METHOD error rather than trusted.
 */
export function checkedMethod(raw: unknown): RankMethod {
  const kind = typeof raw === 'object' && raw !== null ? (raw as { kind?: unknown }).kind : undefined;
  if (typeof kind !== 'string' || !KINDS.has(kind)) throw new ResizeError('INVALID_METHOD', `unknown rank method ${JSON.stringify(kind ?? null)}`);
  return parseRankMethod(methodText(raw as RankMethodPayload));
}
