import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileReadError, readSmallText } from '../io/readFile';
import { BaseModelError } from './errors';
import { parseBoundedJson } from '../io/boundedJson';

/** One file of a base model. */
export interface BaseShard {
  /** Absolute path. */
  readonly path: string;
  /**
   * The diffusers pipeline component the file belongs to (`unet`, `text_encoder`, …), whose
   * name then prefixes its tensors' names; null for a plain model.
   */
  readonly component: string | null;
}

/** Where a base model's weights are. */
export interface BaseLayout {
  /** The path the user gave. */
  readonly path: string;
  /** Every file (one for a single-file model). */
  readonly shards: readonly BaseShard[];
}

/** Index file names, transformers' and diffusers'. */
const INDEXES = ['model.safetensors.index.json', 'diffusion_pytorch_model.safetensors.index.json'];
/** The file taken when a folder holds several (the others are dtype variants such as `.fp16.`). */
const PREFERRED = ['model.safetensors', 'diffusion_pytorch_model.safetensors'];
/**
 * An index names each tensor once (about 100 bytes an entry): a model of 100,000 tensors has a
 * 10 MB index. Anything much larger is not one.
 */
const MAX_INDEX_BYTES = 64 * 1024 * 1024;

/**
 * Resolves what `--base` names, reading only directory listings and index files (never a weight):
 * - a `.safetensors` file: a single-file model;
 * - an index (`model.safetensors.index.json`, or diffusers' `diffusion_pytorch_model…`), or a
 *   folder holding one: a sharded model; every shard its `weight_map` names must exist
 *   (MISSING_SHARD names the first that does not);
 * - a folder holding one `.safetensors` file, or `model.safetensors` /
 *   `diffusion_pytorch_model.safetensors` among dtype variants;
 * - a diffusers pipeline folder (`model_index.json`): each component subfolder resolved as
 *   above, its tensors named `<component>.<name>` so that kohya `lora_unet_…`/`lora_te1_…` and
 *   diffusers `unet.…` adapter names find them;
 * - a Hugging Face cache repo folder `models--org--name/`: its newest `snapshots/<hash>/`
 *   (snapshots hold symlinks into `blobs/`, which `stat` follows).
 */
export async function resolveBaseLayout(path: string): Promise<BaseLayout> {
  const kind = await kindOf(path);
  if (kind === null) throw new BaseModelError('NO_SUCH_BASE', `no such base model: ${path}`, path);
  if (kind === 'file') return { path, shards: path.endsWith('.json') ? await readIndex(path, null) : [{ path, component: null }] };
  const snapshot = await snapshotOf(path);
  if (snapshot !== path) return { ...(await resolveBaseLayout(snapshot)), path };
  const names = await readdir(path);
  if (names.includes('model_index.json')) return { path, shards: await pipelineShards(path, names) };
  return { path, shards: await folderShards(path, names, null) };
}

/** The files of one model folder (no pipeline, no cache): its index, or its one weights file. */
async function folderShards(folder: string, names: readonly string[], component: string | null): Promise<BaseShard[]> {
  const index = INDEXES.find((i) => names.includes(i));
  if (index) return readIndex(join(folder, index), component);
  const files = names.filter((n) => n.endsWith('.safetensors')).sort();
  const single = files.length === 1 ? files[0] : (PREFERRED.find((p) => files.includes(p)) ?? null);
  if (single === null) {
    const why = files.length === 0 ? 'no .safetensors file' : `${files.length} .safetensors files and no ${INDEXES[0]}`;
    throw new BaseModelError('NO_WEIGHTS', `${folder} holds ${why}`, folder);
  }
  return [{ path: join(folder, single), component }];
}

/** Every component subfolder of a diffusers pipeline that holds safetensors weights. */
async function pipelineShards(folder: string, names: readonly string[]): Promise<BaseShard[]> {
  const shards: BaseShard[] = [];
  for (const name of [...names].sort()) {
    const sub = join(folder, name);
    if ((await kindOf(sub)) !== 'dir') continue;
    const inner = await readdir(sub);
    if (!inner.some((n) => n.endsWith('.safetensors') || INDEXES.includes(n))) continue;
    for (const shard of await folderShards(sub, inner, name)) shards.push(shard);
  }
  if (shards.length === 0) throw new BaseModelError('NO_WEIGHTS', `pipeline ${folder} has no component with .safetensors weights`, folder);
  return shards;
}

/** A cache repo folder's newest snapshot, or the folder itself when it is not one. */
async function snapshotOf(path: string): Promise<string> {
  const snapshots = join(path, 'snapshots');
  if (!basename(path).startsWith('models--') || (await kindOf(snapshots)) !== 'dir') return path;
  const hashes = await readdir(snapshots);
  if (hashes.length === 0) throw new BaseModelError('NO_WEIGHTS', `${snapshots} holds no snapshot`, path);
  const dated = await Promise.all(hashes.map(async (h) => ({ h, t: (await stat(join(snapshots, h))).mtimeMs })));
  dated.sort((a, b) => b.t - a.t);
  return join(snapshots, dated[0].h);
}

/** The shards an index's `weight_map` names, each checked to exist. */
async function readIndex(indexPath: string, component: string | null): Promise<BaseShard[]> {
  let json: unknown;
  try {
    json = parseBoundedJson(await readSmallText(indexPath, MAX_INDEX_BYTES, 'the base model index'));
  } catch (error) {
    const why = error instanceof FileReadError ? error.message : `cannot read ${indexPath}: ${(error as Error).message}`;
    throw new BaseModelError('BAD_INDEX', why, indexPath);
  }
  const map = typeof json === 'object' && json !== null ? (json as Record<string, unknown>).weight_map : undefined;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new BaseModelError('BAD_INDEX', `${indexPath} has no weight_map object`, indexPath);
  const folder = dirname(indexPath);
  const files = new Set<string>();
  for (const [tensor, shard] of Object.entries(map as Record<string, unknown>)) {
    // A shard name is a file beside the index: no separators, so the index cannot point elsewhere.
    if (typeof shard !== 'string' || shard === '' || /[\\/]/.test(shard) || shard === '..') {
      throw new BaseModelError('BAD_INDEX', `${indexPath}: tensor ${JSON.stringify(tensor)} names shard ${JSON.stringify(shard)}, not a file name`, indexPath);
    }
    files.add(shard);
  }
  const shards = [...files].sort().map((f) => ({ path: join(folder, f), component }));
  for (const shard of shards) {
    if ((await kindOf(shard.path)) !== 'file')
      throw new BaseModelError('MISSING_SHARD', `shard ${basename(shard.path)} named by ${basename(indexPath)} is missing from ${folder}`, shard.path);
  }
  return shards;
}

async function kindOf(path: string): Promise<'file' | 'dir' | null> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null;
  } catch {
    return null;
  }
}
