import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { Rng } from '../helpers/random';
import { referenceSingularValues } from '../helpers/referenceSvd';
import { removeDir, tempDir, writeFixture, type FixtureTensor } from '../helpers/fixtures';
import { Lens, type LensPage } from './browser';
import { recordAdapter, type Recording } from './recording';
import { shownNumber } from './shown';
import { DARK, LIGHT } from './themes';

// The corpus has no MoSLoRA file, so one is generated: PEFT keys with `lora_AB` mixers. The
// first layer's mixer is set by hand so that positions, signs and the extremes are known.
const r = 4;
const KNOWN_M = [
  [3, 2, 0.5, -0.25],
  [-1.5, 0.75, -2.5, 0.1],
  [0.2, -0.3, 1, 0.4],
  [0.6, -0.7, 0.05, 0],
];

let dir: string;
let lens: Lens;
let page: LensPage;
let rec: Recording;

before(async () => {
  const rng = Rng.fresh();
  const random = (n: number) => Array.from({ length: n }, () => rng.next() * 2 - 1);
  const tensors: FixtureTensor[] = [];
  for (const layer of [0, 1]) {
    for (const proj of ['q_proj', 'v_proj']) {
      const prefix = `base_model.model.model.layers.${layer}.self_attn.${proj}`;
      const known = layer === 0 && proj === 'q_proj';
      tensors.push(
        { name: `${prefix}.lora_A.weight`, shape: [r, 12], values: random(r * 12) },
        { name: `${prefix}.lora_B.weight`, shape: [16, r], values: random(16 * r) },
        // Stored as nn.Linear(r, r).weight: row-major, ΔW = B·M·A with M as written.
        { name: `${prefix}.lora_AB.weight`, shape: [r, r], values: known ? KNOWN_M.flat() : random(r * r) },
      );
    }
  }
  dir = await tempDir();
  const path = await writeFixture(dir, 'adapter_model.safetensors', tensors, {
    config: { peft_type: 'LORA', r, lora_alpha: 8, target_modules: ['q_proj', 'v_proj'], base_model_name_or_path: 'test/moslora' },
  });
  rec = await recordAdapter(path);
  lens = await Lens.launch();
  page = await lens.open();
  await page.send(rec.overview, ...rec.stream, rec.done);
});

after(async () => {
  await lens?.close();
  if (dir) await removeDir(dir);
});

const mixerCanvas = () => page.page.locator('section.matrix', { hasText: 'Learned mixer M' }).locator('canvas');

/** Pixel colour at the centre of cell (i, j) of a heatmap canvas, and the cell's centre in page coordinates. */
async function cell(i: number, j: number): Promise<{ rgb: string; x: number; y: number }> {
  const canvas = mixerCanvas();
  const box = await canvas.boundingBox();
  assert.ok(box);
  const size = box.width / r;
  const x = (j + 0.5) * size;
  const y = (i + 0.5) * size;
  const rgb = await canvas.evaluate(
    (node, p) => {
      const c = node as HTMLCanvasElement;
      const ratio = c.width / c.getBoundingClientRect().width;
      const d = c.getContext('2d')?.getImageData(Math.floor(p.x * ratio), Math.floor(p.y * ratio), 1, 1).data;
      return d ? `rgb(${d[0]}, ${d[1]}, ${d[2]})` : '';
    },
    { x, y },
  );
  return { rgb, x: box.x + x, y: box.y + y };
}

function hexToRgb(hex: string): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

test('the layers are recognized as MoSLoRA and their mixers reach the page', () => {
  assert.equal(rec.overview.params.layers.length, 4);
  assert.ok(rec.overview.params.layers.every((l) => l.hasMixer));
  const first = rec.results[0];
  assert.ok(first.status === 'ok' && first.mixer && first.core);
});

