import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { mergeScanShards } from '../core/predict/scan/merge';
import type { ScanFormat } from '../core/predict/scan/scanOutput';
import { ShardError } from '../core/predict/scan/shard';
import type { CommandSpec } from './command';
import { clean } from './table';
import { paths, UsageError } from './usage';

/** `lora-lens scan-merge OUT SHARD…`: the outputs of `scan --shard K/N` joined into one table. */
export interface ScanMergeArgs {
  readonly command: 'scan-merge';
  readonly out: string;
  readonly format: ScanFormat;
  /** Shard output files, or folders holding them. */
  readonly inputs: readonly string[];
  readonly force: boolean;
  readonly allowMissing: boolean;
}

export const SCAN_MERGE: CommandSpec<ScanMergeArgs> = {
  name: 'scan-merge',
  summary: 'joins the outputs of scan --shard K/N into one table',
  usage: ['scan-merge <out.csv|out.jsonl> <shard output|folder>… [--force] [--allow-missing]'],
  description:
    'Joins the shard outputs of a sharded scan (scan --shard K/N) into the table one scan of the whole folder writes: the same layout and columns, rows sorted by adapter path, no shard column. Refuses shards of different layouts or shard counts, a shard given twice, an adapter in two shards, a shard whose scan is still running or was interrupted, and absent shards (unless --allow-missing). The table is written atomically. See docs/sharding.md.',
  arguments: [
    ['<out.csv|out.jsonl>', 'the merged table; its extension picks the format (.jsonl needs JSONL shards, which record the modules’ shapes)'],
    ['<shard output|folder>', 'shard output files, or folders: every <out name>.shard-K-of-N.<out extension> directly in them (features.shard-K-of-N.csv for features.csv)'],
  ],
  options: {
    force: { type: 'boolean', help: 'replace an existing <out> (otherwise refused)' },
    'allow-missing': { type: 'boolean', help: 'write the table although some shards are absent (they are listed); otherwise refused' },
  },
  parse(values, positionals) {
    const [out, ...inputs] = paths(positionals, 2, Infinity, 'paths (the merged table, then the shard outputs or their folder)');
    const format = /\.csv$/i.test(out) ? 'csv' : /\.jsonl$/i.test(out) ? 'jsonl' : null;
    if (!format) throw new UsageError(`the merged table must end in .csv or .jsonl (got "${out}")`);
    return { command: 'scan-merge', out, format, inputs, force: values.force === true, allowMissing: values['allow-missing'] === true };
  },
  outputs: (args) => [{ option: '<out>', path: args.out, kind: 'file' }],
};

/** Runs scan-merge; absent shards merged anyway (--allow-missing) are named on stderr. */
export async function scanMergeCommand(args: ScanMergeArgs): Promise<string> {
  const inputs: string[] = [];
  for (const input of args.inputs) inputs.push(...(await shardFiles(input, args.out)));
  const summary = await mergeScanShards({ out: args.out, format: args.format, inputs, force: args.force, allowMissing: args.allowMissing });
  if (summary.missing.length > 0) process.stderr.write(`warning: shards ${summary.missing.join(', ')} of ${summary.count} are missing from ${clean(args.out)}\n`);
  return `wrote ${clean(args.out)}: ${summary.rows} rows from ${summary.present.length} of ${summary.count} shards${summary.layout ? `; layout ${summary.layout}` : ''}\n`;
}

/**
 * A file as given; a folder as the shard outputs directly in it that `scan --out <out> --shard
 * K/N` writes: `<out's name>.shard-K-of-N.<out's extension>`. Only those, so a shared output
 * folder may also hold the other format's shards, or another scan's.
 */
export async function shardFiles(input: string, out: string): Promise<string[]> {
  const info = await stat(input).catch(() => null);
  if (!info) throw new ShardError('NOT_SHARD_OUTPUT', `${input} does not exist`);
  if (!info.isDirectory()) return [input];
  const ext = extname(out);
  const stem = basename(out, ext);
  const ours = new RegExp(`^${literal(stem)}\\.shard-\\d+-of-\\d+${literal(ext)}$`);
  const names = (await readdir(input)).filter((n) => ours.test(n)).sort();
  if (names.length === 0)
    throw new ShardError('NOT_SHARD_OUTPUT', `${input} holds no shard outputs named ${stem}.shard-K-of-N${ext} (as scan --out ${basename(out)} --shard K/N writes them)`);
  return names.map((n) => join(input, n));
}

/** `text` matched as itself in a RegExp. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
