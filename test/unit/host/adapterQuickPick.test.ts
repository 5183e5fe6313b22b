import { fake, fakeState, FakeUri, globRegExp, lastPick, resetFake, type FakeQuickPick } from '../../helpers/fakeVscode';
import { strict as assert } from 'node:assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { registerCompareAdapters } from '../../../src/host/commands/compareAdapters';
import type { HostContext } from '../../../src/host/hostContext';
import { adapterGlob, MAX_SEARCHED } from '../../../src/host/subspace/adapterCandidates';
import { pickAdaptersInOrder } from '../../../src/host/subspace/adapterQuickPick';
import { orderedAdapterArgs } from '../../../src/host/subspace/pickAdapters';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

const WS = '/ws';

function workspace(files: readonly string[]): void {
  resetFake();
  fakeState.folders = [{ uri: FakeUri.file(WS), name: 'ws', index: 0 }];
  fakeState.files = files.map((f) => `${WS}/${f}`);
}

/** Lets the picker's pending work (the search, its handlers) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Opens the picker, waits for its search, and hands it to `drive`; resolves to the picked paths. */
async function picked(needs: { given: string[]; need: number }, drive: (pick: FakeQuickPick) => void | Promise<void>): Promise<string[]> {
  const result = pickAdaptersInOrder('Compare', needs);
  await settle();
  await drive(lastPick());
  await settle();
  const pick = lastPick();
  if (!pick.disposed) pick.escape();
  return (await result).map((u) => u.fsPath);
}

test('Enter adds a typed path even when adapters are checked, and finishes once two are picked', async () => {
  const rng = Rng.fresh();
  workspace(['a/adapter_model.safetensors', 'c/adapter_model.safetensors']);
  const typed = `/data/b${rng.int(0, 999)}/adapter_model.safetensors`;
  let placeholder = '';
  const got = await picked({ given: [], need: 2 }, (pick) => {
    pick.check('a/adapter_model.safetensors');
    pick.value = typed;
    pick.pressEnter();
    placeholder = pick.placeholder;
  });
  assert.deepEqual(got, [`${WS}/a/adapter_model.safetensors`, typed], `${rng.tag} ${placeholder}`);
});

test('a typed path short of the needed count is added, the box cleared and the picker stays open', async () => {
  workspace(['a/adapter_model.safetensors']);
  const result = pickAdaptersInOrder('Compare', { given: [], need: 2 });
  await settle();
  const pick = lastPick();
  pick.value = '/data/x/adapter_model.safetensors';
  pick.pressEnter();
  assert.equal(pick.disposed, false, 'one adapter is not enough to compare');
  assert.equal(pick.value, '', 'the box is cleared for the next path');
  assert.match(pick.placeholder, /^A: \/data\/x\/adapter_model\.safetensors — check one more adapter/);
  pick.value = '/data/y/adapter_model.safetensors';
  pick.pressEnter();
  assert.deepEqual(
    (await result).map((u) => u.fsPath),
    ['/data/x/adapter_model.safetensors', '/data/y/adapter_model.safetensors'],
  );
});

test('Compare with…: the given adapter is A, the first checked is B, and one pick is enough', async () => {
  workspace(['a/adapter_model.safetensors', 'b/adapter_model.safetensors']);
  let placeholder = '';
  const got = await picked({ given: ['mine'], need: 1 }, (pick) => {
    assert.match(pick.placeholder, /^A: mine — check one more adapter/);
    pick.check('b/adapter_model.safetensors');
    placeholder = pick.placeholder;
    pick.pressEnter();
  });
  assert.equal(placeholder, 'A: mine · B: b/adapter_model.safetensors');
  assert.deepEqual(got, [`${WS}/b/adapter_model.safetensors`]);
});

test('the picker shows at once, busy, and lists the adapters when the search ends', async () => {
  workspace(['a/adapter_model.safetensors']);
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const search = fakeState.findFiles;
  fakeState.findFiles = async (...args) => {
    await gate;
    return search(...args);
  };
  const result = pickAdaptersInOrder('Compare', { given: [], need: 2 });
  await settle();
  const pick = lastPick();
  assert.equal(pick.visible, true);
  assert.equal(pick.busy, true);
  release();
  await settle();
  assert.equal(pick.busy, false);
  assert.ok(pick.items.some((i) => i.label === 'a/adapter_model.safetensors'));
  pick.escape();
  assert.deepEqual(await result, []);
});

