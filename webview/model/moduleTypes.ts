import type { ModulePlace } from '../../src/protocol/subspacePayloads';

/** Distinct module types in first-seen order: the choices of a module-type filter. */
export function moduleTypesOf(modules: readonly ModulePlace[]): string[] {
  return [...new Set(modules.map((m) => m.moduleType))];
}

/** Whether a module passes the filter; null is "all types". */
export function ofType(module: ModulePlace, moduleType: string | null): boolean {
  return moduleType === null || module.moduleType === moduleType;
}
