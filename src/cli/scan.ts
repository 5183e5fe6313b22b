import { availableParallelism } from 'node:os';
import { JobClient } from '../core/jobs/client';
import { scanAdapters, type ScanEvent } from '../core/predict/scan/scan';
import { shardLabel } from '../core/predict/scan/shard';
import { workerScript } from './inspect';
import type { ScanArgs } from './predictArgs';
import { clean } from './table';

/** How often a non-terminal stderr gets a progress line. */
const LINE_INTERVAL_MS = 2000;

/**
 * `lora-lens scan DIR --out FILE`: every adapter under DIR analysed in a worker (the one inspect
 * uses; two of them on a machine with two cores or more), one invariant feature row each. Progress and skipped adapters go to stderr
 * (skips even with --quiet: they are results, not chatter); the summary is returned for stdout.
 */
export async function scan(args: ScanArgs): Promise<string> {
  // One worker per core, up to two: each analysis is one thread's work, so a second worker
  // keeps the second core busy (rows are still written in order).
  const clients = Array.from({ length: Math.min(2, availableParallelism()) }, () => new JobClient(workerScript()));
  const started = performance.now();
  const progress = scanProgress(process.stderr, args.quiet);
  try {
    const summary = await scanAdapters({
      root: args.root,
      out: args.out,
      format: args.format,
      ...(args.k === undefined ? {} : { k: args.k }),
      force: args.force,
      ...(args.shard ? { shard: args.shard } : {}),
      concurrency: clients.length,
      analyze: async (path, token, lane = 0) => (await clients[lane % clients.length].run('analyze', { path, options: args.compute }, token ? { token } : {})).output.modules,
      onEvent: progress,
    });
    const seconds = (performance.now() - started) / 1000;
    const rate = summary.analysed > 0 ? `, ${(summary.analysed / seconds).toFixed(1)} adapters/s` : '';
    const what =
      summary.layout === null ? 'nothing written (no adapter could be analysed)' : `wrote ${clean(args.out)}: ${summary.rows} rows (${summary.added} added, ${summary.kept} kept)`;
    const shard = args.shard ? `shard ${shardLabel(args.shard)}: ` : '';
    return `${shard}${what}; ${summary.analysed} analysed, ${summary.skipped.length} skipped in ${seconds.toFixed(1)} s${rate}${summary.layout ? `; layout ${summary.layout}` : ''}\n`;
  } finally {
    progress({ type: 'adapter', done: -1, todo: 0, path: '' });
    await Promise.all(clients.map((c) => c.dispose()));
  }
}

/** Progress on stderr: redrawn in place on a terminal, a line every two seconds elsewhere. */
function scanProgress(stream: NodeJS.WriteStream, quiet: boolean): (event: ScanEvent) => void {
  let last = Date.now();
  let drawn = false;
  const erase = () => {
    if (drawn) stream.write('\r\u001b[K');
    drawn = false;
  };
  return (event) => {
    if (event.type === 'note') {
      erase();
      stream.write(`note: ${clean(event.message)}\n`);
    } else if (event.type === 'skipped') {
      erase();
      stream.write(`skipped ${clean(event.path)}: ${clean(event.reason)}\n`);
    } else if (event.type === 'start') {
      if (!quiet) stream.write(`scan: ${event.found} adapter folders, ${event.kept} rows kept, ${event.todo} to analyse${event.layout ? ` (layout ${event.layout})` : ''}\n`);
    } else if (event.done < 0) erase();
    else if (!quiet) {
      const text = `analysing ${event.done + 1}/${event.todo} ${clean(event.path)}`;
      if (stream.isTTY) {
        stream.write(`\r${text}\u001b[K`);
        drawn = true;
      } else if (Date.now() - last >= LINE_INTERVAL_MS) {
        stream.write(`${text}\n`);
        last = Date.now();
      }
    }
  };
}
