import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScanFormat } from '../../../src/core/predict/scan/scanOutput';
import { scanAdapters, type ScanSummary } from '../../../src/core/predict/scan/scan';
import { shardOutputPath, type Shard } from '../../../src/core/predict/scan/shard';
import type { Rng } from '../../helpers/random';
import { analyseHere, randomModules, writePeftAdapter, type FixtureModule } from './predictFixtures';

/**
 * Adapter keys of a small zoo: nested runs, a comma (CSV quoting) and a non-ASCII name (the
 * hash reads UTF-8), so the shards and the merge see the paths a real zoo has.
 */
export const ZOO_KEYS = ['alpha/run-0', 'alpha/run-1', 'alpha/run-2', 'beta/run-0', 'beta/run-1', 'beta/seed, 7', 'gamma/café', 'gamma/run-10', 'gamma/run-9', 'solo'];

/**
 * Writes a zoo: ZOO_KEYS of one layout (random shapes and ranks), a file that is not
 * safetensors and an adapter of other modules (both skipped by a scan). Returns the modules.
 */
export async function writeShardZoo(rng: Rng, root: string, keys: readonly string[] = ZOO_KEYS): Promise<FixtureModule[]> {
  const modules = randomModules(rng, rng.int(2, 3));
  for (const key of keys) await writePeftAdapter(join(root, ...key.split('/')), rng, modules, rng.int(1, 5));
  await mkdir(join(root, 'broken'), { recursive: true });
  await writeFile(join(root, 'broken', 'adapter_model.safetensors'), 'not safetensors');
  await writePeftAdapter(join(root, 'other'), rng, modules.slice(0, 1), 2);
  return modules;
}

/** One in-process scan (the JS backend in this thread), as the CLI runs it in its worker. */
export function scanHere(root: string, out: string, format: ScanFormat, extra: { shard?: Shard; k?: number } = {}): Promise<ScanSummary & { analysedPaths: string[] }> {
  const analysedPaths: string[] = [];
  return scanAdapters({
    root,
    out,
    format,
    ...extra,
    analyze: async (path) => {
      analysedPaths.push(path);
      return (await analyseHere(path)).modules;
    },
  }).then((summary) => ({ ...summary, analysedPaths }));
}

/** Every shard of `count` scanned in turn into `<folder>/features.shard-K-of-N.<format>`; their paths. */
export async function scanAllShards(root: string, folder: string, format: ScanFormat, count: number, k?: number): Promise<string[]> {
  const outs: string[] = [];
  for (let index = 1; index <= count; index++) {
    const out = shardOutputPath(join(folder, `features.${format}`), { index, count });
    await scanHere(root, out, format, { shard: { index, count }, ...(k === undefined ? {} : { k }) });
    outs.push(out);
  }
  return outs;
}
