import type { SafetensorsHeader } from '../safetensors/types';
import type { GroupedKeys } from './group';
import type { AdaptedModule, AdapterConfig, OtherTensor } from './model';

/** What a layout builder sees: the header grouped by module, the config, and scalar values. */
export interface BuildContext {
  readonly header: SafetensorsHeader;
  readonly grouped: GroupedKeys;
  readonly config: AdapterConfig | null;
  /** Values of small scalar tensors (kohya `.alpha`) by tensor name, read before building. */
  readonly scalars: ReadonlyMap<string, number>;
}

/** What a layout builder returns; `loadAdapter` adds the file, header and config. */
export interface BuildResult {
  readonly formatDetail: string;
  readonly peftType: string | null;
  readonly baseModel: string | null;
  readonly modules: readonly AdaptedModule[];
  readonly otherTensors: readonly OtherTensor[];
  readonly analysable: boolean;
  readonly warnings: readonly string[];
}

/**
 * Tensors that are not factors of any known scheme, listed as they are, with one warning that
 * says how many there are (nothing in a file is silently dropped).
 */
export function unrecognizedTensors(ctx: BuildContext, warnings: string[]): OtherTensor[] {
  const others = ctx.grouped.unclassified.map((t): OtherTensor => ({ name: t.name, dtype: t.dtype, shape: t.shape, role: 'unrecognized' }));
  if (others.length > 0) warnings.push(`${others.length} tensor(s) are not factors of a known scheme and are listed only`);
  return others;
}
