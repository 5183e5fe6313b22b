import { openAdapter, type OpenedAdapter } from '../adapter/load';
import type { AdaptedModule, Adapter } from '../adapter/model';
import { isModuleNumericFailure } from '../analysis/factorErrors';
import type { Workspace } from '../analysis/workspace';
import type { CancellationToken } from '../cancellation';
import type { ComputeBackend, PairOverlap } from '../compute/backend';
import { JsBackend } from '../compute/jsBackend';
import { orderCheckpoints, type CheckpointFile } from './checkpointOrder';
import { matchModules, type UnmatchedModule } from './match';
import { factorPairs, finishPair, readSide, type ComparedSide } from './modulePair';
import { pipelinePairs, type ReadItem } from './pipeline';
import { assertUnchanged } from '../container/unchanged';
import { matchReference, type ReferenceMatch, type ReferenceSummary } from './referenceMatch';
import { measureAgainst, type ReferenceMeasure } from './referenceMetrics';

/** One module's convergence: each checkpoint's ΔW against the final checkpoint's. */
export interface ModuleConvergence {
  /** The module's name in the final checkpoint. */
  readonly name: string;
  readonly shape: readonly [number, number];
  /**
   * Per checkpoint, in order (the last is the final against itself): cos(ΔW_t, ΔW_final) in
   * [−1, 1]; null where the checkpoint lacks the module or either ΔW is zero.
   */
  readonly cosineToFinal: readonly (number | null)[];
  /** ‖ΔW_t − ΔW_final‖_F / ‖ΔW_final‖_F, null as above. */
  readonly relativeDistanceToFinal: readonly (number | null)[];
  /**
   * The angle in degrees (0 to 90, sign-blind) between ΔW_t's top left singular vector and the
   * final one's: the principal angle of the two top-1 column spaces, accurate near 0°. Only
   * meaningful when σ1 is separated from σ2 (else the top vector itself is ill-defined).
   */
  readonly topAngleToFinal: readonly (number | null)[];
  /** ‖ΔW_t‖_F per checkpoint (null where missing). */
  readonly norms: readonly (number | null)[];
  /**
   * With a reference (CheckpointOptions.reference) that has an entry for this module: each
   * checkpoint's ΔW_t against it, in checkpoint order (null where the checkpoint lacks the module).
   */
  readonly againstReference?: ReferenceSeries;
}

/** One module's measures against its reference, arrays in checkpoint order (see ReferenceMeasure). */
export interface ReferenceSeries {
  /** The reference entry's module name as the file spells it. */
  readonly reference: string;
  readonly alignmentU: readonly (number | null)[];
  readonly alignmentV: readonly (number | null)[];
  readonly recoveryError: readonly (number | null)[];
  readonly cosine: readonly (number | null)[];
  readonly sigma1Ratio: readonly (number | null)[];
}

/** A module left out for one checkpoint, and why. */
export interface CheckpointUnmatched extends UnmatchedModule {
  /** Index into `checkpoints` of the checkpoint compared with the final one. */
  readonly checkpoint: number;
}

export interface CheckpointSeries {
  /** In training order; the last is the final one every other is compared to. */
  readonly checkpoints: readonly CheckpointFile[];
  /** In the final checkpoint's module order. */
  readonly modules: readonly ModuleConvergence[];
  /** Side `a` is the final checkpoint, side `b` the one at `checkpoint`. */
  readonly unmatched: readonly CheckpointUnmatched[];
  readonly warnings: readonly string[];
  /** What the checkpoints were measured against, when a reference was given. */
  readonly reference?: ReferenceSummary;
}

export interface CheckpointOptions {
  /**
   * Where the tall products run (pairOverlaps), picked once the checkpoints' headers are read
   * (e.g. by how many bytes of factors they hold); default the pure TypeScript backend.
   */
  readonly backendFor?: (adapters: readonly Adapter[]) => ComputeBackend;
  /** A reference file (readReference): each checkpoint is also measured against it, module by module. */
  readonly reference?: string;
  readonly token?: CancellationToken;
  readonly onProgress?: (done: number, total: number, module: string) => void;
}

/** One module of the final checkpoint as read: its side and each checkpoint's (or why not). */
interface Unit {
  readonly module: AdaptedModule;
  readonly final: ComparedSide | { readonly reason: string };
  /** Per checkpoint: its side, why it has none (with the partner's name), or null without a partner. */
  readonly others: readonly (ComparedSide | { readonly reason: string; readonly name: string } | null)[];
  /** Per checkpoint, ΔW_t against the module's reference (measured as read, before the backend owns the factors). */
  readonly measures: readonly (ReferenceMeasure | null)[] | null;
}

/**
 * Convergence of one training run (docs/design.md §4, "checkpoints of one run"): the checkpoints are
 * ordered (orderCheckpoints), each one's modules matched to the final checkpoint's by base
 * module, and per module every checkpoint's ΔW compared with the final ΔW through the backend's
 * overlaps of their bases (cosine, relative distance, top-vector angle), the final against itself
 * included (1, 0, 0 up to rounding). A module's factors are read once per checkpoint, the final
 * one's once for all; modules run in batches as compareAdapters runs them (pipelinePairs).
 */