test('the mixer tab draws K and M on canvas; hovering a cell shows its value', async () => {
  await page.showTab('Mixer');
  await mixerCanvas().waitFor();
  assert.equal(await page.page.locator('.panel-mixer canvas').count(), 2, 'core K and learned M');
  assert.equal(await page.page.locator('.panel-mixer h2').textContent(), 'model.layers.0.self_attn.q_proj');
  const tooltip = page.page.locator('section.matrix', { hasText: 'Learned mixer M' }).locator('.tooltip');
  for (const [i, j] of [
    [0, 1],
    [1, 0],
    [1, 2],
    [3, 3],
  ]) {
    const { x, y } = await cell(i, j);
    await page.page.mouse.move(x, y);
    await tooltip.waitFor({ state: 'visible' });
    const text = (await tooltip.textContent()) ?? '';
    const match = /^\[(\d+), (\d+)\] = (.+)$/.exec(text);
    assert.ok(match, text);
    assert.deepEqual([Number(match[1]), Number(match[2])], [i + 1, j + 1]);
    assert.equal(shownNumber(match[3]), KNOWN_M[i][j], `M[${i}][${j}]: ${text}`);
  }
  await page.page.mouse.move(5, 5);
  await tooltip.waitFor({ state: 'hidden' });
  const fact = async (label: string): Promise<string> => {
    const texts = await page.page.locator('section.matrix', { hasText: 'Learned mixer M' }).locator('dl > *').allTextContents();
    const at = texts.indexOf(label);
    assert.ok(at >= 0 && at + 1 < texts.length, `no ${label} in ${texts.join(' | ')}`);
    return texts[at + 1];
  };
  // No comparison with I: MoSLoRA draws M from kaiming_uniform_, and M is only defined up to R⁻¹·M·S.
  const labels = await page.page.locator('section.matrix', { hasText: 'Learned mixer M' }).locator('dl > dt').allTextContents();
  assert.ok(!labels.some((l) => l.includes('− I')), labels.join(' | '));
  await page.page.locator('section.matrix', { hasText: 'not identifiable' }).waitFor();
  // The known mixer against its init, U(−1/2, 1/2) for r = 4: E‖M₀‖² = 4/3, sd = 2/√45.
  let e2 = 0;
  let outside = 0;
  KNOWN_M.flat().forEach((v) => {
    e2 += v * v;
    if (Math.abs(v) > 0.5) outside++;
  });
  const z = shownNumber(await fact('‖M‖F² vs init (z)'));
  const wantZ = (e2 - 4 / 3) / (2 / Math.sqrt(45));
  assert.ok(Math.abs(z - wantZ) <= 1e-3 * wantZ, `z ${z} vs ${wantZ}`);
  assert.equal(shownNumber((await fact('Entries outside init bound')).replace(' %', '')), (outside / 16) * 100);
  // σ(M) and cond(M), against a double-double SVD of the known mixer.
  const sigma = referenceSingularValues({ rows: r, cols: r, data: KNOWN_M.flat().map((v) => ({ hi: v, lo: 0 })) });
  const shownSigma = (await fact('σ(M) (basis-dependent)')).split(', ').map(shownNumber);
  assert.equal(shownSigma.length, r);
  shownSigma.forEach((v, i) => assert.ok(Math.abs(v - sigma[i]) <= 1e-3 * sigma[i], `σ${i + 1}(M): ${v} vs ${sigma[i]}`));
  const cond = shownNumber(await fact('cond(M) (basis-dependent)'));
  assert.ok(Math.abs(cond - sigma[0] / sigma[r - 1]) <= 1e-3 * cond, `cond(M) ${cond}`);
  await page.screenshot('mixer');
});

test('heatmap colours are the theme chart colours and repaint on a theme switch', async () => {
  for (const theme of [LIGHT, DARK]) {
    await page.applyTheme(theme);
    await page.page.waitForTimeout(50);
    // M[0][0] = 3 is the largest |value| (full positive colour); M[3][3] = 0 is the background.
    assert.equal((await cell(0, 0)).rgb, hexToRgb(theme.variables['--vscode-charts-red']));
    assert.equal((await cell(3, 3)).rgb, hexToRgb(theme.variables['--vscode-editor-background']));
  }
  await page.applyTheme(LIGHT);
  await page.page.waitForTimeout(50);
  await page.screenshot('mixer-light');
  await page.applyTheme(DARK);
});

test('selecting another layer shows its matrices; the predictor panel without predictors asks the host to load one', async () => {
  await page.send({ kind: 'notify', method: 'reveal', params: { index: 3 } });
  await page.showTab('Mixer');
  await page.page.locator('.panel-mixer h2', { hasText: 'model.layers.1.self_attn.v_proj' }).waitFor();
  await page.showTab('Predicted properties');
  await page.send({ kind: 'notify', method: 'predictions', params: { status: 'done', cards: [], broken: [] } });
  await page.page.locator('.predict .predict-status', { hasText: 'No property predictor found' }).waitFor();
  await page.page.locator('vscode-button.load-predictor').click();
  await page.page.waitForFunction(() => window.__lens.posted.some((m) => (m as { method?: string }).method === 'runCommand'));
  const run = (await page.posted()).filter((m) => m.method === 'runCommand');
  assert.deepEqual(
    run.map((m) => [m.kind, m.params]),
    [['request', { command: 'loraLens.loadPredictor' }]],
  );
  assert.deepEqual(page.errors, []);
  assert.deepEqual((await page.probe()).violations, []);
});
