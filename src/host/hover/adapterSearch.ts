import { readdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { ADAPTER_FILE_NAMES, PICKLE_ADAPTER_FILE_NAMES } from '../../core/adapter/resolve';
import { weightExtensionOf } from '../../core/container/extensions';

/** Weight names that mark an adapter folder on their own (no config needed), safetensors first. */
const WEIGHT_NAMES = [...ADAPTER_FILE_NAMES, ...PICKLE_ADAPTER_FILE_NAMES];
/** Names that say what the file is: among pickles these are never Trainer state (`training_args.bin`, `optimizer.pt`). */
const ADAPTER_WORD = /lora|adapter/i;
/** Levels above the document searched at most: adapters sit beside the code or a little above. */
const MAX_LEVELS = 6;
/** Folders below each searched folder that are looked into: `lora/`, `outputs/adapter/`. */
const DEPTH_BELOW = 2;
/** Subfolders looked into per folder, so a huge workspace root stays a quick scan. */
const MAX_SUBFOLDERS = 64;

/**
 * The adapter weights files in `dir` and the folders above it, up to `root` (inclusive) and at
 * most a few levels: a folder with known adapter weights, or an `adapter_config.json` beside a
 * weights file of any readable container (extensions.ts), and the adapter folders up to two levels inside each searched folder (`lora/`,
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
  const known = WEIGHT_NAMES.find((name) => files.includes(name));
  if (known) return join(dir, known);
  if (!files.includes('adapter_config.json')) return null;
  const weights = files.filter((f) => weightExtensionOf(f) !== null).sort();
  // Safetensors first (as resolveWeightsFile); another container only under a name that says lora/adapter.
  const safetensors = weights.filter((f) => weightExtensionOf(f) === 'safetensors');
  const lora = safetensors.filter((f) => ADAPTER_WORD.test(f));
  const others = weights.filter((f) => weightExtensionOf(f) !== 'safetensors' && ADAPTER_WORD.test(f));
  const pick = lora.length > 0 ? lora[lora.length - 1] : safetensors.length === 1 ? safetensors[0] : others.length > 0 ? others[others.length - 1] : null;
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
