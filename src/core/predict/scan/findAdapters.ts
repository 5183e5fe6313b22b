import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ADAPTER_FILE_NAMES } from '../../adapter/resolve';

/** One adapter folder found under a scan root. */
export interface FoundAdapter {
  /** The folder's absolute (or root-relative as given) path, for openAdapter. */
  readonly path: string;
  /** The folder relative to the root with `/` separators: the scan output's row key. */
  readonly key: string;
}

/** How deep below the root folders are searched; runs nest checkpoint-N/ a few levels down. */
const MAX_DEPTH = 8;

/**
 * Adapter folders under `root`, sorted by key: every folder (the root included) holding one of
 * the weight files the adapter reader knows (adapter_model.safetensors, adapters.safetensors,
 * pytorch_lora_weights.safetensors). Hidden folders and node_modules are not entered, nor
 * symbolic links (a link cycle cannot make the walk endless). Unreadable folders are skipped.
 */
export async function findAdapters(root: string): Promise<FoundAdapter[]> {
  const found: FoundAdapter[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    if (entries.some((e) => (e.isFile() || e.isSymbolicLink()) && ADAPTER_FILE_NAMES.includes(e.name))) {
      const key = relative(root, dir).split(sep).join('/');
      found.push({ path: dir, key: key === '' ? '.' : key });
    }
    if (depth >= MAX_DEPTH) return;
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules') await walk(join(dir, e.name), depth + 1);
    }
  };
  await walk(root, 0);
  return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
