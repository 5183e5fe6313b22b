import { openAdapter } from '../../adapter/load';
import type { Adapter } from '../../adapter/model';
import type { ModuleResult } from '../../analysis/analyze';
import { CancelledError, throwIfCancelled, type CancellationToken } from '../../cancellation';
import { writeAtomic } from '../../io/atomicWrite';
import { acquireOutputLock } from '../../io/outputLock';
import { FileReadError, readSmallText } from '../../io/readFile';
import { FeatureError } from '../errors';
import { adapterFeatures, checkModules, layoutForAdapter } from '../features';
import { DEFAULT_K, type FeatureLayout } from '../layout';
import { textSafe } from '../../report/escape';
import { findAdapters, type FoundAdapter } from './findAdapters';
import { parseScan, scanHeaderText, scanRowText, type ScanFile, type ScanFormat, type ScanRow } from './scanOutput';
import { shardLabel, shardOf, ShardError, type Shard } from './shard';

export interface ScanOptions {
  readonly root: string;
  readonly out: string;
  readonly format: ScanFormat;
  /** σ's per module; default DEFAULT_K, or the existing output's k. */
  readonly k?: number;
  /** Replace an existing output that is not a scan output, or start a scan output over. */
  readonly force?: boolean;
  /** Scan only this shard's adapters (shardOf their key); `out` is then this shard's own file. */
  readonly shard?: Shard;
  /**
   * Analyses one adapter folder: module results in the adapter's module order (the CLI uses the
   * worker). `lane` (0 … concurrency − 1) tells which of the analyses in flight this is, so a
   * caller with one runner per lane keeps each runner to one job at a time.
   */
  readonly analyze: (path: string, token?: CancellationToken, lane?: number) => Promise<readonly ModuleResult[]>;
  /**
   * Adapters analysed at once (default 1, at most MAX_CONCURRENCY): with a runner per lane on its
   * own thread, a second core works while the first does. The output is the same whatever it is.
   */
  readonly concurrency?: number;
  readonly token?: CancellationToken;
  readonly onEvent?: (event: ScanEvent) => void;
}

export type ScanEvent =
  | { readonly type: 'start'; readonly found: number; readonly kept: number; readonly todo: number; readonly layout: string | null }
  | { readonly type: 'adapter'; readonly done: number; readonly todo: number; readonly path: string }
  | { readonly type: 'skipped'; readonly path: string; readonly reason: string }
  /** Said once, e.g. that a lock left by a killed run was taken over. */
  | { readonly type: 'note'; readonly message: string };

export interface ScanSummary {
  /** Adapter folders found (of this shard, with --shard). */
  readonly found: number;
  /** Rows taken over from the existing output (their adapters not analysed again). */
  readonly kept: number;
  /** Adapters analysed by this run (each one call of `analyze`). */
  readonly analysed: number;
  readonly added: number;
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
  /** Null when nothing was written (no valid adapter and no earlier rows). */
  readonly layout: string | null;
  readonly rows: number;
}

/** What one analysis of the per-adapter path gave: module results, or the error to skip it with. */
type Outcome = { readonly modules: readonly ModuleResult[] | null } | { readonly error: unknown };

/** The most analyses a scan keeps in flight: each holds one adapter's factors in memory. */
export const MAX_CONCURRENCY = 4;

/**
 * A long scan rewrites its output about this often, so that resuming loses at most this much
 * work, unless a rewrite itself takes more than 1/FLUSH_COST_FACTOR of it (tens of thousands of
 * rows): then rewrites are spaced FLUSH_COST_FACTOR times their own duration apart, so writing
 * never takes more than about 5 % of the scan.
 */
const FLUSH_MS = 1000;
const FLUSH_COST_FACTOR = 20;

/** How many candidates per lane may be started ahead of the oldest outcome not yet taken. */
const LOOKAHEAD = 4;