test("the search looks for adapter names only, so a run's Trainer state cannot crowd shallow adapters out", async () => {
  const rng = Rng.fresh();
  const state = ['optimizer.pt', 'scheduler.pt', 'rng_state.pth', 'training_args.bin', 'model.safetensors'];
  const checkpoints = Array.from({ length: Math.ceil(MAX_SEARCHED / state.length) + rng.int(1, 50) }, (_, i) => `outputs/run/checkpoint-${i}`);
  const files = [...checkpoints.flatMap((c) => state.map((s) => `${c}/${s}`)), 'zz/adapter_model.safetensors', 'zz/Qwen-F16-LoRA.gguf', 'zz/te_LoKr.pt'];
  workspace(files);
  const got = await picked({ given: [], need: 2 }, (pick) => {
    assert.deepEqual(
      pick.items.filter((i) => i.uri).map((i) => i.label),
      ['zz/Qwen-F16-LoRA.gguf', 'zz/adapter_model.safetensors', 'zz/te_LoKr.pt'],
      rng.tag,
    );
    assert.ok(!pick.items.some((i) => i.kind === -1), `${rng.tag}: nothing was cut`);
  });
  assert.deepEqual(got, []);
  const re = globRegExp(adapterGlob());
  for (const name of state) assert.ok(!re.test(`a/${name}`), name);
});

test('a search cut by its time limit keeps what the finished folders found, and the picker says so', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  workspace(['fast/adapter_model.safetensors', 'slow/adapter_model.safetensors']);
  const search = fakeState.findFiles;
  fakeState.findFiles = (glob, exclude, max, token) => {
    const slow = (glob as { baseUri: FakeUri }).baseUri.path.endsWith('/slow');
    if (!slow) return search(glob, exclude, max, token);
    // A search cancelled by its token ends with nothing.
    return new Promise((resolve) => (token as { onCancellationRequested: (f: () => void) => void }).onCancellationRequested(() => resolve([])));
  };
  const result = pickAdaptersInOrder('Compare', { given: [], need: 2 });
  await settle();
  const pick = lastPick();
  assert.equal(pick.busy, true);
  t.mock.timers.tick(3000);
  await settle();
  assert.equal(pick.busy, false);
  assert.deepEqual(
    pick.items.filter((i) => i.uri).map((i) => i.label),
    ['fast/adapter_model.safetensors'],
  );
  const note = pick.items.find((i) => i.kind === -1);
  assert.match(note?.label ?? '', /stopped after 3 s with 1 of 3 folders unsearched/);
  pick.escape();
  await result;
});

test('compare arguments: a list in first place is the order, as is the explorer selection; code may pass A then a list', () => {
  const [a, b, c] = ['/x/a.safetensors', '/x/b.safetensors', '/x/c.safetensors'].map((p) => FakeUri.file(p));
  const paths = (args: unknown[]) => args.map((x) => (typeof x === 'string' ? x : (x as FakeUri).fsPath));
  assert.deepEqual(paths(orderedAdapterArgs([a, b], undefined)), [a.fsPath, b.fsPath]);
  assert.deepEqual(paths(orderedAdapterArgs([a.fsPath, b.fsPath, c.fsPath], undefined)), [a.fsPath, b.fsPath, c.fsPath]);
  assert.deepEqual(paths(orderedAdapterArgs(a, [b, c])), [a.fsPath, b.fsPath, c.fsPath]);
  // The explorer: right-clicking the second of three selected items keeps the selection's order.
  assert.deepEqual(paths(orderedAdapterArgs(b, [a, b, c])), [a.fsPath, b.fsPath, c.fsPath]);
  assert.deepEqual(paths(orderedAdapterArgs(a, undefined)), [a.fsPath]);
  assert.deepEqual(paths(orderedAdapterArgs(undefined, undefined)), []);
});

test('executeCommand(compareAdapters, [a, b]) compares both, with no picker', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    const names = [`a${rng.int(0, 999)}`, `b${rng.int(0, 999)}`];
    const files = names.map((n) => join(root, n, 'adapter_model.safetensors'));
    for (const f of files) {
      await mkdir(dirname(f), { recursive: true });
      await writeFile(f, '');
    }
    resetFake();
    const registration = registerCompareAdapters({ extensionUri: FakeUri.file('/ext'), service: {} } as unknown as HostContext);
    try {
      await fake.commands.executeCommand(
        'loraLens.compareAdapters',
        files.map((f) => FakeUri.file(f)),
      );
      await fake.commands.executeCommand('loraLens.compareAdapters', files);
    } finally {
      registration.dispose();
    }
    assert.equal(fakeState.picks.length, 0, `${rng.tag}: no picker for two given adapters`);
    assert.deepEqual(fakeState.panels, [`Compare ${names[0]} with ${names[1]}`, `Compare ${names[0]} with ${names[1]}`], rng.tag);
  } finally {
    await removeDir(root);
  }
});
