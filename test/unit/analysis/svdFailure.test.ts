import { strict as assert } from 'node:assert';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter } from '../../../src/core/analysis/analyze';
import type { CancellationToken } from '../../../src/core/cancellation';
import type { FactorPair, PairOverlap, TallFactor } from '../../../src/core/compute/backend';
import { JsBackend } from '../../../src/core/compute/jsBackend';
import type { Matrix } from '../../../src/core/linalg/matrix';
import { SvdConvergenceError } from '../../../src/core/linalg/svd';
import { prepareAdapter } from '../../../src/core/resize/prepare';
import { compareAdapters } from '../../../src/core/subspace/compare';
import { checkpointSeries } from '../../../src/core/subspace/checkpoints';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/** The JS backend, except that any call with a factor `rows` tall fails as a non-converged SVD would (unless only its overlaps are to fail). */
class FailingBackend extends JsBackend {
  constructor(
    private readonly rows: number,
    private readonly overlapsOnly = false,
  ) {
    super();
  }

  override async triangularFactors(factors: readonly TallFactor[], token?: CancellationToken): Promise<Matrix[]> {
    if (!this.overlapsOnly && factors.some((f) => f.rows === this.rows)) throw new SvdConvergenceError(`Jacobi SVD did not converge in 60 sweeps (${this.rows}×${this.rows})`);
    return super.triangularFactors(factors, token);
  }

  /** Overlaps as computed, except that R of every `rows`-tall factor is NaN at its top left (numbers that cannot be computed). */
  override async pairOverlaps(pairs: readonly FactorPair[], token?: CancellationToken): Promise<PairOverlap[]> {
    const out = await super.pairOverlaps(pairs, token);
    return out.map((o, i) => {
      if (pairs[i].first.rows !== this.rows) return o;
      const R1 = { ...o.R1, data: o.R1.data.slice() };
      R1.data[0] = NaN;
      return { ...o, R1 };
    });
  }
}

/** Three PEFT modules; only `broken`'s B is 11 rows tall. */
async function fixture(dir: string, rng: Rng, sub = '.'): Promise<string> {
  const r = 4;
  const tensors = (
    [
      ['first', 6],
      ['broken', 11],
      ['last', 6],
    ] as const
  ).flatMap(([name, rows]) => [
    { name: `base_model.model.${name}.lora_A.weight`, shape: [r, 7], values: gaussian(rng, r, 7).data },
    { name: `base_model.model.${name}.lora_B.weight`, shape: [rows, r], values: gaussian(rng, rows, r).data },
  ]);
  await mkdir(join(dir, sub), { recursive: true });
  return writeFixture(join(dir, sub), 'adapter_model.safetensors', tensors, { config: { peft_type: 'LORA', r, lora_alpha: r } });
}

test('an SVD that does not converge skips its module with the reason; the analysis and resize preparation go on with the rest', async () => {
  const dir = await tempDir();
  try {
    const rng = Rng.fresh();
    const opened = await openAdapter(await fixture(dir, rng));
    try {
      const clean = await analyzeAdapter(opened);
      const analysis = await analyzeAdapter(opened, { backend: new FailingBackend(11) });
      const byName = new Map(analysis.modules.map((m) => [m.name, m]));
      const broken = byName.get('broken');
      assert.ok(broken && broken.status === 'skipped' && /did not converge/.test(broken.reason), `broken is skipped with the reason ${rng.tag}`);
      for (const name of ['first', 'last']) {
        const got = byName.get(name);
        const want = clean.modules.find((m) => m.name === name);
        assert.ok(got?.status === 'ok' && want?.status === 'ok', `${name} is analysed ${rng.tag}`);
        assert.deepEqual(got.singularValues, want.singularValues, `${name}: the same values as alone ${rng.tag}`);
      }
      const prepared = await prepareAdapter(opened.file, opened.adapter, new FailingBackend(11));
      assert.deepEqual(
        prepared.modules.map((m) => m.module.name),
        ['first', 'last'],
        `the others are prepared ${rng.tag}`,
      );
      assert.ok(prepared.skipped.length === 1 && /did not converge/.test(prepared.skipped[0].reason), `broken is skipped with the reason ${rng.tag}`);
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('a module pair whose numbers cannot be computed is listed with the reason; the comparison goes on with the rest', async () => {
  const dir = await tempDir();
  try {
    const rng = Rng.fresh();
    const a = await openAdapter(await fixture(dir, rng, 'a'));
    const b = await openAdapter(await fixture(dir, rng, 'b'));
    try {
      const comparison = await compareAdapters(a, b, { backend: new FailingBackend(11) });
      assert.deepEqual(
        comparison.modules.map((m) => m.name),
        ['first', 'last'],
        `the others are compared ${rng.tag}`,
      );
      const broken = comparison.unmatched.find((u) => u.name === 'broken');
      assert.ok(broken && /cannot be computed/.test(broken.reason), `broken is listed with the reason ${rng.tag}`);
    } finally {
      await a.file.close();
      await b.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('a checkpoint pair whose numbers cannot be computed is listed with the reason; the series goes on with the rest', async () => {
  const dir = await tempDir();
  try {
    const rng = Rng.fresh();
    const paths = [await fixture(dir, rng, 'checkpoint-100'), await fixture(dir, rng, 'checkpoint-200')];
    // The factors' R come back (each checkpoint's side is read); only the pair's numbers fail.
    const series = await checkpointSeries(paths, { backendFor: () => new FailingBackend(11, true) });
    const byName = new Map(series.modules.map((m) => [m.name, m]));
    for (const name of ['first', 'last']) {
      const cosines = byName.get(name)?.cosineToFinal ?? [];
      assert.ok(cosines.length > 0 && cosines.every((c) => c !== null && Number.isFinite(c)), `${name} is compared: ${cosines} ${rng.tag}`);
    }
    assert.ok(byName.get('broken')?.cosineToFinal.every((c) => c === null) ?? true, `broken has no numbers ${rng.tag}`);
    const broken = series.unmatched.find((u) => u.name === 'broken');
    assert.ok(broken && /cannot be computed/.test(broken.reason), `broken is listed with the reason ${rng.tag}`);
  } finally {
    await removeDir(dir);
  }
});