/**
 * Scans `root` for adapter folders and writes one feature row per adapter to `out`.
 *
 * Resumable: an existing output's rows are kept and their adapters are not analysed again; new
 * rows are appended. Every write is atomic (writeAtomic), during a long scan about once a
 * second (less often once a rewrite of many rows costs more than FLUSH_COST_FACTOR-th of that),
 * so an interrupted scan leaves a valid file to resume from. An existing file that is not
 * a scan output (parseScan says why) is refused unless `force`, which starts over.
 *
 * The layout: an existing output's (its k too), else the one most adapters found share (ties:
 * the first by path), with k = options.k. Adapters that cannot be opened or analysed, or whose
 * modules do not fit the layout, are reported through onEvent and skipped: they never stop the
 * scan.
 *
 * With `shard`, only the adapters whose key falls in that shard (shardOf) are analysed, and the
 * output records the shard. The layout is still chosen from every adapter found (their headers
 * only), so each shard picks the layout a whole scan would and their outputs can be merged; a
 * shard with no adapters of its own still writes its (empty) output, so a merge sees it ran.
 *
 * One run at a time per output: the scan holds `<out>.lock` (../../io/outputLock) from before it
 * reads the existing output until its last write, so a second scan into the same output fails
 * at once with OUTPUT_LOCKED instead of both succeeding while one run's rows are lost. Creating
 * the lock is also the check, before any analysis, that the output's folder can be written.
 */
export async function scanAdapters(options: ScanOptions): Promise<ScanSummary> {
  const lock = await acquireOutputLock(options.out);
  try {
    if (lock.note) options.onEvent?.({ type: 'note', message: lock.note });
    return await scanLocked(options);
  } finally {
    await lock.release();
  }
}

