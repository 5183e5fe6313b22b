import { openAdapter, type OpenedAdapter } from '../adapter/load';
import type { AdaptedModule } from '../adapter/model';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import { readBasis } from './bases';
import { orderCheckpoints, type CheckpointFile } from './checkpointOrder';
import { matchModules, type UnmatchedModule } from './match';
import { compareBases } from './similarity';

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
}

export interface CheckpointOptions {
  readonly token?: CancellationToken;
  readonly onProgress?: (done: number, total: number, module: string) => void;
}

/**
 * Convergence of one training run (DESIGN.md §4, "checkpoints of one run"): the checkpoints are
 * ordered (orderCheckpoints), each one's modules matched to the final checkpoint's by base
 * module, and per module every checkpoint's ΔW compared with the final ΔW through orthonormal
 * bases (cosine, relative distance, top-vector angle), the final against itself included (1, 0,
 * 0 up to rounding). The final checkpoint's basis is read once per module.
 */
export async function checkpointSeries(paths: readonly string[], options: CheckpointOptions = {}): Promise<CheckpointSeries> {
  const { checkpoints, warnings } = await orderCheckpoints(paths);
  const opened: OpenedAdapter[] = [];
  try {
    for (const c of checkpoints) opened.push(await openAdapter(c.weights));
    const final = opened[opened.length - 1];
    const unmatched: CheckpointUnmatched[] = [];
    const partners = opened.map((o, index) => {
      const matching = matchModules(final.adapter.modules, o.adapter.modules);
      if (index < opened.length - 1) unmatched.push(...matching.unmatched.map((u) => ({ ...u, checkpoint: index })));
      return new Map<AdaptedModule, AdaptedModule>(matching.pairs.map((p) => [p.a, p.b]));
    });
    const modules: ModuleConvergence[] = [];
    let done = 0;
    for (const module of final.adapter.modules) {
      throwIfCancelled(options.token);
      const last = await readBasis(final.file, module);
      if ('reason' in last) {
        unmatched.push({ side: 'a', name: module.name, reason: last.reason, checkpoint: opened.length - 1 });
        continue;
      }
      const row = { cosineToFinal: [] as (number | null)[], relativeDistanceToFinal: [] as (number | null)[], topAngleToFinal: [] as (number | null)[], norms: [] as (number | null)[] };
      for (let t = 0; t < opened.length; t++) {
        const partner = partners[t].get(module);
        const basis = partner ? await readBasis(opened[t].file, partner) : null;
        throwIfCancelled(options.token);
        if (!basis || 'reason' in basis) {
          if (basis && partner) unmatched.push({ side: 'b', name: partner.name, reason: basis.reason, checkpoint: t });
          for (const list of Object.values(row)) list.push(null);
          continue;
        }
        const c = compareBases(last.basis, basis.basis, { k: 1 });
        row.cosineToFinal.push(c.cosine);
        row.relativeDistanceToFinal.push(c.relativeDistance);
        row.topAngleToFinal.push(c.k > 0 ? c.column.degrees[0] : null);
        row.norms.push(c.norms[1]);
      }
      modules.push({ name: module.name, shape: module.shape, ...row });
      options.onProgress?.(++done, final.adapter.modules.length, module.name);
    }
    return { checkpoints, modules, unmatched, warnings };
  } finally {
    for (const o of opened) await o.file.close();
  }
}
