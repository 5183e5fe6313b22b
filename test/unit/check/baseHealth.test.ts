import { strict as assert } from 'node:assert';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BaseModelError } from '../../../src/core/base/errors';
import { BASE_CODES } from '../../../src/core/check/baseHealth';
import type { Finding } from '../../../src/core/check/finding';
import { checkFile, CheckError } from '../../../src/core/check/runCheck';
import { CHECK_SOURCES } from '../../../src/core/check/sources';
import { denseSvd } from '../../../src/core/linalg/denseSvd';
import { frobeniusNorm, multiply, transposeMultiply, type Matrix } from '../../../src/core/linalg/matrix';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { columnMajor } from '../base/baseFixtures';
import { writeBaseCheckFixture, type PlantedLayer, type Plant } from './baseCheckFixtures';

const TRIGGERS: Plant[] = ['random', 'random', 'random', 'large', 'random', 'intruders', 'amplified', 'random', 'random', 'random', 'random', 'random'];
const CLEAN: Plant[] = TRIGGERS.map(() => 'random');

/** ΔW = X·diag(σ)·Yᵀ formed in float64 (column-major). */
function deltaOf(layer: PlantedLayer): Matrix {
  const { X, Y, sigma } = layer;
  const out = new Float64Array(X.rows * Y.rows);
  for (let k = 0; k < sigma.length; k++)
    for (let j = 0; j < Y.rows; j++) for (let i = 0; i < X.rows; i++) out[j * X.rows + i] += X.data[k * X.rows + i] * sigma[k] * Y.data[k * Y.rows + j];
  return { rows: X.rows, cols: Y.rows, data: out };
}

/** Float64 references: σ1(ΔW) / σ1(W0) and Hu et al.'s ‖ΔW‖_F / ‖Uᵀ·W0·V‖_F, from dense SVDs of the formed matrices. */
function reference(layer: PlantedLayer): { ratio: number; amplification: number } {
  const dW = deltaOf(layer);
  const svd = denseSvd(dW, true);
  if (!svd.U || !svd.V) throw new Error('no vectors');
  const r = layer.sigma.length;
  const U = { rows: svd.U.rows, cols: r, data: svd.U.data.slice(0, svd.U.rows * r) };
  const V = { rows: svd.V.rows, cols: r, data: svd.V.data.slice(0, svd.V.rows * r) };
  const W0 = columnMajor(layer.base.W0);
  const sigma0 = denseSvd(W0, false).values[0];
  return { ratio: svd.values[0] / sigma0, amplification: frobeniusNorm(dW) / frobeniusNorm(transposeMultiply(U, multiply(W0, V))) };
}

/** The numbers a message prints for a module, `name (x.xx)`. */
function printed(message: string, module: string): number {
  const at = message.indexOf(`${module} (`);
  assert.ok(at >= 0, `${module} in ${message}`);
  return Number(message.slice(at + module.length + 2).split(/[),]/)[0]);
}

function near(have: number, want: number, what: string): void {
  // Three significant digits are printed.
  assert.ok(Math.abs(have / want - 1) < 6e-3, `${what}: printed ${have}, float64 reference ${want}`);
}

function byCode(findings: readonly Finding[], code: string): Finding[] {
  return findings.filter((f) => f.code === code);
}

test('--base: an update larger than its base weight, one amplifying near-null directions and one with intruders are found; the numbers match float64', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const fx = await writeBaseCheckFixture(dir, rng, TRIGGERS);
    const check = await checkFile(fx.adapter, { base: fx.base }, CHECK_SOURCES);
    const [large, intruders, amplified] = [3, 5, 6].map((l) => fx.layers[l]);
    const amp = byCode(check.findings, BASE_CODES.amplification);
    assert.deepEqual(
      amp.map((f) => [f.severity, f.modules]),
      [
        ['warning', [large.module]],
        ['warning', [amplified.module]],
      ],
      `${JSON.stringify(check.findings)} ${rng.tag}`,
    );
    near(printed(amp[0].message, large.module), reference(large).ratio, 'ratio');
    near(printed(amp[1].message, amplified.module), reference(amplified).amplification, 'amplification');
    const amps = fx.layers.map((l) => reference(l).amplification).sort((a, b) => a - b);
    const median = Math.exp((Math.log(amps[5]) + Math.log(amps[6])) / 2);
    near(Number(/the median is ([\d.e+-]+)/.exec(amp[1].message)?.[1]), median, 'median amplification');
    const intr = byCode(check.findings, BASE_CODES.intruders);
    assert.deepEqual(
      intr.map((f) => [f.severity, f.modules]),
      [['note', [intruders.module]]],
      `${JSON.stringify(check.findings)} ${rng.tag}`,
    );
    assert.match(intr[0].message, new RegExp(`${intruders.module.replace(/\./g, '\\.')} \\(3 of 10\\)`));
    assert.deepEqual(
      check.findings.map((f) => f.code),
      [BASE_CODES.amplification, BASE_CODES.amplification, BASE_CODES.intruders],
    );
  } finally {
    await removeDir(dir);
  }
});

