import { basename, dirname } from 'node:path';
import { placeOf } from '../core/adapter/place';
import { weightFileStem } from '../core/container/extensions';
import type { Matrix } from '../core/linalg/matrix';
import type { CheckpointSeries, ReferenceSeries } from '../core/subspace/checkpoints';
import type { ReferenceSummary } from '../core/subspace/referenceMatch';
import type { AdapterComparison } from '../core/subspace/compare';
import type { CrossLayerMaps } from '../core/subspace/crossLayer';
import type { DenseMatrixPayload } from '../protocol/payloads';
import type {
  AdapterLabel,
  ComparisonPayload,
  ConvergencePayload,
  ConvergenceReferencePayload,
  CrossLayerPayload,
  ModulePlace,
  PhiGridPayload,
  UnmatchedRow,
} from '../protocol/subspacePayloads';

/** Generic weights names say nothing: such a file is named by its folder (`checkpoint-230`). */
const GENERIC = /^(adapter_model|adapters|pytorch_lora_weights)$/i;

export function adapterLabel(file: string): AdapterLabel {
  const name = basename(file);
  const stem = weightFileStem(name);
  return { file, label: GENERIC.test(stem) ? basename(dirname(file)) : stem };
}

/** Block, depth and type of each module, depth counted over the distinct blocks of this list (as layerRows does). */
export function modulePlaces(modules: readonly { readonly name: string; readonly shape: readonly [number, number] }[]): ModulePlace[] {
  const depths = new Map<string, number>();
  return modules.map(({ name, shape }) => {
    const { block, moduleType } = placeOf(name);
    if (block !== null && !depths.has(block)) depths.set(block, depths.size);
    return { name, block, depth: block === null ? null : (depths.get(block) ?? null), moduleType, rows: shape[0], cols: shape[1] };
  });
}

/** A column-major matrix of `rows × cols` filled from `at(i, j)`; null becomes NaN. */
function dense(rows: number, cols: number, at: (i: number, j: number) => number | null | undefined): DenseMatrixPayload {
  const values = new Float64Array(rows * cols).fill(NaN);
  for (let j = 0; j < cols; j++) {
    for (let i = 0; i < rows; i++) {
      const v = at(i, j);
      if (typeof v === 'number') values[j * rows + i] = v;
    }
  }
  return { rows, cols, values };
}

function matrixPayload(m: Matrix): DenseMatrixPayload {
  return { rows: m.rows, cols: m.cols, values: Float64Array.from(m.data) };
}

function mean(values: Float64Array): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/**
 * A reference adapter against each of `others` (one compareAdapters result per other, in the
 * same order) as the panel's module × adapter matrices. Rows are the union of compared modules,
 * in the first comparison's order, then any the later ones add.
 */
export function comparisonPayload(reference: string, others: readonly string[], results: readonly AdapterComparison[], seconds: number): ComparisonPayload {
  const rows = new Map<string, { name: string; shape: readonly [number, number] }>();
  for (const r of results) for (const m of r.modules) if (!rows.has(m.name)) rows.set(m.name, { name: m.name, shape: m.shape });
  const modules = modulePlaces([...rows.values()]);
  const byCell = results.map((r) => new Map(r.modules.map((m) => [m.name, m])));
  const at = (pick: (m: AdapterComparison['modules'][number]) => number | null) =>
    dense(modules.length, others.length, (i, j) => {
      const m = byCell[j]?.get(modules[i].name);
      return m ? pick(m) : null;
    });
  return {
    reference: adapterLabel(reference),
    others: others.map(adapterLabel),
    modules,
    cosine: at((m) => m.cosine),
    relativeDistance: at((m) => m.relativeDistance),
    columnCosine: at((m) => mean(m.column.cosines)),
    rowCosine: at((m) => mean(m.row.cosines)),
    k: at((m) => m.k),
    unmatched: results.flatMap((r, against) => r.unmatched.map((u): UnmatchedRow => ({ against, side: u.side, name: u.name, nameB: u.nameB ?? null, reason: u.reason }))),
    seconds,
  };
}

/** The φ grids of one module from a compare job run with `only` and `grids` set to it; null when it could not be compared. */
export function phiGridPayload(module: string, other: number, result: AdapterComparison): PhiGridPayload | null {
  const grid = result.modules.find((m) => m.name === module)?.grid;
  return grid ? { module, other, column: matrixPayload(grid.column), row: matrixPayload(grid.row) } : null;
}

export function convergencePayload(series: CheckpointSeries, seconds: number): ConvergencePayload {
  const modules = modulePlaces(series.modules);
  const T = series.checkpoints.length;
  const at = (pick: (m: CheckpointSeries['modules'][number]) => readonly (number | null)[]) => dense(modules.length, T, (i, t) => pick(series.modules[i])[t]);
  return {
    checkpoints: series.checkpoints.map((c) => ({ ...adapterLabel(c.weights), step: c.step })),
    modules,
    cosineToFinal: at((m) => m.cosineToFinal),
    topAngleToFinal: at((m) => m.topAngleToFinal),
    relativeDistanceToFinal: at((m) => m.relativeDistanceToFinal),
    unmatched: series.unmatched.map((u) => ({ against: u.checkpoint, side: u.side, name: u.name, nameB: u.nameB ?? null, reason: u.reason })),
    warnings: [...series.warnings],
    seconds,
    ...(series.reference ? { reference: convergenceReference(series, series.reference) } : {}),
  };
}

function convergenceReference(series: CheckpointSeries, reference: ReferenceSummary): ConvergenceReferencePayload {
  const T = series.checkpoints.length;
  const at = (pick: (r: ReferenceSeries) => readonly (number | null)[]) =>
    dense(series.modules.length, T, (i, t) => {
      const r = series.modules[i].againstReference;
      return r ? pick(r)[t] : null;
    });
  return {
    file: adapterLabel(reference.file),
    kind: reference.kind,
    alignmentU: at((r) => r.alignmentU),
    alignmentV: at((r) => r.alignmentV),
    recoveryError: at((r) => r.recoveryError),
    sigma1Ratio: at((r) => r.sigma1Ratio),
    unreferenced: [...reference.unreferenced],
  };
}

export function crossLayerPayload(file: string, maps: CrossLayerMaps, seconds: number): CrossLayerPayload {
  return {
    adapter: adapterLabel(file),
    groups: maps.groups.map((g) => ({
      moduleType: g.moduleType,
      rows: g.shape[0],
      cols: g.shape[1],
      layers: [...g.layers],
      k: g.k,
      column: matrixPayload(g.column),
      row: matrixPayload(g.row),
      cosine: matrixPayload(g.cosine),
      randomColumn: g.random.column,
      randomRow: g.random.row,
    })),
    skipped: maps.skipped.map((s) => ({ name: s.name, reason: s.reason })),
    seconds,
  };
}
