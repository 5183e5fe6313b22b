import type { TensorInfo } from '../safetensors/types';
import type { AdaptedModule } from './model';

/**
 * A module of a tuner that is not a B·A update (IA3, OFT, GLoRA, …): listed with its tensors,
 * each under the role `roleOf` gives it, and a note saying what they mean; no spectrum.
 */
export function listedModule(name: string, tensors: readonly TensorInfo[], roleOf: (tensor: TensorInfo) => string, rank: number, note: string): AdaptedModule {
  const record: Record<string, string> = {};
  for (const t of tensors) record[roleOf(t)] = t.name;
  const sizes = tensors.map((t) => `${roleOf(t)} [${t.shape.join(', ')}]`).join(', ');
  return {
    name,
    kind: 'linear',
    shape: [0, 0],
    rank,
    maxRank: 0,
    alpha: null,
    scale: 1,
    scaleRule: 'none (not a B·A update)',
    scaleKnown: false,
    factors: null,
    tensors: record,
    warnings: [`${note} (${sizes})`],
  };
}