export async function checkpointSeries(paths: readonly string[], options: CheckpointOptions = {}): Promise<CheckpointSeries> {
  const { checkpoints, warnings } = await orderCheckpoints(paths);
  const opened: OpenedAdapter[] = [];
  try {
    for (const c of checkpoints) opened.push(await openAdapter(c.weights));
    const backend: ComputeBackend = options.backendFor?.(opened.map((o) => o.adapter)) ?? new JsBackend();
    const final = opened[opened.length - 1];
    const reference = options.reference === undefined ? null : await matchReference(options.reference, final.adapter.modules, options.token);
    const unmatched: CheckpointUnmatched[] = [];
    const partners = opened.map((o, index) => {
      const matching = matchModules(final.adapter.modules, o.adapter.modules);
      if (index < opened.length - 1) for (const u of matching.unmatched) unmatched.push({ ...u, checkpoint: index });
      return new Map<AdaptedModule, AdaptedModule>(matching.pairs.map((p) => [p.a, p.b]));
    });
    const modules: ModuleConvergence[] = [];
    const finalModules = final.adapter.modules;
    let done = 0;
    const read = async (index: number, workspace: Workspace): Promise<ReadItem<Unit>> => {
      const module = finalModules[index];
      const last = await readSide(final.file, module, backend.input, workspace);
      if ('reason' in last) return { item: { module, final: last, others: [], measures: null }, pairs: [] };
      const target = reference?.byModule.get(module) ?? null;
      const others: Unit['others'][number][] = [];
      for (let t = 0; t < opened.length; t++) {
        const partner = partners[t].get(module);
        if (!partner) {
          others.push(null);
          continue;
        }
        const side = await readSide(opened[t].file, partner, backend.input, workspace);
        others.push('reason' in side ? { reason: side.reason, name: partner.name } : side);
      }
      const measures = target && others.map((o) => (o && !('reason' in o) ? measureSide(o, target, module.name) : null));
      const pairs = others.flatMap((o) => (o && !('reason' in o) ? factorPairs(last, o) : []));
      return { item: { module, final: last, others, measures }, pairs };
    };
    const finish = ({ module, final: last, others, measures }: Unit, overlaps: readonly PairOverlap[]): void => {
      if ('reason' in last) {
        unmatched.push({ side: 'a', name: module.name, reason: last.reason, checkpoint: opened.length - 1 });
        return;
      }
      const row = {
        cosineToFinal: [] as (number | null)[],
        relativeDistanceToFinal: [] as (number | null)[],
        topAngleToFinal: [] as (number | null)[],
        norms: [] as (number | null)[],
      };
      let next = 0;
      others.forEach((o, t) => {
        if (!o || 'reason' in o) {
          if (o) unmatched.push({ side: 'b', name: o.name, reason: o.reason, checkpoint: t });
          for (const list of Object.values(row)) list.push(null);
          return;
        }
        const [columns, rows] = [overlaps[next], overlaps[next + 1]];
        next += 2;
        let c: ReturnType<typeof finishPair>;
        try {
          c = finishPair(last, o, columns, rows, { k: 1 });
        } catch (error) {
          // A pair whose numbers fail (an SVD that did not converge, NaN met late) is listed with the reason, as compare lists it; the series goes on.
          if (!isModuleNumericFailure(error)) throw error;
          unmatched.push({ side: 'b', name: module.name, reason: `its numbers cannot be computed: ${error.message}`, checkpoint: t });
          for (const list of Object.values(row)) list.push(null);
          return;
        }
        row.cosineToFinal.push(c.cosine);
        row.relativeDistanceToFinal.push(c.relativeDistance);
        row.topAngleToFinal.push(c.k > 0 ? c.column.degrees[0] : null);
        row.norms.push(c.norms[1]);
      });
      const target = reference?.byModule.get(module);
      modules.push({ name: module.name, shape: module.shape, ...row, ...(measures && target ? { againstReference: seriesOf(target.reference.name, measures) } : {}) });
      options.onProgress?.(++done, finalModules.length, module.name);
    };
    await pipelinePairs(finalModules.length, backend, read, finish, options.token);
    await assertUnchanged(...opened.map((o) => o.file));
    return { checkpoints, modules, unmatched, warnings: [...warnings, ...(reference?.summary.warnings ?? [])], ...(reference ? { reference: reference.summary } : {}) };
  } finally {
    for (const o of opened) await o.file.close();
  }
}

/** A checkpoint's side against the module's reference; a side of another shape is refused as the final one's is. */
function measureSide(side: ComparedSide, target: ReferenceMatch, module: string): ReferenceMeasure {
  target.checkShape(side.shape, module);
  return measureAgainst(side, target.reference, target.directions);
}

function seriesOf(reference: string, measures: readonly (ReferenceMeasure | null)[]): ReferenceSeries {
  const pick = (f: (m: ReferenceMeasure) => number | null) => measures.map((m) => (m ? f(m) : null));
  return {
    reference,
    alignmentU: pick((m) => m.alignmentU),
    alignmentV: pick((m) => m.alignmentV),
    recoveryError: pick((m) => m.recoveryError),
    cosine: pick((m) => m.cosine),
    sigma1Ratio: pick((m) => m.sigma1Ratio),
  };
}
