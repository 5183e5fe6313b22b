import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { openAdapter } from '../../src/core/adapter/load';
import { identify } from '../../src/core/check/identify';
import { checkFile, type FileCheck } from '../../src/core/check/runCheck';
import { CHECK_SOURCES } from '../../src/core/check/sources';
import { identityCardOf } from '../../src/host/check/identityCard';
import type { IdentityCardPayload } from '../../src/protocol/checkPayloads';
import { corpusPath } from '../helpers/fixtures';
import { Lens, type LensPage } from './browser';
import { recordAdapter, type Recording } from './recording';
import { HIGH_CONTRAST, LIGHT } from './themes';

// The Identity card on the Overview, fed what the host sends for a real file: the ai-toolkit
// FLUX.1 LoRA whose metadata wrongly says sd_1.5 (test/corpus MANIFEST). Its identity shows at
// once with "checking…", then the check's findings; markup in any string shows as text.
const MARKUP = '<img src=x onerror=alert(1)>';
const FILE = corpusPath('aitoolkit-flux-sparse', 'lora.safetensors');

let lens: Lens;
let page: LensPage;
let rec: Recording;
let early: IdentityCardPayload;
let checked: IdentityCardPayload;
let check: FileCheck;

const card = () => page.page.locator('.panel-overview .identity-card');
const fact = (label: string) => card().locator(`dd.fact-${label} .fact-value`);
const notify = (params: unknown) => ({ kind: 'notify', method: 'identity', params });

before(async () => {
  rec = await recordAdapter(FILE);
  const opened = await openAdapter(FILE);
  try {
    early = identityCardOf(identify(opened.adapter), undefined);
  } finally {
    await opened.file.close();
  }
  check = await checkFile(FILE, {}, CHECK_SOURCES);
  checked = identityCardOf(check.identity, check);
  lens = await Lens.launch();
  page = await lens.open();
  await page.send(rec.overview, ...rec.stream, rec.done, notify(early));
  await page.showTab('Overview');
  await card().locator('.findings-summary').waitFor();
});

after(async () => {
  await lens?.close();
});

test('the card shows the identity at once, before the check has run', async () => {
  assert.equal(await fact('container').textContent(), 'safetensors');
  assert.equal(await fact('algorithm').textContent(), 'LoRA');
  assert.equal(await fact('writer').textContent(), 'ai-toolkit');
  assert.match((await card().locator('dd.fact-writer .fact-evidence').textContent()) ?? '', /software/);
  const arch = early.identity.architecture;
  assert.ok(arch, 'the FLUX.1 file has an architecture');
  assert.match(arch.name, /FLUX/);
  assert.equal(await fact('architecture').textContent(), `${arch.name} (confidence ${Math.round(arch.confidence * 100)}%)`);
  // The evidence shows on hover (title) and opens under the value.
  assert.equal(await card().locator('dd.fact-architecture').getAttribute('title'), arch.evidence.join('\n'));
  if (arch.evidence.length > 1) {
    await card().locator('dd.fact-architecture details summary').click();
    assert.deepEqual(await card().locator('dd.fact-architecture details li').allTextContents(), [...arch.evidence]);
  }
  assert.equal(await card().locator('.findings-summary').textContent(), 'Findings: checking…');
  assert.equal(await card().locator('.findings-pending').count(), 1);
  assert.equal(await card().locator('.findings-none').count(), 0);
  assert.equal(await card().locator('.identity-finding-list li').count(), 0);
  // The card sits above the summary.
  const order = await page.page.evaluate(() => Array.from(document.querySelectorAll('.panel-overview .identity-card, .panel-overview .overview'), (e) => e.className));
  assert.deepEqual(order, ['identity-card', 'overview']);
});

test("the card updates when the check's findings arrive: counts by severity and the first findings", async () => {
  assert.ok(check.findings.length > 0, 'the metadata contradicts the tensors');
  await page.send(notify(checked));
  await card().locator('.identity-finding-list li').first().waitFor();
  const counts = await card().locator('vscode-badge').allTextContents();
  const expected = (['error', 'warning', 'note'] as const).map((s) => check.findings.filter((f) => f.severity === s).length).filter((n) => n > 0);
  assert.deepEqual(counts.map(Number), expected);
  const items = card().locator('.identity-finding-list li');
  assert.equal(await items.count(), Math.min(5, check.findings.length));
  const first = check.findings[0];
  assert.equal(await items.first().locator('.finding-code').textContent(), first.code);
  assert.equal(await items.first().locator('.finding-message').textContent(), first.message);
  assert.equal(await items.first().locator('.finding-severity').textContent(), first.severity);
  assert.ok(
    check.findings.some((f) => f.code === 'METADATA_CONTRADICTS_TENSORS'),
    check.findings.map((f) => f.code).join(', '),
  );
  for (const theme of [LIGHT, HIGH_CONTRAST]) {
    await page.applyTheme(theme);
    await page.screenshot(`identity-${theme.bodyClass}`);
  }
});

test('a clean check says no findings', async () => {
  await page.send(notify({ ...checked, check: { kind: 'checked', counts: { error: 0, warning: 0, note: 0 }, findings: [] } }));
  await page.page.waitForFunction(() => document.querySelector('.identity-card .findings-none')?.textContent === 'no findings');
  assert.equal(await card().locator('vscode-badge').count(), 0);
  assert.equal(await card().locator('.identity-finding-list').count(), 0);
});

test('markup in every string shows as text; a payload of the wrong shape is ignored', async () => {
  const hostile: IdentityCardPayload = {
    identity: {
      container: MARKUP,
      algorithm: MARKUP,
      writer: { name: MARKUP, evidence: MARKUP },
      architecture: { name: MARKUP, confidence: 0.5, evidence: [MARKUP, `${MARKUP}2`] },
    },
    check: {
      kind: 'checked',
      counts: { error: 1, warning: 0, note: 7 },
      findings: [{ code: MARKUP, severity: 'error', message: MARKUP, modules: [MARKUP, 'b', 'c'], moduleCount: 10 }],
    },
  };
  await page.send(notify(hostile));
  await page.page.waitForFunction((m) => document.querySelector('.identity-card dd.fact-container .fact-value')?.textContent === m, MARKUP);
  assert.equal(await fact('writer').textContent(), MARKUP);
  assert.equal(await card().locator('.finding-code').textContent(), MARKUP);
  assert.equal(await card().locator('.finding-modules').textContent(), `${MARKUP}, b, c and 7 more`);
  assert.equal(await card().locator('.findings-more').textContent(), '…and 7 more in the Problems panel');
  // Wrong shapes: a number for a string, an unknown severity, no check at all.
  await page.send(
    notify({ ...hostile, identity: { ...hostile.identity, container: 7 } }),
    notify({
      ...hostile,
      check: {
        kind: 'checked',
        counts: hostile.check.kind === 'checked' ? hostile.check.counts : null,
        findings: [{ code: 'X', severity: 'fatal', message: 'm', modules: [], moduleCount: 0 }],
      },
    }),
    notify({ identity: hostile.identity }),
    notify(null),
  );
  await page.page.waitForTimeout(200);
  assert.equal(await fact('container').textContent(), MARKUP);
  assert.equal(await card().locator('.finding-code').textContent(), MARKUP);
  assert.equal(await page.page.evaluate(() => document.querySelectorAll('img, script:not([src])').length), 0);
  assert.deepEqual(page.dialogs, []);
  assert.deepEqual(page.errors, []);
  assert.deepEqual((await page.probe()).violations, []);
});
