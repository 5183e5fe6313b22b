import type { AdaptedModule } from '../adapter/model';
import type { CancellationToken } from '../cancellation';
import { baseModuleKey } from './names';
import { ReferenceFileError } from './referenceErrors';
import { readReference, type ModuleReference } from './referenceFile';
import { referenceDirections, type ReferenceDirections } from './referenceMetrics';

/** One reference entry as reported: its module, form and size, and the adapter module it measures. */
export interface ReferenceModuleSummary {
  /** The module name as the reference file spells it. */
  readonly name: string;
  readonly kind: 'uv' | 'delta_w';
  readonly shape: readonly [number, number];
  /** ‖ΔW_ref‖_F: θ for a direction. */
  readonly size: number;
  /** For a direction: whether θ was stored (`<module>.theta`) or is ‖u‖·‖v‖. */
  readonly thetaGiven?: boolean;
  /** The adapter module it was matched to (the final checkpoint's name); null when none. */
  readonly module: string | null;
  /** For a delta_w entry: whether its top singular vectors (for the alignments) were computed. */
  readonly alignments: boolean;
}

/** What a checkpoint series was measured against. */
export interface ReferenceSummary {
  readonly file: string;
  readonly kind: 'uv' | 'delta_w' | 'mixed';
  readonly modules: readonly ReferenceModuleSummary[];
  /** Adapter modules the reference has no entry for: listed, not measured, not an error. */
  readonly unreferenced: readonly string[];
  readonly warnings: readonly string[];
}

/** One adapter module's reference, ready to measure checkpoints against. */
export interface ReferenceMatch {
  readonly reference: ModuleReference;
  readonly directions: ReferenceDirections | null;
  /** Throws SHAPE_MISMATCH unless a checkpoint's m×n is the reference's. */
  checkShape(shape: readonly [number, number], module: string): void;
}

/**
 * Reads the reference file and pairs its entries with the final checkpoint's modules: by exact
 * name first, then by the base module they adapt (baseModuleKey, so `blocks.0.fc` in the file
 * finds a module named `base_model.model.blocks.0.fc` or a kohya spelling of it). A matched
 * entry whose m×n is not the module's is an error (ReferenceFileError SHAPE_MISMATCH); an entry
 * no module matches is a warning; a module without an entry is listed in `unreferenced`. A delta_w
 * entry's top pair (topSingularPair) checks `token` between its steps.
 */
export async function matchReference(
  path: string,
  modules: readonly AdaptedModule[],
  token?: CancellationToken,
): Promise<{ byModule: Map<AdaptedModule, ReferenceMatch>; summary: ReferenceSummary }> {
  const reference = await readReference(path);
  const exact = new Map(modules.map((m) => [m.name, m]));
  const keyed = new Map<string, AdaptedModule>();
  const loose = new Map<string, AdaptedModule>();
  for (const m of modules) {
    const key = baseModuleKey(m.name);
    if (!keyed.has(key.key)) keyed.set(key.key, m);
    if (!loose.has(key.loose)) loose.set(key.loose, m);
  }
  const byModule = new Map<AdaptedModule, ReferenceMatch>();
  const summaries: ReferenceModuleSummary[] = [];
  const warnings: string[] = [];
  for (const ref of reference.modules) {
    const key = baseModuleKey(ref.name);
    const module = exact.get(ref.name) ?? keyed.get(key.key) ?? loose.get(key.loose);
    const shape: [number, number] = ref.kind === 'uv' ? [ref.u.length, ref.v.length] : [ref.rows, ref.cols];
    const checkShape = (actual: readonly [number, number], name: string): void => {
      if (actual[0] !== shape[0] || actual[1] !== shape[1])
        throw new ReferenceFileError(
          'SHAPE_MISMATCH',
          `${ref.name} is ${shape.join('×')} but the adapter's ${name} is ${actual.join('×')} (m = outputs × n = inputs)`,
          path,
          ref.name,
        );
    };
    if (module && byModule.has(module)) warnings.push(`reference entries ${byModule.get(module)?.reference.name} and ${ref.name} both name ${module.name}; the first is used`);
    else if (module) {
      checkShape(module.shape, module.name);
      const directions = await referenceDirections(ref, token);
      if ('reason' in directions)
        warnings.push(
          directions.reason === 'close'
            ? `${ref.name}: ΔW_ref's top singular vectors are not determined (σ1 − σ2 < 1e-6·σ1), so its alignments are not given (the other measures are)`
            : `${ref.name}: ΔW_ref's top singular vectors did not converge within the work cap, so its alignments are not given (the other measures are)`,
        );
      byModule.set(module, { reference: ref, directions: 'reason' in directions ? null : directions, checkShape });
    } else warnings.push(`the reference names ${ref.name}, which the adapter does not have`);
    const used = module && byModule.get(module)?.reference === ref;
    summaries.push({
      name: ref.name,
      kind: ref.kind,
      shape,
      size: ref.kind === 'uv' ? ref.theta : ref.norm,
      ...(ref.kind === 'uv' ? { thetaGiven: ref.thetaGiven } : {}),
      module: used ? module.name : null,
      alignments: used ? byModule.get(module)?.directions !== null : ref.kind === 'uv',
    });
  }
  const unreferenced = modules.filter((m) => !byModule.has(m)).map((m) => m.name);
  return { byModule, summary: { file: path, kind: reference.kind, modules: summaries, unreferenced, warnings } };
}