test('--base: the clean counterpart (every update small and in no special direction) has no finding', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const fx = await writeBaseCheckFixture(dir, rng, CLEAN);
    const check = await checkFile(fx.adapter, { base: fx.base }, CHECK_SOURCES);
    assert.deepEqual(check.findings, [], rng.tag);
  } finally {
    await removeDir(dir);
  }
});

test('--base: a base weight of the wrong shape is an error, a missing one a warning; the other modules are still analysed', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const fx = await writeBaseCheckFixture(dir, rng, TRIGGERS, { wrongShape: [1], missing: [11] });
    const check = await checkFile(fx.adapter, { base: fx.base }, CHECK_SOURCES);
    assert.deepEqual(
      check.findings.map((f) => [f.code, f.severity, f.modules]),
      [
        [BASE_CODES.shapeMismatch, 'error', [fx.layers[1].module]],
        [BASE_CODES.missing, 'warning', [fx.layers[11].module]],
        [BASE_CODES.amplification, 'warning', [fx.layers[3].module]],
        [BASE_CODES.amplification, 'warning', [fx.layers[6].module]],
        [BASE_CODES.intruders, 'note', [fx.layers[5].module]],
      ],
      rng.tag,
    );
    assert.match(check.findings[0].message, /base weight model\.layers\.1\.self_attn\.q_proj\.weight is 36×32, but ΔW is 48×32/);
    assert.match(check.findings[0].message, /not trained on this base model/);
    assert.match(check.findings[1].message, /no base weight named like/);
  } finally {
    await removeDir(dir);
  }
});

test('--base: a base whose every weight contradicts the adapter is one error naming every module (no analysis); one that names none is NO_MODULE_MATCHED', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const all = CLEAN.map((_, l) => l);
    const fx = await writeBaseCheckFixture(dir, rng, CLEAN, { wrongShape: all });
    const check = await checkFile(fx.adapter, { base: fx.base }, CHECK_SOURCES);
    assert.deepEqual(
      check.findings.map((f) => [f.code, f.severity, f.modules.length]),
      [[BASE_CODES.shapeMismatch, 'error', CLEAN.length]],
    );
    assert.match(check.findings[0].message, /^12 modules have a base weight in .* whose shape the adapter contradicts/);
    const none = await writeBaseCheckFixture(`${dir}/none`, rng, CLEAN, { missing: all.slice(0, -1), wrongShape: all.slice(-1) });
    // The one left has a wrong shape: still an error, no analysis.
    assert.deepEqual(
      (await checkFile(none.adapter, { base: none.base }, CHECK_SOURCES)).findings.map((f) => f.code),
      [BASE_CODES.shapeMismatch, BASE_CODES.missing],
    );
    const unrelated = await writeBaseCheckFixture(`${dir}/unrelated`, rng, CLEAN, { missing: all });
    await assert.rejects(checkFile(unrelated.adapter, { base: unrelated.base }, CHECK_SOURCES), (e: unknown) => e instanceof BaseModelError && e.code === 'NO_MODULE_MATCHED');
  } finally {
    await removeDir(dir);
  }
});

test('sources without a base source still refuse --base with CheckError (CHECK_UNSUPPORTED)', async () => {
  const dir = await tempDir();
  try {
    const fx = await writeBaseCheckFixture(dir, Rng.fresh(), CLEAN.slice(0, 2));
    const { base: _unused, ...withoutBase } = CHECK_SOURCES;
    await assert.rejects(checkFile(fx.adapter, { base: fx.base }, withoutBase), (e: unknown) => e instanceof CheckError && e.code === 'CHECK_UNSUPPORTED');
  } finally {
    await removeDir(dir);
  }
});

test('--base: the thresholds arrive through CheckOptions.thresholds (the editor settings)', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const fx = await writeBaseCheckFixture(dir, rng, TRIGGERS);
    const thresholds = { baseSpectralRatio: 5, amplificationMinFold: 1e4, intruderMinCount: 4 };
    assert.deepEqual((await checkFile(fx.adapter, { base: fx.base, thresholds }, CHECK_SOURCES)).findings, [], rng.tag);
    const other = byCode((await checkFile(fx.adapter, { base: fx.base, thresholds: { intruderEpsilon: 0.3 } }, CHECK_SOURCES)).findings, BASE_CODES.intruders);
    assert.deepEqual(
      other.map((f) => f.modules),
      [[fx.layers[5].module]],
      rng.tag,
    );
    assert.match(other[0].message, /below ε = 0\.3,/);
  } finally {
    await removeDir(dir);
  }
});

test('--base: a Hugging Face cache folder (models--org--name/snapshots/<hash>/) is read as `lora-lens base` reads it', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const fx = await writeBaseCheckFixture(dir, rng, CLEAN, { wrongShape: [2] });
    const cache = join(dir, 'models--acme--tiny-llama');
    await mkdir(join(cache, 'snapshots'), { recursive: true });
    await rename(fx.base, join(cache, 'snapshots', '0123abcd'));
    const check = await checkFile(fx.adapter, { base: cache }, CHECK_SOURCES);
    assert.deepEqual(
      check.findings.map((f) => [f.code, f.modules]),
      [[BASE_CODES.shapeMismatch, [fx.layers[2].module]]],
      rng.tag,
    );
    assert.ok(check.findings[0].message.includes(cache), check.findings[0].message);
  } finally {
    await removeDir(dir);
  }
});
