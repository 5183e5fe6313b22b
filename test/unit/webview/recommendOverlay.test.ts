import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { LayerAnalysis } from '../../../src/protocol/payloads';
import type { RankPlanPayload } from '../../../src/protocol/resizePayloads';
import { rankChartModel } from '../../../webview/model/rankChartModel';
import { formatError, recommendCaption, recommendOverlay } from '../../../webview/model/recommendOverlay';
import { Rng } from '../../helpers/random';
import { analysed, layerRow } from './fakeLayers';

const OPTIONS = { grouping: 'block', slot: 16, groupGap: 6, height: 300, minWidth: 100 } as const;

/** Layers in a few blocks, a random plan over some of them, and the chart it sits on. */
function scene(rng: Rng) {
  const count = rng.int(4, 30);
  const layers = Array.from({ length: count }, (_, i) => {
    const depth = Math.floor(i / 3);
    return layerRow(i, { block: `layers.${depth}`, depth, rank: rng.int(2, 32), rows: rng.int(8, 512), cols: rng.int(8, 512) });
  });
  const results = new Map<number, LayerAnalysis>();
  const indices: number[] = [];
  for (const row of layers) {
    if (row.index > 0 && rng.next() < 0.2) continue;
    const sigma = Array.from({ length: row.rank }, () => Math.abs(rng.gaussian()) + 1e-3).sort((a, b) => b - a);
    results.set(row.index, analysed(row.index, sigma, row.rank));
    indices.push(row.index);
  }
  const rank = indices.map((i) => layers[i].rank);
  const kept = rank.map((r) => rng.int(1, r));
  const relativeError = kept.map((k, j) => (k === rank[j] ? 0 : rng.uniform(0, 0.6)));
  const plan: RankPlanPayload = {
    description: 'kohya sv_fro 0.9',
    indices: Int32Array.from(indices),
    rank: Int32Array.from(rank),
    kept: Int32Array.from(kept),
    relativeError: Float64Array.from(relativeError),
    overallRelativeError: rng.uniform(0, 0.5),
    paramsBefore: indices.reduce((s, i) => s + layers[i].rank * (layers[i].rows + layers[i].cols), 0),
    paramsAfter: indices.reduce((s, i, j) => s + kept[j] * (layers[i].rows + layers[i].cols), 0),
    missing: count - indices.length,
  };
  return { layers, results, plan, chart: rankChartModel(layers, results, OPTIONS) };
}

test("a marker sits at each layer's kept rank across its slot, its error on the right-hand axis", () => {
  for (let trial = 0; trial < 20; trial++) {
    const rng = Rng.fresh();
    const { plan, chart } = scene(rng);
    const overlay = recommendOverlay(chart, plan);
    assert.equal(overlay.markers.length, plan.indices.length, rng.tag);
    const [e0, e1] = overlay.error.domain();
    assert.equal(e0, 0);
    assert.ok(e1 >= Math.max(...plan.relativeError), `the error axis reaches the largest error ${rng.tag}`);
    assert.deepEqual(overlay.error.range(), [chart.plot.bottom, chart.plot.top]);
    // The error axis stands right of every bar and marker, inside the chart.
    assert.ok(overlay.axisX > Math.max(...chart.bars.map((b) => b.x + b.width)), rng.tag);
    assert.ok(overlay.axisX < chart.width - 40, rng.tag);
    const rankPixels = (chart.y.range()[0] - chart.y.range()[1]) / (chart.y.domain()[1] - chart.y.domain()[0]);
    const errorPixels = (chart.plot.bottom - chart.plot.top) / e1;
    for (const m of overlay.markers) {
      const j = plan.indices.indexOf(m.index);
      const slot = chart.slots.get(m.index);
      assert.ok(slot, rng.tag);
      assert.equal(m.kept, plan.kept[j]);
      assert.equal(m.rank, plan.rank[j]);
      assert.ok(Math.abs(chart.plot.bottom - m.y - m.kept * rankPixels) < 1e-9, `marker height is the kept rank ${rng.tag}`);
      assert.ok(Math.abs(chart.plot.bottom - m.errorY - plan.relativeError[j] * errorPixels) < 1e-9, `error point ${rng.tag}`);
      assert.ok(m.x >= slot.x && m.x + m.width <= slot.x + chart.slotWidth + 1e-9, `marker inside its slot ${rng.tag}`);
      // The marker spans the layer's bars: every bar of the layer lies within the slot too.
      for (const bar of chart.bars.filter((b) => b.index === m.index)) assert.ok(bar.x >= slot.x && bar.x + bar.width <= slot.x + chart.slotWidth + 1e-9);
    }
    // The error line runs left to right and breaks between groups: one polyline per group with a plan entry.
    const groupsWithEntries = new Set([...plan.indices].map((i) => chart.slots.get(i)?.group));
    assert.equal(overlay.errorLines.length, groupsWithEntries.size, rng.tag);
    for (const line of overlay.errorLines) for (let i = 1; i < line.length; i++) assert.ok(line[i][0] > line[i - 1][0], rng.tag);
    assert.equal(
      overlay.errorLines.reduce((s, l) => s + l.length, 0),
      plan.indices.length,
    );
  }
});

test('entries without a slot (a plan for an older overview) are left out', () => {
  const rng = Rng.fresh();
  const { plan, chart } = scene(rng);
  const stale = { ...plan, indices: Int32Array.from(plan.indices, (i, j) => (j === 0 ? 10_000 : i)) };
  assert.equal(recommendOverlay(chart, stale).markers.length, plan.indices.length - 1, rng.tag);
});

test('a plan that keeps everything has zero error and still a drawable error axis', () => {
  const rng = Rng.fresh();
  const { plan, chart } = scene(rng);
  const full = { ...plan, kept: plan.rank, relativeError: new Float64Array(plan.rank.length), overallRelativeError: 0 };
  const overlay = recommendOverlay(chart, full);
  assert.ok(overlay.error.domain()[1] > 0);
  assert.ok(overlay.markers.every((m) => m.errorY === chart.plot.bottom));
});

test('the caption states the method, ranks and parameters kept, the share saved and the overall error', () => {
  const rng = Rng.fresh();
  const { plan } = scene(rng);
  const caption = recommendCaption(plan);
  const kept = plan.kept.reduce((s, k) => s + k, 0);
  const rank = plan.rank.reduce((s, k) => s + k, 0);
  assert.ok(
    caption.startsWith(`kohya sv_fro 0.9: keeps ${kept.toLocaleString('en-US')} of ${rank.toLocaleString('en-US')} ranks in ${plan.indices.length} layer`),
    `${caption} ${rng.tag}`,
  );
  assert.ok(caption.includes(`parameters ${plan.paramsBefore.toLocaleString('en-US')} → ${plan.paramsAfter.toLocaleString('en-US')}`), caption);
  const saved = Number(/\(([\d.]+)% saved\)/.exec(caption)?.[1]);
  assert.ok(Math.abs(saved / 100 - (1 - plan.paramsAfter / plan.paramsBefore)) <= 0.0005 + 1e-12, `${caption} ${rng.tag}`);
  const overall = Number(/overall relative error ([\d.e+-]+)%/.exec(caption)?.[1]);
  assert.ok(Math.abs(overall / 100 - plan.overallRelativeError) <= 5e-4 * plan.overallRelativeError + 1e-12, `${caption} ${rng.tag}`);
  assert.equal(/not analysed yet/.test(caption), plan.missing > 0);
  assert.equal(formatError(0.031234), '3.123%');
  assert.equal(formatError(0), '0%');
});
