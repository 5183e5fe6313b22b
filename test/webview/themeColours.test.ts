import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { rankPlanPayload } from '../../src/host/resize/planPayload';
import type { RankMethodPayload } from '../../src/protocol/resizePayloads';
import { corpusPath } from '../helpers/fixtures';
import { Lens, type LensPage } from './browser';
import { contrastRatio, deltaE } from './contrast';
import { recordAdapter, type Recording } from './recording';
import { computed, parseColour, type Rgba } from './shown';
import { ALL_THEMES, type Theme } from './themes';

// Every series colour in every built-in theme kind, read from the rendered chart elements: solid,
// at least 3:1 against the editor background (WCAG's minimum for graphics), and unlike the other
// series drawn beside it. The theme variables are VS Code's own (themes.ts says where from);
// High Contrast sets no charts-orange, and Dark/Light Modern set it at 33 % alpha.
const MIN_CONTRAST = 3;
/** CIE76 distance between any two series colours drawn together. */
const MIN_DELTA_E = 20;
const SLOTS = 6;

let lens: Lens;
let page: LensPage;
let rec: Recording;

before(async () => {
  rec = await recordAdapter(corpusPath('peft-qwen25-muzammel', 'adapter_model.safetensors'));
  lens = await Lens.launch();
  // Six layers chosen for the spectrum, so every colour slot is drawn.
  page = await lens.open({ spectrumLayers: [0, 1, 2, 3, 4, 5] });
  await page.send(rec.overview, ...rec.stream, rec.done);
  await page.showTab('Ranks');
  // Answer the view's recommendation request as the host would, so the error line is drawn.
  await page.page.waitForFunction(() => window.__lens.posted.some((m) => (m as { method?: string }).method === 'recommendRanks'));
  const asked = (await page.posted()).find((m) => m.method === 'recommendRanks');
  const method = (asked?.params as { method: RankMethodPayload }).method;
  await page.send({ kind: 'response', id: asked?.id ?? -1, result: rankPlanPayload(rec.overview.params.layers, rec.results, method) });
  await page.page.locator('svg.rank-chart path.rec-error').first().waitFor({ state: 'attached' });
});

after(async () => {
  await lens?.close();
});

/** The computed colour of the first element for `selector`, with its own opacity folded into alpha. */
async function colourOf(selector: string, property: string): Promise<Rgba> {
  const locator = page.page.locator(selector).first();
  const text = await computed(locator, property);
  const parsed = parseColour(text);
  assert.ok(parsed, `${selector} ${property}: ${text}`);
  const opacity = await locator.evaluate((node) => {
    let product = 1;
    for (let n: Element | null = node; n; n = n.parentElement) product *= Number(getComputedStyle(n).opacity);
    const own = getComputedStyle(node);
    return product * Number(own.getPropertyValue('fill-opacity') || 1) * Number(own.getPropertyValue('stroke-opacity') || 1);
  });
  return { ...parsed, a: parsed.a * opacity };
}

function hex(c: Rgba): string {
  return `#${[c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}

/** Each colour solid and readable on `background`; every pair unlike. */
function checkSeries(theme: Theme, background: Rgba, series: Record<string, Rgba>): void {
  for (const [name, c] of Object.entries(series)) {
    assert.equal(c.a, 1, `${theme.name}: ${name} is not opaque (alpha ${c.a})`);
    const ratio = contrastRatio(c, background);
    assert.ok(ratio >= MIN_CONTRAST, `${theme.name}: ${name} ${hex(c)} on ${hex(background)} has contrast ${ratio.toFixed(2)}`);
  }
  const names = Object.keys(series);
  for (let i = 0; i < names.length; i++)
    for (let j = i + 1; j < names.length; j++) {
      const d = deltaE(series[names[i]], series[names[j]]);
      assert.ok(d >= MIN_DELTA_E, `${theme.name}: ${names[i]} ${hex(series[names[i]])} and ${names[j]} ${hex(series[names[j]])} differ by ΔE ${d.toFixed(1)}`);
    }
}

function sameRgb(a: Rgba, b: Rgba, what: string): void {
  assert.ok(Math.abs(a.r - b.r) <= 1 && Math.abs(a.g - b.g) <= 1 && Math.abs(a.b - b.b) <= 1, `${what}: ${hex(a)} vs ${hex(b)}`);
}

for (const theme of ALL_THEMES) {
  test(`${theme.name}: ranks bars, legend swatches and the error line are solid, readable and distinct`, async () => {
    await page.applyTheme(theme);
    await page.showTab('Ranks');
    const background = await colourOf('body', 'background-color');
    assert.equal(background.a, 1);
    const bars = {
      rank: await colourOf('svg.rank-chart rect.series-rank', 'fill'),
      'effective rank': await colourOf('svg.rank-chart rect.series-effective', 'fill'),
      r95: await colourOf('svg.rank-chart rect.series-r95', 'fill'),
      'error line': await colourOf('svg.rank-chart path.rec-error', 'stroke'),
    };
    checkSeries(theme, background, bars);
    sameRgb(await colourOf('.key.series-rank .swatch', 'background-color'), bars.rank, `${theme.name}: rank swatch`);
    sameRgb(await colourOf('.key.series-effective .swatch', 'background-color'), bars['effective rank'], `${theme.name}: effective rank swatch`);
    sameRgb(await colourOf('.key.series-r95 .swatch', 'background-color'), bars.r95, `${theme.name}: r95 swatch`);
    sameRgb(await colourOf('.key.rec-error-key .swatch', 'background-color'), bars['error line'], `${theme.name}: error swatch`);
    await page.screenshot(`theme-${theme.name}-ranks`);
  });

  test(`${theme.name}: the six spectrum lines, their chips and the small multiples are solid, readable and distinct`, async () => {
    await page.applyTheme(theme);
    await page.showTab('Spectrum');
    await page.page.waitForFunction((n) => document.querySelectorAll('.panel-spectrum svg.spectrum-chart g.series').length === n, SLOTS);
    const background = await colourOf('body', 'background-color');
    const lines: Record<string, Rgba> = {};
    for (let slot = 0; slot < SLOTS; slot++) {
      lines[`line ${slot}`] = await colourOf(`.panel-spectrum svg.spectrum-chart g.series.slot-${slot} path.sigma`, 'stroke');
      sameRgb(await colourOf(`.chips .chip.slot-${slot} .swatch`, 'background-color'), lines[`line ${slot}`], `${theme.name}: chip ${slot}`);
    }
    checkSeries(theme, background, lines);
    const multiple = await colourOf('.multiples .multiple path.sigma', 'stroke');
    checkSeries(theme, background, { 'small multiple': multiple });
    await page.screenshot(`theme-${theme.name}-spectrum`);
  });
}

test('the page raised no errors while the themes changed', () => {
  assert.deepEqual(page.errors, []);
});
