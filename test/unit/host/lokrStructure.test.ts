import { strict as assert } from 'node:assert';
import { stat } from 'node:fs/promises';
import { before, test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter, type ModuleResult } from '../../../src/core/analysis/analyze';
import { overviewOf } from '../../../src/host/payloads';
import { rankPlanPayload } from '../../../src/host/resize/planPayload';
import type { LayerRow } from '../../../src/protocol/payloads';
import { kindText } from '../../../webview/model/columns';
import { recommendCaption } from '../../../webview/model/recommendOverlay';
import { corpusPath } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

// A LyCORIS LoKr written by kohya sd-scripts (SD 1.x, dim 4): ΔW = s·kron(W1, W2) in every module.
let layers: readonly LayerRow[];
let results: readonly ModuleResult[];

before(async () => {
  const opened = await openAdapter(corpusPath('lycoris-lokr-r4', 'smart_falcon_4_lokr.safetensors'));
  try {
    layers = overviewOf(opened.adapter, (await stat(opened.adapter.file)).size).layers;
    results = (await analyzeAdapter(opened)).modules;
  } finally {
    await opened.file.close();
  }
});

test('every LoKr row says LoKr and carries Kronecker sides whose shapes multiply to ΔW and whose ranks bound its spectrum', () => {
  assert.ok(layers.length > 0);
  for (const row of layers) {
    const s = row.structure;
    assert.ok(s?.kronecker, `${row.name} has no Kronecker structure`);
    assert.ok(kindText(row).startsWith('LoKr'), `${row.name}: ${kindText(row)}`);
    const { w1, w2 } = s.kronecker;
    assert.equal(w1.rows * w2.rows, row.rows, row.name);
    assert.equal(w1.cols * w2.cols, row.cols, row.name);
    assert.equal(s.maxRank, Math.min(w1.rank * w2.rank, row.rows, row.cols), row.name);
    // r is LyCORIS' dim: the factorized side's rank.
    assert.ok(w1.rank === row.rank || w2.rank === row.rank, `${row.name}: r ${row.rank}, sides ${w1.rank} and ${w2.rank}`);
    const result = results[row.index];
    if (result.status === 'ok') assert.ok(result.singularValues.length <= s.maxRank, `${row.name}: ${result.singularValues.length} σ > ${s.maxRank}`);
  }
  // The file that raised the question: r 4 beside 16 singular values, which the bound explains.
  const fc1 = layers.find((l) => l.name.endsWith('encoder_layers_0_mlp_fc1'));
  assert.equal(fc1?.structure?.maxRank, 16);
  assert.equal(fc1?.rank, 4);
});

test('a rank plan leaves LoKr layers out and says why, instead of truncating them against r', () => {
  const rng = Rng.fresh();
  const partial = results.map((r) => (rng.next() < 0.3 ? undefined : r));
  const plan = rankPlanPayload(layers, partial, { kind: 'energy', level: rng.uniform(0.5, 0.99) });
  assert.equal(plan.indices.length, 0, rng.tag);
  assert.equal(plan.missing, 0, `LoKr layers are not 'not analysed yet' ${rng.tag}`);
  assert.equal(plan.excluded?.count, layers.length, rng.tag);
  assert.match(plan.excluded?.reason ?? '', /LoKr .*not B·A/, rng.tag);
  // The Ranks view's summary says so instead of "keeps 1,388 of 1,400 ranks … error 65.67 %".
  const caption = recommendCaption(plan);
  assert.match(caption, new RegExp(`${layers.length} layers left out: LoKr modules`), `${caption} ${rng.tag}`);
  assert.doesNotMatch(caption, /not analysed yet/, `${caption} ${rng.tag}`);
});
