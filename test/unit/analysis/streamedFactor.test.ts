import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter, type OpenedAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter, type ModuleResult } from '../../../src/core/analysis/analyze';
import { CancelledError } from '../../../src/core/cancellation';
import { FactorTooLargeError } from '../../../src/core/analysis/factorErrors';
import { readLowRank } from '../../../src/core/analysis/factors';
import type { FactorLimits } from '../../../src/core/analysis/streamedFactor';
import { readBasis } from '../../../src/core/subspace/bases';
import { gradedPair } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { materialize, referenceSingularValues } from '../../helpers/referenceSvd';

/**
 * Factors past the whole-read bound: the spectrum takes their R from row blocks (tall-skinny
 * QR), reading no range larger than a block, and matches the float64 reference as the whole
 * path does; readers without a streamed path refuse them by name (TENSOR_TOO_LARGE).
 */

const PREFIX = 'base_model.model.layers.0.q_proj';

/** Records the largest element range each tensor is read with, and whether any read was whole. */
function spyReads(opened: OpenedAdapter): { largest: Map<string, number>; whole: Set<string> } {
  const largest = new Map<string, number>();
  const whole = new Set<string>();
  const file = opened.file;
  const original = file.readBytes.bind(file);
  file.readBytes = (tensor, range, target) => {
    const name = typeof tensor === 'string' ? tensor : tensor.name;
    if (!range) whole.add(name);
    else largest.set(name, Math.max(largest.get(name) ?? 0, range.count));
    return original(tensor, range, target);
  };
  return { largest, whole };
}

function singularValuesOf(result: ModuleResult | undefined): Float64Array {
  assert.ok(result?.status === 'ok', result?.status === 'skipped' ? result.reason : 'no result');
  return result.singularValues;
}

async function writeGraded(dir: string, rng: Rng, m: number, n: number, r: number): Promise<{ path: string; reference: number[] }> {
  const { B, A } = gradedPair(rng, m, n, r, 1e6, 'random');
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      { name: `${PREFIX}.lora_A.weight`, shape: [r, n], values: A.data },
      { name: `${PREFIX}.lora_B.weight`, shape: [m, r], values: B.data },
    ],
    { config: { peft_type: 'LORA', r, lora_alpha: 2 * r } },
  );
  return { path, reference: referenceSingularValues(materialize(2, B, A)).slice(0, r) };
}

for (const [label, limits] of [
  ['both factors', { maxElements: 100, blockElements: 37 }],
  ['only Aᵀ', { maxElements: 200, blockElements: 64 }],
  ['one row per block', { maxElements: 10, blockElements: 1 }],
] as [string, FactorLimits][]) {
  test(`streamed R (${label}) matches the float64 reference and the whole path, reading no range past a block`, async () => {
    for (let trial = 0; trial < 3; trial++) {
      const rng = Rng.fresh();
      const dir = await tempDir();
      try {
        const { path, reference } = await writeGraded(dir, rng, 30, 120, 4);
        const opened = await openAdapter(path);
        try {
          const whole = singularValuesOf((await analyzeAdapter(opened)).modules[0]);
          const reads = spyReads(opened);
          const streamed = singularValuesOf((await analyzeAdapter(opened, { factorLimits: limits })).modules[0]);
          assert.ok(!reads.whole.has(`${PREFIX}.lora_A.weight`), `lora_A was read whole (seed ${rng.seed})`);
          assert.ok((reads.largest.get(`${PREFIX}.lora_A.weight`) ?? 0) <= limits.blockElements, `a read of ${reads.largest.get(`${PREFIX}.lora_A.weight`)} elements`);
          if (limits.maxElements < 120) assert.ok(!reads.whole.has(`${PREFIX}.lora_B.weight`), 'lora_B was read whole');
          assert.equal(streamed.length, reference.length);
          for (let i = 0; i < reference.length; i++) {
            const error = Math.abs(streamed[i] - reference[i]) / reference[i];
            assert.ok(error < 1e-10, `σ${i + 1}: ${streamed[i]} vs ${reference[i]} (relative ${error}, seed ${rng.seed})`);
            assert.ok(Math.abs(streamed[i] - whole[i]) <= 1e-10 * whole[i], `σ${i + 1} streamed ${streamed[i]}, whole ${whole[i]}`);
          }
        } finally {
          await opened.file.close();
        }
      } finally {
        await removeDir(dir);
      }
    }
  });
}

test('readers without a streamed path refuse a factor past the bound with TENSOR_TOO_LARGE, naming it and the limit', async () => {
  const dir = await tempDir();
  try {
    const { path } = await writeGraded(dir, Rng.fresh(), 30, 120, 4);
    const opened = await openAdapter(path);
    try {
      const f = opened.adapter.modules[0].factors;
      assert.ok(f?.type === 'lowRank');
      await assert.rejects(readLowRank(opened.file, f, 'float64-wide', undefined, { maxElements: 200, blockElements: 64 }), (error: unknown) => {
        assert.ok(error instanceof FactorTooLargeError);
        assert.equal(error.code, 'TENSOR_TOO_LARGE');
        assert.match(error.message, new RegExp(`${PREFIX.replaceAll('.', '\\.')}\\.lora_A\\.weight has 480 elements, past the 200`));
        return true;
      });
      // Under the default bound the same factors are read whole, as before.
      const basis = await readBasis(opened.file, opened.adapter.modules[0]);
      assert.ok('basis' in basis);
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('a streamed factor stops between blocks when the analysis is cancelled', async () => {
  const dir = await tempDir();
  try {
    const { path } = await writeGraded(dir, Rng.fresh(), 30, 120, 4);
    const opened = await openAdapter(path);
    try {
      let reads = 0;
      const token = { isCancellationRequested: false };
      const original = opened.file.readBytes.bind(opened.file);
      opened.file.readBytes = (tensor, range, target) => {
        if (range && ++reads === 3) token.isCancellationRequested = true;
        return original(tensor, range, target);
      };
      await assert.rejects(analyzeAdapter(opened, { token, factorLimits: { maxElements: 10, blockElements: 4 } }), (error: unknown) => error instanceof CancelledError);
      // Cancelled at the third block read of B (30 rows, one a block), not after all of them.
      assert.ok(reads < 10, `${reads} block reads after the cancellation`);
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});
