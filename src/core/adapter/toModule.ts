import type { AdaptedModule } from './model';
import type { ScaleResult } from './scale';
import type { ModuleStructure } from './structure';

/** Assembles a normalized module from what its shapes say and the layout's scale rule. */
export function toModule(name: string, structure: ModuleStructure, scale: ScaleResult, expert?: number): AdaptedModule {
  return {
    name,
    kind: structure.kind,
    shape: structure.shape,
    ...(structure.kernel ? { kernel: structure.kernel } : {}),
    rank: structure.rank,
    maxRank: structure.maxRank,
    alpha: scale.alpha,
    scale: scale.scale,
    scaleRule: scale.rule,
    scaleKnown: scale.known,
    factors: structure.factors,
    tensors: structure.tensors,
    ...(structure.magnitude ? { magnitude: structure.magnitude } : {}),
    ...(expert !== undefined ? { expert } : {}),
    warnings: structure.warnings,
  };
}
