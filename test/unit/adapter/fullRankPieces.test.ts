import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openTensorSource } from '../../../src/core/container/open';
import type { ElementRange, TensorSource } from '../../../src/core/container/source';
import { withPieceNorms } from '../../../src/core/adapter/fullRankPieces';
import { describeAdapter } from '../../../src/core/adapter/load';
import type { Adapter, OtherTensor } from '../../../src/core/adapter/model';
import { analyzeAdapter } from '../../../src/core/analysis/analyze';
import { buildReport } from '../../../src/core/report/report';
import type { TensorInfo } from '../../../src/core/safetensors/types';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import type { Dense } from '../../helpers/referenceSvd';

/**
 * Full-rank pieces saved with an adapter: biases and modules_to_save, each reported per module;
 * their norms are read by the analysis, never when the file is opened.
 */

const t = (name: string, X: Dense): FixtureTensor => ({ name, shape: [X.rows, X.cols], values: X.data });
const vector = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.normal());

/** Float64 reference: the plain sum of squares of the values as stored. */
function reference(values: ArrayLike<number>, round: (x: number) => number = (x) => x): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += round(values[i]) ** 2;
  return Math.sqrt(sum);
}

/** The other tensors with the norms the analysis read, and the analysis' module results. */
async function analysed(adapter: Adapter, file: TensorSource): Promise<{ others: Map<string, OtherTensor>; warnings: readonly string[] }> {
  for (const o of adapter.otherTensors) assert.equal(o.norm, undefined, `${o.name}: a norm before the analysis`);
  const analysis = await analyzeAdapter({ adapter, file });
  const others = new Map(withPieceNorms(adapter.otherTensors, analysis.pieceNorms).map((o) => [o.name, o]));
  const first = analysis.modules[0];
  return { others, warnings: first?.status === 'ok' ? first.warnings : [] };
}

function assertNorm(actual: number | undefined, expected: number, what: string): void {
  assert.ok(actual !== undefined, `${what}: no norm`);
  assert.ok(Math.abs(actual - expected) <= 1e-12 * expected, `${what}: ${actual} vs ${expected}`);
}

test('PEFT modules_to_save, bias="all" biases and lora_bias are reported per module with their norms', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [d, r, labels] = [8, 2, 3];
  const q = { A: gaussian(rng, r, d), B: gaussian(rng, d, r) };
  const biasB = vector(rng, d);
  const qBias = vector(rng, d);
  const score = gaussian(rng, labels, d);
  const embed = gaussian(rng, 16, d);
  // get_peft_model_state_dict (peft/utils/save_and_load.py) drops the adapter name: lora_B.bias
  // (lora_bias=True), the layer's own bias (bias="all") and the modules_to_save copy saved as
  // base_model.model.<module>.weight; a raw state dict keeps ModulesToSaveWrapper's path
  // (peft/utils/other.py): <module>.modules_to_save.default.weight.
  const p = 'base_model.model.model.layers.0.self_attn.q_proj';
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      t(`${p}.lora_A.weight`, q.A),
      t(`${p}.lora_B.weight`, q.B),
      { name: `${p}.lora_B.bias`, shape: [d], values: biasB },
      { name: `${p}.bias`, shape: [d], values: qBias },
      t('base_model.model.score.weight', score),
      t('base_model.model.model.embed_tokens.modules_to_save.default.weight', embed),
    ],
    { config: { peft_type: 'LORA', r, lora_alpha: 2 * r, target_modules: ['q_proj'], modules_to_save: ['score', 'embed_tokens'], lora_bias: true, bias: 'all' } },
  );
  const file = await openTensorSource(path);
  try {
    const adapter = await describeAdapter(file);
    assert.deepEqual(
      adapter.modules.map((m) => m.name),
      ['model.layers.0.self_attn.q_proj'],
    );
    const { others, warnings } = await analysed(adapter, file);
    const scoreT = others.get('base_model.model.score.weight');
    assert.equal(scoreT?.role, 'modules_to_save');
    assert.equal(scoreT?.module, 'score');
    assertNorm(scoreT?.norm, reference(score.data), 'score');
    const embedT = others.get('base_model.model.model.embed_tokens.modules_to_save.default.weight');
    assert.equal(embedT?.role, 'modules_to_save');
    assert.equal(embedT?.module, 'model.embed_tokens');
    assertNorm(embedT?.norm, reference(embed.data), 'embed_tokens');
    const biasT = others.get(`${p}.bias`);
    assert.equal(biasT?.role, 'bias');
    assert.equal(biasT?.module, 'model.layers.0.self_attn.q_proj');
    assertNorm(biasT?.norm, reference(qBias), 'bias');
    assert.ok(!adapter.modules[0].warnings.some((w) => /its bias update/.test(w)), 'the bias is not read when the file is opened');
    const note = warnings.find((w) => w.startsWith(`${p}.lora_B.bias: its bias update has Frobenius norm`));
    assert.ok(note, warnings.join('\n'));
    assert.equal(Number(note.split(' ').at(-1)), Number(reference(biasB).toPrecision(6)));
    assert.ok(!adapter.warnings.some((w) => /full-rank piece/.test(w)), 'modules_to_save and biases are listed, not warned about');
  } finally {
    await file.close();
  }
  await removeDir(dir);
});

