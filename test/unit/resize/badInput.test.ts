import { strict as assert } from 'node:assert';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ResizeError } from '../../../src/core/resize/errors';
import { checkResize, resizeAdapter, type ResizeOptions } from '../../../src/core/resize/resize';
import { gaussian } from '../../helpers/factors';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

const isResizeError = (code: string) => (e: unknown) => e instanceof ResizeError && e.code === code;

/** A two-module PEFT adapter; the second module's B is zero when asked (an untrained module). */
async function peftFixture(rng: Rng, dir: string, zeroB = false): Promise<string> {
  const [m, n, r] = [8, 6, 3];
  return writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      { name: 'base_model.model.a.lora_A.weight', shape: [r, n], values: gaussian(rng, r, n).data, dtype: 'F32' },
      { name: 'base_model.model.a.lora_B.weight', shape: [m, r], values: gaussian(rng, m, r).data, dtype: 'F32' },
      { name: 'base_model.model.b.lora_A.weight', shape: [r, n], values: gaussian(rng, r, n).data, dtype: 'F32' },
      { name: 'base_model.model.b.lora_B.weight', shape: [m, r], values: zeroB ? new Float64Array(m * r) : gaussian(rng, m, r).data, dtype: 'F32' },
    ],
    { config: { peft_type: 'LORA', r, lora_alpha: 6, target_modules: ['a', 'b'] } },
  );
}

async function listing(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

test('an existing output is refused without overwrite and replaced with it; no temporary file is left', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const src = join(dir, 'src');
    await mkdir(src);
    const input = await peftFixture(rng, src);
    const output = join(dir, 'out');
    const options: ResizeOptions = { input, output, method: { kind: 'fixed', rank: 2 }, format: 'same' };
    const first = await resizeAdapter(options);
    assert.deepEqual(first.files.map((f) => f.slice(output.length + 1)).sort(), ['adapter_config.json', 'adapter_model.safetensors', 'resize-report.json', 'resize-report.md']);
    const before = await readFile(join(output, 'adapter_model.safetensors'));
    const listed = await listing(dir);
    await assert.rejects(resizeAdapter({ ...options, method: { kind: 'fixed', rank: 1 } }), isResizeError('OUTPUT_EXISTS'));
    assert.deepEqual(await readFile(join(output, 'adapter_model.safetensors')), before, 'the refused run wrote nothing');
    assert.deepEqual(await listing(dir), listed);
    assert.match((await checkResize({ ...options })).join('\n'), /already exist/);
    await resizeAdapter({ ...options, method: { kind: 'fixed', rank: 1 }, overwrite: true });
    assert.notDeepEqual(await readFile(join(output, 'adapter_model.safetensors')), before, 'overwrite replaced it');
    assert.deepEqual(await listing(dir), listed, 'the same files, no temporary ones');
  } finally {
    await removeDir(dir);
  }
});

test('the input is never overwritten, even with overwrite', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const input = await peftFixture(rng, dir);
    const before = await readFile(input);
    // A PEFT output folder that is the input's, a kohya output file that is the input.
    for (const [output, format] of [
      [dir, 'peft'],
      [input, 'kohya'],
      [dir, 'same'],
    ] as const) {
      await assert.rejects(resizeAdapter({ input, output, method: { kind: 'fixed', rank: 1 }, format, overwrite: true }), isResizeError('OUTPUT_IS_INPUT'));
    }
    assert.deepEqual(await readFile(input), before);
    assert.deepEqual(await listing(dir), ['adapter_config.json', 'adapter_model.safetensors']);
  } finally {
    await removeDir(dir);
  }
});

test('a kept rank of 0, a missing or non-folder output parent and a budget too small are said before writing', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const src = join(dir, 'src');
    await mkdir(src);
    const input = await peftFixture(rng, src, true);
    const zero = { input, output: join(dir, 'out'), method: { kind: 'energy', level: 0.95 }, format: 'same' } as const;
    await assert.rejects(resizeAdapter(zero), (e: unknown) => e instanceof ResizeError && e.code === 'KEPT_RANK_ZERO' && /\bb\b/.test(e.message));
    assert.equal((await checkResize(zero)).length, 1);
    // kohya's rules keep rank 1 for a zero ΔW, so the same adapter resizes with them.
    await resizeAdapter({ ...zero, method: { kind: 'sv_fro', target: 0.9 } });

    await writeFile(join(dir, 'plain-file'), 'x');
    const problems = [
      await checkResize({ ...zero, method: { kind: 'fixed', rank: 1 }, output: join(dir, 'missing', 'deeper', 'out') }),
      await checkResize({ ...zero, method: { kind: 'fixed', rank: 1 }, output: join(dir, 'plain-file', 'out.safetensors'), format: 'kohya' }),
      await checkResize({ ...zero, method: { kind: 'fixed', rank: 1 }, output: join(dir, 'k.bin'), format: 'kohya' }),
    ];
    assert.match(problems[0].join(), /does not exist/);
    assert.match(problems[1].join(), /does not exist/);
    assert.match(problems[2].join(), /\.safetensors/);
    await assert.rejects(resizeAdapter({ ...zero, output: join(dir, 'out2'), method: { kind: 'budget', unit: 'rank', total: 1 } }), isResizeError('BUDGET_TOO_SMALL'));
    await assert.rejects(stat(join(dir, 'missing')));
    assert.deepEqual(
      (await listing(dir)).filter((f) => !f.startsWith('src') && !f.startsWith('out')),
      ['plain-file'],
    );
  } finally {
    await removeDir(dir);
  }
});

test('LoKr cannot be written as kohya LoRA; copied unchanged it leaves nothing to truncate', async () => {
  const dir = await tempDir();
  try {
    const input = corpusPath('lycoris-lokr-r4', 'smart_falcon_4_lokr.safetensors');
    const output = join(dir, 'lokr.safetensors');
    await assert.rejects(
      resizeAdapter({ input, output, method: { kind: 'fixed', rank: 2 }, format: 'kohya' }),
      (e: unknown) => e instanceof ResizeError && e.code === 'UNWRITABLE_LAYOUT' && /LoKr/.test(e.message) && /Kronecker/.test(e.message),
    );
    await assert.rejects(resizeAdapter({ input, output, method: { kind: 'fixed', rank: 2 }, format: 'same' }), isResizeError('NO_MODULES'));
    assert.deepEqual(await listing(dir), []);
  } finally {
    await removeDir(dir);
  }
});

test('keeping a mixer is refused in words (a truncation is a plain pair)', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const r = 3;
    const input = await writeFixture(
      dir,
      'adapter_model.safetensors',
      [
        { name: 'base_model.model.fc.lora_A.weight', shape: [r, 5], values: gaussian(rng, r, 5).data },
        { name: 'base_model.model.fc.lora_B.weight', shape: [6, r], values: gaussian(rng, 6, r).data },
        { name: 'base_model.model.fc.lora_AB.weight', shape: [r, r], values: gaussian(rng, r, r).data },
      ],
      { config: { peft_type: 'LORA', r, lora_alpha: 3 } },
    );
    const problems = await checkResize({ input, output: join(dir, 'out'), method: { kind: 'above_mean' }, format: 'same', foldMixer: false });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /mixer/);
  } finally {
    await removeDir(dir);
  }
});
