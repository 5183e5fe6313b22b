import type { SafetensorsHeader, TensorInfo } from '../safetensors/types';
import { classifyKey, type FactorRole, type KeyScheme } from './keys';

/** The factor tensors found for one module, by role. */
export interface ModuleParts {
  readonly module: string;
  /** The scheme of the module's factor keys (`.alpha` alone does not decide it). */
  readonly scheme: KeyScheme;
  readonly adapterName?: string;
  readonly parts: ReadonlyMap<FactorRole, TensorInfo>;
  /** Roles that appeared under more than one scheme or key; the first one seen is kept. */
  readonly conflicts: readonly string[];
}

export interface GroupedKeys {
  readonly modules: readonly ModuleParts[];
  /** Tensors that are not factors of any known scheme (full weights, biases, other methods). */
  readonly unclassified: readonly TensorInfo[];
}

interface Draft {
  module: string;
  adapterName?: string;
  schemes: Set<KeyScheme>;
  parts: Map<FactorRole, TensorInfo>;
  conflicts: string[];
}

/** Roles that mean nothing without the module's factors beside them. */
const DEPENDENT_ROLES: ReadonlySet<FactorRole> = new Set(['alpha', 'magnitude', 'biasB']);

/**
 * Groups a header's tensors by the module they adapt, in header order. A group holding only
 * dependent parts (an `.alpha` or a `.m` with no factors) is not a module: its tensors are
 * returned as unclassified.
 */
export function groupKeys(header: SafetensorsHeader): GroupedKeys {
  const drafts = new Map<string, Draft>();
  const unclassified: TensorInfo[] = [];
  for (const tensor of header.tensors) {
    const key = classifyKey(tensor.name);
    if (!key) {
      unclassified.push(tensor);
      continue;
    }
    const id = `${key.module}\u0000${key.adapterName ?? ''}`;
    let draft = drafts.get(id);
    if (!draft) {
      draft = { module: key.module, schemes: new Set(), parts: new Map(), conflicts: [] };
      if (key.adapterName) draft.adapterName = key.adapterName;
      drafts.set(id, draft);
    }
    if (!DEPENDENT_ROLES.has(key.role)) draft.schemes.add(key.scheme);
    const existing = draft.parts.get(key.role);
    if (existing) draft.conflicts.push(`${key.role}: ${existing.name} and ${tensor.name}`);
    else draft.parts.set(key.role, tensor);
  }

  const modules: ModuleParts[] = [];
  for (const draft of drafts.values()) {
    if (draft.schemes.size === 0) {
      unclassified.push(...draft.parts.values());
      continue;
    }
    const schemes = [...draft.schemes];
    const conflicts = [...draft.conflicts];
    if (schemes.length > 1) conflicts.push(`factor names mix the ${schemes.join(' and ')} schemes`);
    modules.push({
      module: draft.module,
      scheme: schemes[0],
      parts: draft.parts,
      conflicts,
      ...(draft.adapterName ? { adapterName: draft.adapterName } : {}),
    });
  }
  return { modules, unclassified };
}
