import { strict as assert } from 'node:assert';
import { mkdir, readFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CancelledError } from '../../../src/core/cancellation';
import { CheckedPlan } from '../../../src/core/resize/checkedPlan';
import { checkResizeKeepingPlan, resizeAdapter, type ResizeOptions } from '../../../src/core/resize/resize';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

const MODULES = 3;

/** A three-module PEFT adapter in BF16 (so the write goes through the BF16 encoder). */
async function fixture(rng: Rng, dir: string): Promise<string> {
  const [m, n, r] = [12, 10, 4];
  const tensors = ['q', 'k', 'v'].flatMap((name) => [
    { name: `base_model.model.${name}.lora_A.weight`, shape: [r, n], values: gaussian(rng, r, n).data, dtype: 'BF16' as const },
    { name: `base_model.model.${name}.lora_B.weight`, shape: [m, r], values: gaussian(rng, m, r).data, dtype: 'BF16' as const },
  ]);
  return writeFixture(dir, 'adapter_model.safetensors', tensors, { config: { peft_type: 'LORA', r, lora_alpha: 8, target_modules: ['q', 'k', 'v'] } });
}

/** Options writing to `output`, recording each progress step. */
function optionsFor(input: string, output: string, steps: number[]): ResizeOptions {
  return { input, output, method: { kind: 'fixed', rank: 2 }, format: 'same', compute: { backend: 'js', device: 'auto' }, onProgress: (done) => steps.push(done) };
}

/** Pass one reports steps 1..MODULES; a write that reused the plan only reports pass two's. */
const ranPassOne = (steps: readonly number[]): boolean => steps.some((d) => d <= MODULES);

/** Wraps a checked plan so that its underlying close is counted. */
function counted(plan: CheckedPlan, options: ResizeOptions): { plan: CheckedPlan; closes: () => number } {
  let closes = 0;
  const inner = plan.planned;
  const wrapped = new CheckedPlan({ ...inner, close: () => (closes++, inner.close()) }, options);
  return { plan: wrapped, closes: () => closes };
}

test('a write that reuses the checked plan skips pass one and writes the same bytes as a fresh one', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    await mkdir(join(dir, 'src'));
    const input = await fixture(rng, join(dir, 'src'));
    const freshSteps: number[] = [];
    await resizeAdapter(optionsFor(input, join(dir, 'fresh'), freshSteps));
    assert.ok(ranPassOne(freshSteps));

    const reusedSteps: number[] = [];
    const options = optionsFor(input, join(dir, 'reused'), reusedSteps);
    const checked = await checkResizeKeepingPlan(options);
    assert.deepEqual(checked.problems, []);
    assert.ok(checked.plan);
    const { plan, closes } = counted(checked.plan, options);
    reusedSteps.length = 0;
    await resizeAdapter(options, plan);
    assert.ok(!ranPassOne(reusedSteps), `pass one ran again: ${reusedSteps.join(',')}`);
    assert.deepEqual(reusedSteps, [4, 5, 6], 'pass two still reports its modules');
    assert.equal(closes(), 1);
    await plan.close();
    assert.equal(closes(), 1, 'closing again is a no-op');
    await assert.rejects(plan.planned.opened.file.readBytes(plan.planned.opened.adapter.modules[0].tensors.A ?? ''), /closed/);
    const fresh = await readFile(join(dir, 'fresh', 'adapter_model.safetensors'));
    const reused = await readFile(join(dir, 'reused', 'adapter_model.safetensors'));
    assert.ok(fresh.equals(reused), 'the same bytes');
  } finally {
    await removeDir(dir);
  }
});

test('an input changed between check and write is planned again, and the stale plan is closed once', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    await mkdir(join(dir, 'src'));
    const input = await fixture(rng, join(dir, 'src'));
    const steps: number[] = [];
    const options = optionsFor(input, join(dir, 'out'), steps);
    const checked = await checkResizeKeepingPlan(options);
    assert.ok(checked.plan);
    const { plan, closes } = counted(checked.plan, options);
    // Same size, other values: only the stamp's mtime tells them apart. Pinned mtimes make the
    // test independent of the file system's timestamp resolution.
    const before = await readFile(input);
    await fixture(rng, join(dir, 'src'));
    assert.equal((await readFile(input)).length, before.length);
    await utimes(input, new Date(1_000_000), new Date(1_000_000));
    assert.equal(await plan.fits(options), false);
    steps.length = 0;
    await resizeAdapter(options, plan);
    assert.ok(ranPassOne(steps), 'pass one ran on the changed input');
    assert.equal(closes(), 1);

    const expected: number[] = [];
    await resizeAdapter(optionsFor(input, join(dir, 'expected'), expected));
    const written = await readFile(join(dir, 'out', 'adapter_model.safetensors'));
    assert.ok(written.equals(await readFile(join(dir, 'expected', 'adapter_model.safetensors'))), 'written from the new content');
  } finally {
    await removeDir(dir);
  }
});

test('a plan for other options is not reused; a cancelled write still closes the plan once', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    await mkdir(join(dir, 'src'));
    const input = await fixture(rng, join(dir, 'src'));
    const steps: number[] = [];
    const options = optionsFor(input, join(dir, 'out'), steps);
    const other = await checkResizeKeepingPlan(options);
    assert.ok(other.plan);
    const a = counted(other.plan, options);
    assert.equal(await a.plan.fits({ ...options, method: { kind: 'fixed', rank: 1 } }), false);
    assert.equal(await a.plan.fits({ ...options, output: join(dir, 'elsewhere') }), false);
    assert.equal(await a.plan.fits({ ...options, token: { isCancellationRequested: false } }), true, 'token and progress do not change a plan');
    await a.plan.close();
    assert.equal(await a.plan.fits(options), false, 'a closed plan fits nothing');

    const checked = await checkResizeKeepingPlan(options);
    assert.ok(checked.plan);
    const b = counted(checked.plan, options);
    await assert.rejects(resizeAdapter({ ...options, token: { isCancellationRequested: true } }, b.plan), CancelledError);
    assert.equal(b.closes(), 1);
    assert.equal(a.closes(), 1);
  } finally {
    await removeDir(dir);
  }
});

test('problems found by the check close the plan and hand none out', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const input = await fixture(rng, dir);
    // The PEFT output folder is the input's own: refused, nothing kept open.
    const checked = await checkResizeKeepingPlan({ input, output: dir, method: { kind: 'fixed', rank: 2 }, format: 'peft', overwrite: true });
    assert.ok(checked.problems.length > 0);
    assert.equal(checked.plan, null);
  } finally {
    await removeDir(dir);
  }
});
