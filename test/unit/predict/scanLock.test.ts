import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileSystemError } from '../../../src/core/errors';
import { errnoError, setFsFaultHook } from '../../../src/core/io/fsFaults';
import { OutputLockedError } from '../../../src/core/io/outputLock';
import { scanAdapters, type ScanEvent, type ScanOptions } from '../../../src/core/predict/scan/scan';
import { parseScan } from '../../../src/core/predict/scan/scanOutput';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { analyseHere, randomModules, writePeftAdapter } from './predictFixtures';

const OUTPUT_LOCK = join(__dirname, '..', '..', '..', 'src', 'core', 'io', 'outputLock.js');

async function adapters(root: string, rng: Rng, count: number): Promise<void> {
  const modules = randomModules(rng, 2);
  for (let i = 0; i < count; i++) await writePeftAdapter(join(root, 'runs', `run-${i}`), rng, modules, rng.int(1, 4));
}

function options(root: string, out: string, analyze: ScanOptions['analyze'] = async (path) => (await analyseHere(path)).modules, events: ScanEvent[] = []): ScanOptions {
  return { root, out, format: 'csv', analyze, onEvent: (e) => events.push(e) };
}

test('two concurrent scans into one output: the second fails with OUTPUT_LOCKED naming the holder, the first keeps every row', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    await adapters(root, rng, 3);
    const out = join(root, 'features.csv');
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = scanAdapters(
      options(root, out, async (path) => {
        entered();
        await gate;
        return (await analyseHere(path)).modules;
      }),
    );
    // The first scan is analysing (it holds the lock): the second starts now.
    await inside;
    const secondCalls: string[] = [];
    await assert.rejects(
      scanAdapters(
        options(root, out, async (path) => {
          secondCalls.push(path);
          return (await analyseHere(path)).modules;
        }),
      ),
      (e: unknown) => e instanceof OutputLockedError && e.inputError && e.code === 'OUTPUT_LOCKED' && e.message.includes(`process ${process.pid}`),
    );
    assert.equal(secondCalls.length, 0, `the refused scan analysed nothing ${rng.tag}`);
    release();
    const summary = await first;
    assert.equal(summary.rows, 3, rng.tag);
    assert.equal(parseScan('csv', await readFile(out, 'utf8')).rows.length, 3);
    assert.deepEqual((await readdir(root)).sort(), ['features.csv', 'runs'], 'the lock is removed when the scan ends');
    // Run again, it resumes: every row kept, none analysed.
    const again = await scanAdapters(options(root, out));
    assert.deepEqual([again.kept, again.analysed, again.rows], [3, 0, 3]);
  } finally {
    await removeDir(root);
  }
});

test('a lock held by another live process refuses the scan; once that process is killed, its lock is taken over with a note', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    await adapters(root, rng, 2);
    const out = join(root, 'features.csv');
    const script = `require(${JSON.stringify(OUTPUT_LOCK)}).acquireOutputLock(${JSON.stringify(out)}).then(() => { process.stdout.write('locked\\n'); setInterval(() => {}, 1000); });`;
    const holder = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let said = '';
    holder.stdout.setEncoding('utf8');
    while (!said.includes('locked\n')) said += String((await once(holder.stdout, 'data'))[0]);
    await assert.rejects(
      scanAdapters(options(root, out)),
      (e: unknown) => e instanceof OutputLockedError && e.message.includes(`process ${holder.pid}`) && e.message.includes(`${out}.lock`),
    );
    const exited = once(holder, 'exit');
    holder.kill('SIGKILL');
    await exited;
    const events: ScanEvent[] = [];
    const summary = await scanAdapters(options(root, out, undefined, events));
    assert.equal(summary.rows, 2);
    const notes = events.filter((e) => e.type === 'note');
    assert.equal(notes.length, 1);
    assert.match(notes[0].type === 'note' ? notes[0].message : '', new RegExp(`took over the lock .* left by process ${holder.pid}`));
    assert.deepEqual((await readdir(root)).sort(), ['features.csv', 'runs']);
  } finally {
    await removeDir(root);
  }
});

test('a file named like the lock that this tool did not write is refused and left alone', async () => {
  const root = await tempDir();
  try {
    await adapters(root, Rng.fresh(), 1);
    const out = join(root, 'features.csv');
    await writeFile(`${out}.lock`, 'my notes');
    await assert.rejects(scanAdapters(options(root, out)), (e: unknown) => e instanceof OutputLockedError && /not a lock this tool wrote/.test(e.message));
    assert.equal(await readFile(`${out}.lock`, 'utf8'), 'my notes');
  } finally {
    await removeDir(root);
  }
});

test('an output folder that cannot be written fails before any analysis, as a typed file-system error naming the path', async () => {
  const root = await tempDir();
  try {
    await adapters(root, Rng.fresh(), 1);
    const calls: string[] = [];
    const analyze: ScanOptions['analyze'] = async (path) => {
      calls.push(path);
      return (await analyseHere(path)).modules;
    };
    // A read-only mount (which root cannot write either), injected.
    const out = join(root, 'features.csv');
    setFsFaultHook((step, target) => {
      if (step === 'create' && target === `${out}.lock`) throw errnoError('EROFS', 'open', target);
    });
    try {
      await assert.rejects(
        scanAdapters(options(root, out, analyze)),
        (e: unknown) => e instanceof FileSystemError && e.inputError && e.errno === 'EROFS' && e.message.includes(out),
      );
    } finally {
      setFsFaultHook(undefined);
    }
    // A real one: the output's folder is a regular file (ENOTDIR, whoever runs it).
    await writeFile(join(root, 'plain'), 'x');
    await assert.rejects(
      scanAdapters(options(root, join(root, 'plain', 'features.csv'), analyze)),
      (e: unknown) => e instanceof FileSystemError && e.errno === 'ENOTDIR' && e.message.includes(join(root, 'plain', 'features.csv')),
    );
    assert.equal(calls.length, 0);
  } finally {
    await removeDir(root);
  }
});
