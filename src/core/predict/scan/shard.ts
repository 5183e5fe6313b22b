import { createHash } from 'node:crypto';
import { LensError, registerLensError } from '../../errors';

export type ShardErrorCode =
  /** A `K/N` that is not two whole numbers with 1 ≤ K ≤ N ≤ MAX_SHARDS. */
  | 'INVALID_SHARD'
  /** An existing output was written for another shard (or for none). */
  | 'SHARD_MISMATCH'
  /** A merge input that is not a shard output, or records a shard its rows do not belong to. */
  | 'NOT_SHARD_OUTPUT'
  /** Merge inputs whose layouts, columns or shard counts differ. */
  | 'MERGE_MISMATCH'
  /** The same shard, or the same adapter, in two merge inputs. */
  | 'MERGE_DUPLICATE'
  /** Shards absent from a merge (without --allow-missing), or none given. */
  | 'MERGE_MISSING'
  /** A merge input whose scan still holds its lock: running, or interrupted before its end. */
  | 'SHARD_INCOMPLETE'
  /** Merge inputs, or the merged table, larger than a scan output may be (MAX_SCAN_OUTPUT_BYTES). */
  | 'MERGE_TOO_LARGE'
  /** The merged table's file exists (without --force), or is one of the inputs. */
  | 'OUTPUT_EXISTS';

/** A sharded scan's or merge's refusal; the input's fault, exit status 2. */
export class ShardError extends LensError {
  override readonly name = 'ShardError';
  readonly inputError = true;

  constructor(
    readonly code: ShardErrorCode,
    message: string,
  ) {
    super(message);
  }
}

registerLensError('ShardError', ShardError);

/** Shard `index` of `count`, 1-based: `--shard 1/4` … `--shard 4/4`. */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/**
 * The most shards a scan may be split into: far more than the few thousand adapters a zoo holds,
 * and small enough that the 48-bit hash below spreads keys over them with no measurable bias.
 */
export const MAX_SHARDS = 100_000;

/** Parses `K/N` (1-based K); throws INVALID_SHARD in the user's words. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d{1,9})\s*\/\s*(\d{1,9})\s*$/.exec(text);
  if (!match) throw new ShardError('INVALID_SHARD', `--shard takes K/N, this shard's number K of N shards, 1-based (e.g. 1/4); got "${text}"`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > MAX_SHARDS) throw new ShardError('INVALID_SHARD', `--shard ${text}: N must be between 1 and ${MAX_SHARDS}`);
  if (index < 1 || index > count) throw new ShardError('INVALID_SHARD', `--shard ${text}: K must be between 1 and N (${count}); shards are numbered from 1`);
  return { index, count };
}

export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}

/**
 * The shard (1-based) of an adapter among `count`: the first 6 bytes of the SHA-256 of its key
 * (the folder relative to the scanned root, `/`-separated, as UTF-8) read as a big-endian
 * integer, modulo `count`, plus one. It depends on the key alone, so adding or removing other
 * adapters never moves an adapter to another shard, and any tool can recompute it.
 */
export function shardOf(key: string, count: number): number {
  const digest = createHash('sha256').update(key, 'utf8').digest();
  return (digest.readUIntBE(0, 6) % count) + 1;
}

/**
 * The file a shard writes for `--out out`: `features.csv` → `features.shard-3-of-8.csv`. Each
 * shard gets its own output (and lock), so all shards can be given the same --out on a shared
 * folder.
 */
export function shardOutputPath(out: string, shard: Shard): string {
  const dot = out.lastIndexOf('.');
  return `${out.slice(0, dot)}.shard-${shard.index}-of-${shard.count}${out.slice(dot)}`;
}
