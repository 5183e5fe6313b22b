import { strict as assert } from 'node:assert';
import { stat } from 'node:fs/promises';
import { before, test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter, type ModuleResult } from '../../../src/core/analysis/analyze';
import { ResizeError } from '../../../src/core/resize/errors';
import { overviewOf } from '../../../src/host/payloads';
import { checkedMethod, methodText, rankPlanPayload } from '../../../src/host/resize/planPayload';
import type { LayerRow } from '../../../src/protocol/payloads';
import type { RankMethodPayload } from '../../../src/protocol/resizePayloads';
import { corpusPath } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

// A real PEFT adapter (Qwen2.5-0.5B, r = 8, q/v projections of 24 blocks), analysed by the core.
let layers: readonly LayerRow[];
let results: readonly ModuleResult[];

before(async () => {
  const opened = await openAdapter(corpusPath('peft-qwen25-muzammel', 'adapter_model.safetensors'));
  try {
    layers = overviewOf(opened.adapter, (await stat(opened.adapter.file)).size).layers;
    results = (await analyzeAdapter(opened)).modules;
  } finally {
    await opened.file.close();
  }
});

/** Smallest k whose first k σ² reach `level` of Σσ², summed here from the definition. */
function energyReference(sigma: Float64Array, level: number): number {
  const total = sigma.reduce((s, v) => s + v * v, 0);
  let acc = 0;
  for (let k = 0; k < sigma.length; k++) if ((acc += sigma[k] * sigma[k]) >= level * total) return k + 1;
  return sigma.length;
}

function tailEnergy(sigma: Float64Array, k: number): number {
  let tail = 0;
  for (let i = k; i < sigma.length; i++) tail += sigma[i] * sigma[i];
  return tail;
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE);

test('the plan of the analysed layers of a real adapter: kept ranks, errors and parameters by their definitions', () => {
  const rng = Rng.fresh();
  // Some layers not analysed yet: they are left out and counted as missing.
  const partial = results.map((r) => (rng.next() < 0.3 ? undefined : r));
  const level = rng.uniform(0.5, 0.99);
  const plan = rankPlanPayload(layers, partial, { kind: 'energy', level });
  const expected = layers.filter((l) => partial[l.index]?.status === 'ok').map((l) => l.index);
  assert.deepEqual([...plan.indices], expected, rng.tag);
  assert.equal(plan.missing, layers.length - expected.length);
  assert.match(plan.description, /energy/);
  let tailTotal = 0;
  let energyTotal = 0;
  let before = 0;
  let after = 0;
  plan.indices.forEach((index, j) => {
    const result = partial[index];
    assert.ok(result?.status === 'ok');
    const sigma = result.singularValues;
    const row = layers[index];
    const k = energyReference(sigma, level);
    assert.equal(plan.kept[j], k, `${row.name} at level ${level} ${rng.tag}`);
    assert.equal(plan.rank[j], row.rank);
    const total = tailEnergy(sigma, 0);
    const tail = tailEnergy(sigma, k);
    // Sums of a few squares in float64: a few ulps apart at most.
    assert.ok(relative(plan.relativeError[j], Math.sqrt(tail / total)) < 1e-12 || tail === 0, `${row.name} ${rng.tag}`);
    tailTotal += tail;
    energyTotal += total;
    before += row.rank * (row.rows + row.cols);
    after += k * (row.rows + row.cols);
  });
  assert.ok(relative(plan.overallRelativeError, Math.sqrt(tailTotal / energyTotal)) < 1e-12, rng.tag);
  assert.equal(plan.paramsBefore, before);
  assert.equal(plan.paramsAfter, after);
});

test("a rank budget spends exactly its total over the analysed layers, never above a layer's rank", () => {
  const rng = Rng.fresh();
  const sum = layers.reduce((s, l) => s + l.rank, 0);
  const total = rng.int(layers.length, sum);
  const plan = rankPlanPayload(layers, results, { kind: 'budget', unit: 'rank', total });
  assert.equal(
    plan.kept.reduce((s, k) => s + k, 0),
    total,
    rng.tag,
  );
  plan.kept.forEach((k, j) => assert.ok(k >= 1 && k <= plan.rank[j], rng.tag));
  assert.throws(
    () => rankPlanPayload(layers, results, { kind: 'budget', unit: 'rank', total: layers.length - 1 }),
    (e: unknown) => e instanceof ResizeError && e.code === 'BUDGET_TOO_SMALL',
  );
});

test("methods from the webview are read back by the core's parser; malformed ones are refused", () => {
  const methods: RankMethodPayload[] = [
    { kind: 'energy', level: 0.95 },
    { kind: 'above_mean' },
    { kind: 'sv_ratio', ratio: 2.5 },
    { kind: 'sv_fro', target: 0.9 },
    { kind: 'sv_cumulative', target: 0.75 },
    { kind: 'fixed', rank: 4 },
    { kind: 'budget', unit: 'rank', total: 64 },
    { kind: 'budget', unit: 'params', total: 1e6 },
  ];
  for (const m of methods) assert.deepEqual(checkedMethod(m), m, methodText(m));
  for (const bad of [
    null,
    'energy',
    {},
    { kind: 'nope' },
    { kind: 'energy', level: 2 },
    { kind: 'energy' },
    { kind: 'fixed', rank: 1.5 },
    { kind: 'budget', unit: 'bytes', total: 3 },
  ]) {
    assert.throws(
      () => checkedMethod(bad),
      (e: unknown) => e instanceof ResizeError && e.code === 'INVALID_METHOD',
      JSON.stringify(bad),
    );
  }
});
