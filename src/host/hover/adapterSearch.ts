import { readdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { ADAPTER_FILE_NAMES } from '../../core/adapter/resolve';

/** Weight names that mark an adapter folder on their own (no config needed). */
const WEIGHT_NAMES = new Set(ADAPTER_FILE_NAMES);
/** Levels above the document searched at most: adapters sit beside the code or a little above. */
const MAX_LEVELS = 6;
/** Folders below each searched folder that are looked into: `lora/`, `outputs/adapter/`. */
const DEPTH_BELOW = 2;
/** Subfolders looked into per folder, so a huge workspace root stays a quick scan. */
const MAX_SUBFOLDERS = 64;

/**
 * The adapter weights files in `dir` and the folders above it, up to `root` (inclusive) and at
 * most a few levels: a folder with known adapter weights, or an `adapter_config.json` beside any
 * `.safetensors`, and the adapter folders up to two levels inside each searched folder (`lora/`,
 * `outputs/adapter/`). Nearest first. Never throws: an unreadable folder is skipped.
 */
export async function findAdaptersNear(dir: string, root: string): Promise<string[]> {
  const found: string[] = [];
  const seen = new Set<string>();
  let current = dir;
  for (let level = 0; level <= MAX_LEVELS && isInside(current, root); level++) {
    await scan(current, DEPTH_BELOW, seen, found);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return found;
}

/** Looks at `dir` and its subfolders `depth` levels down, each folder once. */
async function scan(dir: string, depth: number, seen: Set<string>, found: string[]): Promise<void> {
  if (seen.has(dir)) return;
  seen.add(dir);
  const entries = await list(dir);
  const here = adapterIn(dir, entries.files);
  if (here) found.push(here);
  if (depth === 0) return;
  for (const sub of entries.dirs.slice(0, MAX_SUBFOLDERS)) await scan(join(dir, sub), depth - 1, seen, found);
}

/** The adapter weights in a folder's file list, if it looks like an adapter folder. */
export function adapterIn(dir: string, files: readonly string[]): string | null {
  const known = files.find((f) => WEIGHT_NAMES.has(f));
  if (known) return join(dir, known);
  if (!files.includes('adapter_config.json')) return null;
  const weights = files.filter((f) => f.endsWith('.safetensors')).sort();
  const lora = weights.filter((f) => /lora|adapter/i.test(f));
  const pick = lora.length > 0 ? lora[lora.length - 1] : weights.length === 1 ? weights[0] : null;
  return pick ? join(dir, pick) : null;
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

async function list(dir: string): Promise<{ files: string[]; dirs: string[] }> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return {
      files: entries.filter((e) => e.isFile()).map((e) => e.name),
      dirs: entries.filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules').map((e) => e.name),
    };
  } catch {
    return { files: [], dirs: [] };
  }
}
