import { strict as assert } from 'node:assert';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ModuleResult } from '../../../src/core/analysis/analyze';
import { scanAdapters, type ScanEvent } from '../../../src/core/predict/scan/scan';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { analyseHere, randomModules, writePeftAdapter } from './predictFixtures';

/**
 * Analyses in flight at once must give the output one at a time gives, byte for byte, whatever
 * order they finish in: here earlier adapters are held longer than later ones, so they finish
 * out of order, and one of them fails.
 */
test('scan with several analyses in flight writes what a serial scan writes, and skips a failed one in its place', { timeout: 120_000 }, async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const count = rng.int(5, 8);
    const modules = randomModules(rng, 2);
    for (let i = 0; i < count; i++) await writePeftAdapter(join(root, 'runs', `run-${i}`), rng, modules, rng.int(1, 5));
    const failing = join(root, 'runs', `run-${rng.int(0, count - 1)}`);
    const serialOut = join(root, 'serial.csv');
    const serial = await scanAdapters({
      root,
      out: serialOut,
      format: 'csv',
      k: 3,
      analyze: async (path) => {
        if (path === failing) throw new Error('analysis failed');
        return (await analyseHere(path)).modules;
      },
    });
    for (const width of [2, 3]) {
      const out = join(root, `wide-${width}.csv`);
      const lanes: number[] = [];
      const busy = new Set<number>();
      let overlaps = 0;
      let inFlight = 0;
      let most = 0;
      const events: ScanEvent[] = [];
      const done: number[] = [];
      let finishSecond: () => void = () => undefined;
      const secondDone = new Promise<void>((resolve) => (finishSecond = resolve));
      const summary = await scanAdapters({
        root,
        out,
        format: 'csv',
        k: 3,
        concurrency: width,
        onEvent: (e) => events.push(e),
        analyze: async (path, _token, lane) => {
          lanes.push(lane ?? -1);
          if (busy.has(lane ?? -1)) overlaps++;
          busy.add(lane ?? -1);
          most = Math.max(most, ++inFlight);
          const result = await analyseHere(path);
          // Earlier adapters are held longer, so within a window they finish after later ones.
          const index = Number(path.slice(path.lastIndexOf('-') + 1));
          for (let turn = 0; turn < 4 * (count - index); turn++) await new Promise((resolve) => setImmediate(resolve));
          // The first also waits for the second to finish (reads under load can outlast the
          // turns above), so at least that pair always finishes out of order. Both start at
          // once on their own lanes, so the wait always ends; the test's timeout guards it.
          if (index === 0) await secondDone;
          if (index === 1) finishSecond();
          inFlight--;
          busy.delete(lane ?? -1);
          done.push(index);
          if (path === failing) throw new Error('analysis failed');
          return result.modules as readonly ModuleResult[];
        },
      });
      assert.equal(await readFile(out, 'utf8'), await readFile(serialOut, 'utf8'), `width ${width} ${rng.tag}`);
      assert.deepEqual(summary.skipped, serial.skipped, rng.tag);
      assert.deepEqual([summary.analysed, summary.added], [serial.analysed, serial.added]);
      assert.ok(most > 1 && most <= width, `at most ${width} in flight, and more than one (${most}) ${rng.tag}`);
      assert.notDeepEqual(
        done,
        [...done].sort((a, b) => a - b),
        `the analyses finished out of order ${rng.tag}`,
      );
      assert.ok(
        lanes.every((l) => Number.isInteger(l) && l >= 0 && l < width),
        `lanes ${lanes.join(',')} within 0…${width - 1} ${rng.tag}`,
      );
      assert.equal(overlaps, 0, `no lane ran two analyses at once ${rng.tag}`);
      assert.deepEqual(
        events.filter((e) => e.type === 'adapter').map((e) => (e.type === 'adapter' ? e.done : -1)),
        Array.from({ length: count }, (_, i) => i),
      );
    }
  } finally {
    await removeDir(root);
  }
});

/**
 * A lane that ends takes the next adapter at once, even while an earlier adapter is still being
 * analysed on another lane (no lane waits for the output order): here the first adapter is held
 * until the last one has started, which a lane waiting its turn would never let happen.
 */
