import { indexKeys, lookupKeys } from './moduleKeys';

/** What a hover shows of one module; metrics are null until its analysis is known. */
export interface ModuleStats {
  readonly name: string;
  readonly moduleType: string;
  readonly rank: number;
  readonly alpha: number | null;
  readonly scale: number;
  readonly frobenius: number | null;
  readonly effectiveRank: number | null;
  /** Energy rank at the configured level (r95 by default). */
  readonly energyRank: number | null;
  /** σ of ΔW, descending; null until analysed. */
  readonly singularValues: Float64Array | null;
}

/** One adapter as the hover knows it. */
export interface IndexedAdapter {
  /** The weights file, absolute. */
  readonly file: string;
  readonly modules: readonly ModuleStats[];
  /** The base model the adapter names (PEFT's base_model_name_or_path), when known. */
  readonly baseModel?: string | null;
}

/** The modules of one adapter a hovered string names: one module, or all of one type. */
export interface AdapterMatch {
  readonly adapter: IndexedAdapter;
  readonly modules: readonly ModuleStats[];
}

export interface Match {
  /** The key that matched, as the hover titles it. */
  readonly key: string;
  /** Most recently added adapter first. */
  readonly adapters: readonly AdapterMatch[];
}

/**
 * Module names of every adapter the hover knows, under every key a text may use for them.
 * Adding an adapter again replaces it. A lookup is a few Map gets, so a hover over a word that
 * names nothing costs next to nothing.
 */
export class ModuleIndex {
  private readonly adapters = new Map<string, IndexedAdapter>();
  private keys: Map<string, Map<string, ModuleStats[]>> | null = null;

  set(adapter: IndexedAdapter): void {
    this.adapters.delete(adapter.file);
    this.adapters.set(adapter.file, adapter);
    this.keys = null;
  }

  delete(file: string): void {
    if (this.adapters.delete(file)) this.keys = null;
  }

  clear(): void {
    this.adapters.clear();
    this.keys = null;
  }

  get size(): number {
    return this.adapters.size;
  }

  /** True when some adapter has a module under this exact key (the cheap test). */
  has(key: string): boolean {
    return this.index().has(key);
  }

  match(text: string): Match | null {
    const index = this.index();
    for (const key of lookupKeys(text)) {
      const byFile = index.get(key);
      if (!byFile) continue;
      const adapters: AdapterMatch[] = [];
      for (const [file, modules] of byFile) {
        const adapter = this.adapters.get(file);
        if (adapter) adapters.push({ adapter, modules });
      }
      adapters.reverse();
      return { key, adapters };
    }
    return null;
  }

  private index(): Map<string, Map<string, ModuleStats[]>> {
    if (this.keys) return this.keys;
    const keys = new Map<string, Map<string, ModuleStats[]>>();
    for (const adapter of this.adapters.values()) {
      for (const module of adapter.modules) {
        for (const key of indexKeys(module.name, module.moduleType)) {
          let byFile = keys.get(key);
          if (!byFile) keys.set(key, (byFile = new Map()));
          let list = byFile.get(adapter.file);
          if (!list) byFile.set(adapter.file, (list = []));
          list.push(module);
        }
      }
    }
    this.keys = keys;
    return keys;
  }
}