async function scanLocked(options: ScanOptions): Promise<ScanSummary> {
  const existing = await readExisting(options.out, options.format, options.force === true);
  if (existing?.layoutId && options.k !== undefined && options.k !== existing.k) {
    throw new FeatureError('LAYOUT_MISMATCH', `${options.out} was written with k=${existing.k}; resume with --k ${existing.k}, or write a new output`);
  }
  const shard = options.shard ?? null;
  if (existing && (existing.shard ? shardLabel(existing.shard) : null) !== (shard ? shardLabel(shard) : null)) {
    const was = existing.shard ? `shard ${shardLabel(existing.shard)}` : 'a whole scan (no --shard)';
    throw new ShardError('SHARD_MISMATCH', `${options.out} holds ${was}; resume it with the same --shard, or write a new output`);
  }
  const k = existing?.layoutId ? existing.k : (options.k ?? DEFAULT_K);
  const kept: ScanRow[] = existing ? [...existing.rows] : [];
  const keys = new Set(kept.map((r) => r.path));
  const all = await findAdapters(options.root);
  const found = shard ? all.filter((f) => shardOf(f.key, shard.count) === shard.index) : all;
  if (all.length === 0 && kept.length === 0)
    throw new FeatureError(
      'NO_ADAPTERS',
      `no adapter folders under ${options.root} (folders holding adapter_model.safetensors, adapters.safetensors or pytorch_lora_weights.safetensors)`,
    );
  const skipped: { path: string; reason: string }[] = [];
  const skip = (path: string, reason: string) => {
    skipped.push({ path, reason });
    options.onEvent?.({ type: 'skipped', path, reason });
  };
  const candidates: { found: FoundAdapter; adapter: Adapter }[] = [];
  // Every adapter that can be analysed, in key order, to choose the layout: a shard counts the
  // other shards' adapters too (unless its output fixed the layout already).
  const voters: Adapter[] = [];
  const ours = new Set(found);
  // A CSV output holds keys with their unsafe characters shown as escapes (csvCell): match either form.
  for (const f of all.filter((f) => !keys.has(f.key) && !keys.has(textSafe(f.key)))) {
    if (!ours.has(f) && existing?.layoutId) continue;
    throwIfCancelled(options.token);
    const adapter = await describe(f.path).catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
    const usable = typeof adapter !== 'string' && adapter.analysable && adapter.modules.length > 0;
    if (usable) voters.push(adapter);
    if (!ours.has(f)) continue;
    if (typeof adapter === 'string') skip(f.key, adapter);
    else if (!usable) skip(f.key, adapter.warnings[0] ?? 'no LoRA modules to analyse');
    else candidates.push({ found: f, adapter });
  }
  const layout = chooseLayout(existing, voters, k);
  options.onEvent?.({ type: 'start', found: found.length, kept: kept.length, todo: candidates.length, layout: layout?.id ?? null });
  const added: ScanRow[] = [];
  const output = layout ? new OutputText(options.format, layout, shard, kept) : null;
  let analysed = 0;
  let flushed = Date.now();
  let flushEvery = FLUSH_MS;
  const flush = async () => {
    const started = Date.now();
    if (output) await output.write(options.out);
    flushed = Date.now();
    // A rewrite costs in proportion to the rows so far: spacing them by its own cost keeps
    // writing to a bounded share of a long scan instead of a share growing with every row.
    flushEvery = Math.max(FLUSH_MS, FLUSH_COST_FACTOR * (flushed - started));
  };
  // Up to `width` analyses in flight, each lane (runner) taking the next candidate as soon as its
  // last one ends; outcomes are taken in candidate order, so rows, skips and flushes come out
  // exactly as one at a time would give them. A lane runs at most LOOKAHEAD candidates ahead of
  // the oldest outcome not yet taken, which bounds what waits in memory behind a slow adapter.
  const width = Math.max(1, Math.min(MAX_CONCURRENCY, Math.floor(options.concurrency ?? 1)));
  const lookahead = LOOKAHEAD * width;
  const outcomes: (Promise<Outcome> | undefined)[] = [];
  const idle = Array.from({ length: width }, (_, lane) => lane);
  let next = 0;
  let taken = 0;
  // Set once the loop below ends, however it ends: a lane that ends afterwards starts nothing.
  let stopped = false;
  // The first error of a fill() run from a lane's callback, for the loop to throw.
  let failure: { readonly error: unknown } | undefined;
  const throwIfFailed = (): void => {
    if (failure) throw failure.error;
  };
  const start = (i: number, lane: number): Promise<Outcome> => {
    const c = candidates[i];
    options.onEvent?.({ type: 'adapter', done: i, todo: candidates.length, path: c.found.key });
    if (!layout) return Promise.resolve({ modules: null });
    try {
      checkModules(c.adapter, layout);
    } catch (error) {
      return Promise.resolve({ error });
    }
    analysed++;
    idle.splice(idle.indexOf(lane), 1);
    let running: Promise<readonly ModuleResult[]>;
    try {
      running = options.analyze(c.found.path, options.token, lane);
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.then(
      (modules) => ({ modules }),
      (error: unknown) => ({ error }),
    );
  };
  // Starts candidates while a lane is idle; called again whenever one ends. A cancelled or
  // stopped scan starts nothing more (the loop below throws, or has ended).
  const fill = (): void => {
    while (!stopped && idle.length > 0 && next < candidates.length && next < taken + lookahead && !options.token?.isCancellationRequested) {
      const i = next++;
      const lane = idle[0];
      const outcome = start(i, lane);
      outcomes[i] = outcome;
      if (!idle.includes(lane)) {
        void outcome.then(() => {
          idle.push(lane);
          try {
            fill();
          } catch (error) {
            // onEvent threw while this callback started the next candidate: nothing awaits the
            // callback, so the scan stops and the loop below throws the error.
            failure ??= { error };
            stopped = true;
          }
        });
      }
    }
  };
  try {
    for (let i = 0; i < candidates.length; i++) {
      fill();
      throwIfFailed();
      throwIfCancelled(options.token);
      const pending = outcomes[i];
      // Every earlier outcome was taken, so their lanes are idle and fill started this one.
      if (!pending) throw new Error(`scan: candidate ${i} was not started`);
      const outcome = await pending;
      throwIfFailed();
      taken = i + 1;
      outcomes[i] = undefined;
      const c = candidates[i];
      if ('error' in outcome) {
        if (outcome.error instanceof CancelledError) throw outcome.error;
        skip(c.found.key, outcome.error instanceof Error ? outcome.error.message : String(outcome.error));
      } else if (outcome.modules && output && layout) {
        try {
          const row = { path: c.found.key, features: adapterFeatures(c.adapter, outcome.modules, layout) };
          added.push(row);
          output.add(row);
        } catch (error) {
          skip(c.found.key, error instanceof Error ? error.message : String(error));
        }
      }
      if (Date.now() - flushed >= flushEvery) {
        fill();
        await flush();
      }
    }
  } finally {
    // Analyses still running when the scan stops (cancelled, or an output write failed) end on
    // their own and start no others; none is left unawaited.
    stopped = true;
    await Promise.all(outcomes.filter((o) => o !== undefined));
  }
  await flush();
  return { found: found.length, kept: kept.length, analysed, added: added.length, skipped, layout: layout?.id ?? null, rows: kept.length + added.length };
}

/**
 * An output is rewritten whole on each flush, so it must fit in one string: a row per adapter is
 * a few kilobytes, and 256 MiB holds tens of thousands of them.
 */
export const MAX_SCAN_OUTPUT_BYTES = 256 * 1024 * 1024;

/** The existing output, null when there is none (or `force` discards it). */
async function readExisting(out: string, format: ScanFormat, force: boolean): Promise<ScanFile | null> {
  let text: string;
  try {
    text = await readSmallText(out, MAX_SCAN_OUTPUT_BYTES, 'the scan output');
  } catch (error) {
    if (!(error instanceof FileReadError)) throw error;
    if (error.code === 'NOT_FOUND' || (force && error.code === 'TOO_LARGE')) return null;
    throw new FeatureError('NOT_SCAN_OUTPUT', `${error.message}; not overwritten`);
  }
  if (force) return null;
  try {
    return parseScan(format, text);
  } catch (error) {
    if (error instanceof FeatureError)
      throw new FeatureError('NOT_SCAN_OUTPUT', `${out} exists and is not a lora-lens scan output (${error.message}); not overwritten: pass --force to replace it`);
    throw error;
  }
}

/** Opens an adapter's header and config only (no factors), closing the file again. */
async function describe(path: string): Promise<Adapter> {
  const opened = await openAdapter(path);
  await opened.file.close();
  return opened.adapter;
}

/**
 * An existing output's layout (taken from an adapter that has it, or rebuilt from the file);
 * else the most common layout among the adapters, ties to the first. Null when there is neither.
 */
function chooseLayout(existing: ScanFile | null, adapters: readonly Adapter[], k: number): FeatureLayout | null {
  const layouts = adapters.map((a) => layoutForAdapter(a, k));
  if (existing?.layoutId) {
    return layouts.find((l) => l.id === existing.layoutId) ?? { id: existing.layoutId, k: existing.k, modules: existing.modules ?? [], columns: existing.columns };
  }
  const counts = new Map<string, number>();
  for (const l of layouts) counts.set(l.id, (counts.get(l.id) ?? 0) + 1);
  let best: FeatureLayout | null = null;
  for (const l of layouts) if (!best || (counts.get(l.id) ?? 0) > (counts.get(best.id) ?? 0)) best = l;
  return best;
}

/**
 * The output's text, each row formatted once when it is added (formatting the numbers is most of
 * a rewrite's cost, and a rewrite comes every second), written whole and atomically on demand.
 */
class OutputText {
  private readonly header: Uint8Array;
  private readonly lines: Uint8Array[] = [];
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly format: ScanFormat,
    private readonly layout: FeatureLayout,
    private readonly shard: Shard | null,
    rows: readonly ScanRow[],
  ) {
    this.header = this.encoder.encode(scanHeaderText(format, layout, shard));
    for (const row of rows) this.add(row);
  }

  add(row: ScanRow): void {
    this.lines.push(this.encoder.encode(scanRowText(this.format, this.layout, row, this.shard)));
  }

  /** The header and every row so far, in WRITE_CHUNK_BYTES writes. */
  write(path: string): Promise<void> {
    return writeAtomic(path, async (write) => {
      const chunk = new Uint8Array(WRITE_CHUNK_BYTES);
      let used = 0;
      const parts = [this.header];
      for (const part of parts.concat(this.lines)) {
        if (used > 0 && used + part.length > chunk.length) {
          await write(chunk.subarray(0, used));
          used = 0;
        }
        if (part.length >= chunk.length) await write(part);
        else {
          chunk.set(part, used);
          used += part.length;
        }
      }
      if (used > 0) await write(chunk.subarray(0, used));
    });
  }
}

/** Rows are gathered into writes of this size. */
const WRITE_CHUNK_BYTES = 1 << 20;