test('scan keeps every lane busy while an earlier adapter is still being analysed', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const count = rng.int(4, 7);
    const modules = randomModules(rng, 2);
    for (let i = 0; i < count; i++) await writePeftAdapter(join(root, `run-${i}`), rng, modules, rng.int(1, 4));
    const serialOut = join(root, 'serial.jsonl');
    await scanAdapters({ root, out: serialOut, format: 'jsonl', k: 2, analyze: async (path) => (await analyseHere(path)).modules });
    const started: number[] = [];
    let lastStarted: () => void = () => undefined;
    const last = new Promise<void>((resolve) => (lastStarted = resolve));
    const out = join(root, 'wide.jsonl');
    let waited = false;
    await scanAdapters({
      root,
      out,
      format: 'jsonl',
      k: 2,
      concurrency: 2,
      analyze: async (path) => {
        const index = Number(path.slice(path.lastIndexOf('-') + 1));
        started.push(index);
        if (index === count - 1) lastStarted();
        const result = await analyseHere(path);
        if (index === 0) {
          // Held until the last adapter starts, or (were lanes to wait their turn) a timeout.
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)));
          await Promise.race([last, timeout]);
          clearTimeout(timer);
          waited = started.includes(count - 1);
        }
        return result.modules;
      },
    });
    assert.ok(waited, `adapters 1…${count - 1} went through the second lane while adapter 0 ran (started ${started.join(',')}) ${rng.tag}`);
    assert.equal(await readFile(out, 'utf8'), await readFile(serialOut, 'utf8'), rng.tag);
  } finally {
    await removeDir(root);
  }
});

/**
 * A scan that stops on an error (here its event callback throws on the first skip) waits for the
 * analyses in flight and starts no others: when it has rejected, nothing runs and nothing starts.
 */
test('a scan that stops on an error starts no analysis after it and leaves none running', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const count = rng.int(5, 8);
    const modules = randomModules(rng, 2);
    for (let i = 0; i < count; i++) await writePeftAdapter(join(root, `run-${i}`), rng, modules, rng.int(1, 4));
    let started = 0;
    let running = 0;
    const failure = scanAdapters({
      root,
      out: join(root, 'out.csv'),
      format: 'csv',
      k: 2,
      concurrency: 2,
      onEvent: (e) => {
        if (e.type === 'skipped') throw new Error('stop here');
      },
      analyze: async (path) => {
        started++;
        running++;
        try {
          const index = Number(path.slice(path.lastIndexOf('-') + 1));
          if (index === 0) throw new Error('analysis failed');
          const result = await analyseHere(path);
          for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
          return result.modules;
        } finally {
          running--;
        }
      },
    });
    await assert.rejects(failure, /stop here/);
    const startedThen = started;
    for (let turn = 0; turn < 100; turn++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(running, 0, `no analysis still running ${rng.tag}`);
    assert.equal(started, startedThen, `no analysis started after the scan stopped ${rng.tag}`);
    assert.ok(started < count, `the scan stopped early (${started} of ${count} started) ${rng.tag}`);
  } finally {
    await removeDir(root);
  }
});

/**
 * An onEvent that throws while a lane that just ended starts the next adapter (inside the
 * lane's completion callback, not the scan's own loop) stops the scan with that error; before,
 * the error escaped as an unhandled rejection and the scan went on.
 */
test('an onEvent that throws when a lane starts its next adapter stops the scan with that error', { timeout: 120_000 }, async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const count = rng.int(5, 8);
    const modules = randomModules(rng, 2);
    for (let i = 0; i < count; i++) await writePeftAdapter(join(root, `run-${i}`), rng, modules, rng.int(1, 3));
    // Adapters from index 2 on are started by a lane's callback (the first two start together).
    const failAt = rng.int(2, count - 1);
    let releaseFirst: () => void = () => undefined;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const scan = scanAdapters({
      root,
      out: join(root, 'out.csv'),
      format: 'csv',
      k: 2,
      concurrency: 2,
      onEvent: (e) => {
        if (e.type === 'adapter' && e.done === failAt) {
          releaseFirst();
          throw new Error(`event ${failAt} refused`);
        }
      },
      analyze: async (path) => {
        const result = await analyseHere(path);
        // The first is held until the failure, so the later ones start from lane callbacks.
        if (path.endsWith('run-0')) await firstHeld;
        return result.modules;
      },
    });
    await assert.rejects(scan, (error: Error) => error.message === `event ${failAt} refused`, rng.tag);
    // An unhandled rejection is reported after the microtasks of its turn.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, [], `no unhandled rejection ${rng.tag}`);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await removeDir(root);
  }
});