test('a kohya/LyCORIS file: diff_b and a .bias beside the factors are reported per module with their norms', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [d, r] = [6, 2];
  const down = gaussian(rng, r, d);
  const up = gaussian(rng, d, r);
  const bias = vector(rng, d);
  const diffB = vector(rng, d);
  // kohya networks/lora.py names (lora_unet_<flattened path>.lora_down/up.weight, .alpha); LyCORIS'
  // full module saves its bias difference as <prefix>.diff_b (lycoris/modules/full.py).
  const m = 'lora_unet_down_blocks_0_attentions_0_proj_in';
  const path = await writeFixture(dir, 'kohya.safetensors', [
    t(`${m}.lora_down.weight`, down),
    t(`${m}.lora_up.weight`, up),
    { name: `${m}.alpha`, shape: [], values: [r], dtype: 'F32' },
    { name: `${m}.bias`, shape: [d], values: bias },
    { name: 'lora_unet_down_blocks_0_attentions_0_proj_out.diff_b', shape: [d], values: diffB },
  ]);
  const file = await openTensorSource(path);
  try {
    const adapter = await describeAdapter(file);
    assert.deepEqual(
      adapter.modules.map((x) => x.name),
      [m],
    );
    const { others } = await analysed(adapter, file);
    const b = others.get(`${m}.bias`);
    assert.equal(b?.role, 'bias');
    assert.equal(b?.module, m);
    assertNorm(b?.norm, reference(bias), 'bias');
    const db = others.get('lora_unet_down_blocks_0_attentions_0_proj_out.diff_b');
    assert.equal(db?.role, 'bias diff');
    assert.equal(db?.module, 'lora_unet_down_blocks_0_attentions_0_proj_out');
    assertNorm(db?.norm, reference(diffB), 'diff_b');
  } finally {
    await file.close();
  }
  await removeDir(dir);
});

test('a large modules_to_save tensor is normed in bounded chunks, never read whole', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [d, r] = [8, 2];
  const rows = 3 * 1024 + 7;
  const cols = 512;
  const big = Float64Array.from({ length: rows * cols }, () => rng.normal());
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      t('base_model.model.model.layers.0.mlp.up_proj.lora_A.weight', gaussian(rng, r, d)),
      t('base_model.model.model.layers.0.mlp.up_proj.lora_B.weight', gaussian(rng, d, r)),
      { name: 'base_model.model.lm_head.weight', shape: [rows, cols], values: big, dtype: 'F32' },
    ],
    { config: { peft_type: 'LORA', r, lora_alpha: r, target_modules: ['up_proj'], modules_to_save: ['lm_head'] } },
  );
  const inner = await openTensorSource(path);
  const reads: (ElementRange | undefined)[] = [];
  const watched: TensorSource = {
    container: inner.container,
    header: inner.header,
    readBytes: (tensor, range, target) => inner.readBytes(tensor, range, target),
    streamBytes: (tensor, consume, chunkBytes) => inner.streamBytes(tensor, consume, chunkBytes),
    readFloat32: (tensor, range) => inner.readFloat32(tensor, range),
    readFloat64: (tensor: TensorInfo | string, range?: ElementRange) => {
      const name = typeof tensor === 'string' ? tensor : tensor.name;
      if (name === 'base_model.model.lm_head.weight') reads.push(range);
      return inner.readFloat64(tensor, range);
    },
    close: () => inner.close(),
  };
  try {
    const adapter = await describeAdapter(watched);
    assert.equal(reads.length, 0, 'opening reads no full-rank piece');
    const { others } = await analysed(adapter, watched);
    const head = others.get('base_model.model.lm_head.weight');
    assert.equal(head?.module, 'lm_head');
    assertNorm(head?.norm, reference(big, Math.fround), 'lm_head');
    assert.ok(reads.length > 1, `${reads.length} read(s)`);
    for (const range of reads) assert.ok(range && range.count <= 1 << 20, JSON.stringify(range));
    assert.equal(
      reads.reduce((s, x) => s + (x?.count ?? Infinity), 0),
      rows * cols,
    );
  } finally {
    await inner.close();
  }
  await removeDir(dir);
});

