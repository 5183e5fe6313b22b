import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { checkpointSeries } from '../../../src/core/subspace/checkpoints';
import { compareAdapters, type AdapterComparison, type ModuleComparison } from '../../../src/core/subspace/compare';
import { crossLayerMaps } from '../../../src/core/subspace/crossLayer';
import { layerRows } from '../../../src/host/payloads';
import { adapterLabel, comparisonPayload, convergencePayload, crossLayerPayload, modulePlaces, phiGridPayload } from '../../../src/host/subspacePayloads';
import { corpusPath } from '../../helpers/fixtures';

const EARLY = corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-230', 'adapter_model.safetensors');
const FINAL = corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-460', 'adapter_model.safetensors');

/** A ModuleComparison with made-up numbers: only the fields the conversion reads matter. */
function fake(name: string, cosine: number | null, columns: number[]): ModuleComparison {
  const angles = { cosines: Float64Array.from(columns), degrees: new Float64Array(columns.length) };
  return {
    name,
    nameB: name,
    shape: [4, 3],
    ranks: [2, 2],
    matchedBy: 'exact',
    cosine,
    relativeDistance: 0.5,
    inner: 1,
    norms: [1, 2],
    k: columns.length,
    column: angles,
    row: { cosines: Float64Array.from([1, 0.5]), degrees: new Float64Array(2) },
  };
}

test('adapter labels name generic weights files by their folder, others by the file', () => {
  assert.deepEqual(adapterLabel('/runs/x/checkpoint-230/adapter_model.safetensors'), { file: '/runs/x/checkpoint-230/adapter_model.safetensors', label: 'checkpoint-230' });
  assert.equal(adapterLabel('/loras/style_lora-000004.safetensors').label, 'style_lora-000004');
  // Every container is named the same way: generic pickle names by their folder, others without their extension.
  assert.equal(adapterLabel('/runs/x/checkpoint-40/adapter_model.bin').label, 'checkpoint-40');
  assert.equal(adapterLabel('/loras/Llama-F16-LoRA.gguf').label, 'Llama-F16-LoRA');
  assert.equal(adapterLabel('/loras/style.ckpt').label, 'style');
});

test('module places have the block, depth and type that the editor’s layer table gives', async () => {
  const opened = await openAdapter(EARLY);
  try {
    const rows = layerRows(opened.adapter.modules);
    const places = modulePlaces(opened.adapter.modules);
    assert.deepEqual(
      places.map((p) => [p.name, p.block, p.depth, p.moduleType, p.rows, p.cols]),
      rows.map((r) => [r.name, r.block, r.depth, r.moduleType, r.rows, r.cols]),
    );
  } finally {
    await opened.file.close();
  }
});

test('comparisons become module × adapter matrices, column-major, NaN where a pair was not compared', () => {
  const first: AdapterComparison = { modules: [fake('layers.0.q', 0.9, [1, 0.8]), fake('layers.1.q', null, [0.6, 0.4])], unmatched: [] };
  const second: AdapterComparison = {
    modules: [fake('layers.1.q', -0.2, [0.3])],
    unmatched: [{ side: 'a', name: 'layers.0.q', reason: 'no module of B adapts the same base module' }],
  };
  const p = comparisonPayload('/a/x.safetensors', ['/b/y.safetensors', '/c/z.safetensors'], [first, second], 1.5);
  assert.deepEqual(
    p.modules.map((m) => [m.name, m.depth]),
    [
      ['layers.0.q', 0],
      ['layers.1.q', 1],
    ],
  );
  assert.deepEqual(
    p.others.map((o) => o.label),
    ['y', 'z'],
  );
  assert.ok(p.cosine.values instanceof Float64Array);
  assert.deepEqual([p.cosine.rows, p.cosine.cols], [2, 2]);
  // Column j is the reference against others[j]; a null cosine and a missing pair are both NaN.
  assert.deepEqual([...p.cosine.values], [0.9, NaN, NaN, -0.2]);
  assert.deepEqual([...p.columnCosine.values], [0.9, 0.5, NaN, 0.3]);
  assert.deepEqual([...p.rowCosine.values], [0.75, 0.75, NaN, 0.75]);
  assert.deepEqual([...p.k.values], [2, 2, NaN, 1]);
  assert.deepEqual(p.unmatched, [{ against: 1, side: 'a', name: 'layers.0.q', nameB: null, reason: 'no module of B adapts the same base module' }]);
  assert.equal(p.seconds, 1.5);
});

test('a real comparison, its φ grid, the checkpoint series and the cross-layer maps carry the core’s numbers', async () => {
  const [a, b] = [await openAdapter(EARLY), await openAdapter(FINAL)];
  try {
    const name = a.adapter.modules[5].name;
    const c = await compareAdapters(a, b, { grids: [name] });
    const p = comparisonPayload(EARLY, [FINAL], [c], 0);
    c.modules.forEach((m, i) => {
      assert.equal(p.cosine.values[i], m.cosine);
      assert.equal(p.relativeDistance.values[i], m.relativeDistance);
    });
    const grid = phiGridPayload(name, 0, c);
    assert.ok(grid);
    assert.deepEqual([...grid.column.values], [...(c.modules[5].grid?.column.data ?? [])]);
    assert.equal(phiGridPayload(a.adapter.modules[0].name, 0, c), null, 'no grid was asked for that module');
    const maps = await crossLayerMaps(a);
    const x = crossLayerPayload(EARLY, maps, 0);
    assert.equal(x.groups.length, maps.groups.length);
    assert.deepEqual([...x.groups[0].column.values], [...maps.groups[0].column.data]);
    assert.equal(x.groups[0].randomRow, maps.groups[0].random.row);
    assert.deepEqual(x.groups[0].layers, maps.groups[0].layers);
  } finally {
    await a.file.close();
    await b.file.close();
  }
  const series = await checkpointSeries([FINAL, EARLY]);
  const s = convergencePayload(series, 0);
  assert.deepEqual(
    s.checkpoints.map((k) => [k.label, k.step]),
    [
      ['checkpoint-230', 230],
      ['checkpoint-460', 460],
    ],
  );
  const T = s.checkpoints.length;
  series.modules.forEach((m, i) => {
    for (let t = 0; t < T; t++) {
      assert.equal(s.cosineToFinal.values[t * s.cosineToFinal.rows + i], m.cosineToFinal[t] ?? NaN);
      assert.equal(s.topAngleToFinal.values[t * s.topAngleToFinal.rows + i], m.topAngleToFinal[t] ?? NaN);
    }
  });
});
