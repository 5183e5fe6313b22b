import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAgainstBase, type BaseModuleResult } from '../../../src/core/base/analyzeBase';
import { BaseModel, type BaseWeight } from '../../../src/core/base/baseModel';
import { streamedWeightOperator, type BaseWeightLimits } from '../../../src/core/base/streamedWeight';
import { CancelledError } from '../../../src/core/cancellation';
import { JsDenseEngine } from '../../../src/core/compute/dense';
import type { Matrix } from '../../../src/core/linalg/matrix';
import type { SafetensorsFile } from '../../../src/core/safetensors/reader';
import { writeBaseFixture } from '../../helpers/baseFixture';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/**
 * Base weights past the whole-read bound are operators that read the weight in row blocks on
 * every product: the same numbers as the in-memory path, no read of the whole weight and none
 * larger than a block.
 */

/** Records, per file, whether a tensor was read whole and the largest element range read. */
function spyReads(files: Iterable<SafetensorsFile>): { whole: Set<string>; largest: () => number } {
  const whole = new Set<string>();
  let largest = 0;
  for (const file of new Set(files)) {
    const original = file.readBytes.bind(file);
    file.readBytes = (tensor, range, target) => {
      if (!range) whole.add(typeof tensor === 'string' ? tensor : tensor.name);
      else largest = Math.max(largest, range.count);
      return original(tensor, range, target);
    };
  }
  return { whole, largest: () => largest };
}

/** Every number of a result, in a fixed order (typed arrays, arrays, nested objects). */
function numbersOf(value: unknown, out: number[] = []): number[] {
  if (typeof value === 'number') out.push(value);
  else if (ArrayBuffer.isView(value)) out.push(...Array.from(value as Float64Array));
  else if (Array.isArray(value)) for (const v of value) numbersOf(v, out);
  else if (value && typeof value === 'object') for (const key of Object.keys(value).sort()) numbersOf((value as Record<string, unknown>)[key], out);
  return out;
}

function close(a: number, b: number, tolerance: number): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

test('a streamed base weight gives the in-memory analysis (alignment, intruders, top SVD), reading only row blocks', async () => {
  const seed = Rng.fresh().seed;
  const dir = await tempDir();
  try {
    const fixture = await writeBaseFixture(dir, new Rng(seed));
    const opened = await openAdapter(fixture.adapter);
    const run = async (limits?: BaseWeightLimits) => {
      const base = await BaseModel.open(fixture.base);
      try {
        const reads = spyReads([...base.weights.values()].map((w) => w.file));
        const rng = new Rng(seed + 1);
        const result = await analyzeAgainstBase(opened, base, new JsDenseEngine(), { k: 2, gaussian: () => rng.gaussian(), ...(limits ? { weightLimits: limits } : {}) });
        return { result, reads };
      } finally {
        await base.close();
      }
    };
    try {
      const limits = { maxElements: 100, blockElements: 100 };
      const dense = await run();
      const streamed = await run(limits);
      assert.equal(dense.reads.whole.size > 0, true);
      assert.equal(streamed.reads.whole.size, 0, `read whole: ${[...streamed.reads.whole].join(', ')}`);
      assert.ok(streamed.reads.largest() <= limits.blockElements, `a read of ${streamed.reads.largest()} elements`);
      const ok = (m: BaseModuleResult) => m.status === 'ok';
      assert.deepEqual(streamed.result.modules.map(ok), dense.result.modules.map(ok));
      for (const [i, d] of dense.result.modules.entries()) {
        const s = streamed.result.modules[i];
        if (d.status !== 'ok' || s.status !== 'ok') continue;
        const want = numbersOf([d.baseValues, d.alignment, d.intruders.bestCosines, d.intruders.tunedValues, d.intruders.indices]);
        const got = numbersOf([s.baseValues, s.alignment, s.intruders.bestCosines, s.intruders.tunedValues, s.intruders.indices]);
        assert.equal(got.length, want.length);
        for (let j = 0; j < want.length; j++) assert.ok(close(got[j], want[j], 1e-8), `${d.name} number ${j}: ${got[j]} vs ${want[j]} (seed ${seed})`);
        // The exact (QR) conversion needs W0 whole; a streamed weight takes the truncated one.
        assert.equal(s.conversion.method, 'truncated');
      }
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});

for (const dtype of ['F32', 'BF16'] as const) {
  for (const transposed of [false, true]) {
    test(`the streamed operator's W0·X and W0ᵀ·Y equal the dense ones (${dtype}, ${transposed ? 'transposed' : 'as stored'})`, async () => {
      const rng = Rng.fresh();
      const dir = await tempDir();
      try {
        const [rows, cols, l] = [37, 23, 3];
        await writeFixture(dir, 'model.safetensors', [{ name: 'w', shape: [rows, cols], values: rng.gaussians(rows * cols), dtype }]);
        const base = await BaseModel.open(join(dir, 'model.safetensors'));
        try {
          const weight = base.weights.get('w') as BaseWeight;
          const engine = new JsDenseEngine();
          const dense = await base.readMatrix(weight, transposed);
          const op = streamedWeightOperator(weight, transposed, engine, { maxElements: 1, blockElements: 50 });
          assert.deepEqual([op.rows, op.cols], [dense.rows, dense.cols]);
          const X: Matrix = { rows: op.cols, cols: l, data: rng.gaussians(op.cols * l) };
          const Y: Matrix = { rows: op.rows, cols: l, data: rng.gaussians(op.rows * l) };
          for (const [got, want] of [
            [await op.times(X), await engine.times(dense, X)],
            [await op.timesTransposed(Y), await engine.timesTransposed(dense, Y)],
          ]) {
            assert.deepEqual([got.rows, got.cols], [want.rows, want.cols]);
            for (let i = 0; i < want.data.length; i++)
              assert.ok(Math.abs(got.data[i] - want.data[i]) <= 1e-12 * (1 + Math.abs(want.data[i])), `${i}: ${got.data[i]} vs ${want.data[i]} (${rng.tag})`);
          }
        } finally {
          await base.close();
        }
      } finally {
        await removeDir(dir);
      }
    });
  }
}

test('a streamed base weight stops between blocks when the analysis is cancelled', async () => {
  const dir = await tempDir();
  try {
    const fixture = await writeBaseFixture(dir, Rng.fresh());
    const opened = await openAdapter(fixture.adapter);
    const base = await BaseModel.open(fixture.base);
    try {
      let reads = 0;
      const token = { isCancellationRequested: false };
      for (const file of new Set([...base.weights.values()].map((w) => w.file))) {
        const original = file.readBytes.bind(file);
        file.readBytes = (tensor, range, target) => {
          if (range && ++reads === 3) token.isCancellationRequested = true;
          return original(tensor, range, target);
        };
      }
      await assert.rejects(
        analyzeAgainstBase(opened, base, new JsDenseEngine(), { k: 2, token, weightLimits: { maxElements: 100, blockElements: 64 } }),
        (error: unknown) => error instanceof CancelledError,
      );
      assert.equal(reads, 3);
    } finally {
      await base.close();
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});