test('opening reads the header only: pieces whose bytes cannot be read still open, and the analysis leaves their norms out', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const [d, r] = [8, 2];
  const bias = vector(rng, d);
  const score = gaussian(rng, 3, d);
  const p = 'base_model.model.model.layers.0.self_attn.v_proj';
  const path = await writeFixture(
    dir,
    'adapter_model.safetensors',
    [
      t(`${p}.lora_A.weight`, gaussian(rng, r, d)),
      t(`${p}.lora_B.weight`, gaussian(rng, d, r)),
      { name: `${p}.lora_B.bias`, shape: [d], values: vector(rng, d) },
      { name: `${p}.bias`, shape: [d], values: bias },
      t('base_model.model.score.weight', score),
    ],
    { config: { peft_type: 'LORA', r, lora_alpha: r, target_modules: ['v_proj'], modules_to_save: ['score'], lora_bias: true, bias: 'all' } },
  );
  const inner = await openTensorSource(path);
  // The score's bytes are unreadable (a failing disk, a truncated download): every read of them throws.
  const unreadable = 'base_model.model.score.weight';
  const touched: string[] = [];
  const nameOf = (tensor: TensorInfo | string) => (typeof tensor === 'string' ? tensor : tensor.name);
  const watch = (tensor: TensorInfo | string) => {
    const name = nameOf(tensor);
    if (!/lora_[AB]\.weight$/.test(name)) touched.push(name);
    if (name === unreadable) throw new Error('EIO: i/o error, read');
  };
  const failing: TensorSource = {
    container: inner.container,
    header: inner.header,
    readBytes: (tensor, range, target) => (watch(tensor), inner.readBytes(tensor, range, target)),
    streamBytes: (tensor, consume, chunkBytes) => (watch(tensor), inner.streamBytes(tensor, consume, chunkBytes)),
    readFloat32: (tensor, range) => (watch(tensor), inner.readFloat32(tensor, range)),
    readFloat64: (tensor: TensorInfo | string, range?: ElementRange) => (watch(tensor), inner.readFloat64(tensor, range)),
    close: () => inner.close(),
  };
  try {
    const adapter = await describeAdapter(failing);
    assert.deepEqual(touched, [], 'opening read tensors beyond the header');
    assert.equal(adapter.otherTensors.find((o) => o.name === unreadable)?.role, 'modules_to_save');
    const { others } = await analysed(adapter, failing);
    assert.equal(others.get(unreadable)?.norm, undefined, 'an unreadable piece has no norm');
    assertNorm(others.get(`${p}.bias`)?.norm, reference(bias), 'bias');
    // The report (inspect --json, the editor's export) has the norms once the analysis has run.
    assert.equal(buildReport(adapter, null).otherTensors.find((o) => o.name === `${p}.bias`)?.norm, undefined);
    const report = buildReport(adapter, await analyzeAdapter({ adapter, file: failing }));
    assertNorm(report.otherTensors.find((o) => o.name === `${p}.bias`)?.norm, reference(bias), 'bias in the report');
  } finally {
    await inner.close();
  }
  await removeDir(dir);
});
