import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { Finding, Identity } from '../../../src/core/check/finding';
import type { FileCheck } from '../../../src/core/check/runCheck';
import { identityCardOf } from '../../../src/host/check/identityCard';
import { checkedIdentityCard, MAX_CARD_FINDINGS, MAX_CARD_MODULES, MAX_CARD_TEXT } from '../../../src/protocol/checkPayloads';
import { identityCardModel } from '../../../webview/model/identityCard';

const IDENTITY: Identity = {
  container: 'safetensors',
  algorithm: 'LoRA',
  writer: { name: 'PEFT', evidence: 'adapter_config.json peft_type = LORA' },
  architecture: { name: 'OPT 125M', confidence: 0.9, evidence: ['q_proj [768, 768]', '12 layers'] },
};

const finding = (i: number, severity: Finding['severity']): Finding => ({
  code: `CODE_${i}`,
  severity,
  message: `finding ${i}`,
  modules: Array.from({ length: i }, (_, k) => `model.layers.${k}.q_proj`),
});

test('before the check the card says checking; after it, counts of every finding and the first few, cut to bounds', () => {
  const early = identityCardOf(IDENTITY, undefined);
  assert.deepEqual(early.check, { kind: 'checking' });
  assert.deepEqual(checkedIdentityCard(early), early);
  assert.equal(identityCardModel(early).summary, 'checking…');
  const findings = [finding(1, 'error'), ...Array.from({ length: 6 }, (_, i) => finding(i + 2, 'warning')), finding(9, 'note')];
  const check: FileCheck = { path: '/a/adapter_model.safetensors', identity: IDENTITY, findings, config: null, targets: [] };
  const card = identityCardOf(IDENTITY, check);
  assert.ok(card.check.kind === 'checked');
  assert.deepEqual(card.check.counts, { error: 1, warning: 6, note: 1 });
  assert.equal(card.check.findings.length, MAX_CARD_FINDINGS);
  assert.ok(card.check.findings.every((f) => f.modules.length <= MAX_CARD_MODULES));
  assert.equal(card.check.findings[4].moduleCount, 5);
  assert.deepEqual(checkedIdentityCard(card), card);
  const model = identityCardModel(card);
  assert.equal(model.summary, '1 error · 6 warnings · 1 note');
  assert.equal(model.status, 'error');
  assert.equal(model.more, 3);
  assert.equal(model.findings[4].modules, 'model.layers.0.q_proj, model.layers.1.q_proj, model.layers.2.q_proj and 2 more');
  assert.equal(model.facts[3].value, 'OPT 125M (confidence 90%)');
  for (const confidence of [1.5, -0.1, Number.NaN]) {
    const odd = identityCardOf({ ...IDENTITY, architecture: { name: 'x', confidence, evidence: [] } }, undefined);
    assert.notEqual(checkedIdentityCard(odd), null, String(confidence));
  }
  const long = identityCardOf({ ...IDENTITY, algorithm: 'x'.repeat(3 * MAX_CARD_TEXT) }, undefined);
  assert.equal(long.identity.algorithm.length, MAX_CARD_TEXT);
});

test('a card of the wrong shape is refused; over-long lists from the wire are cut', () => {
  const card = identityCardOf(IDENTITY, undefined);
  for (const bad of [
    null,
    [],
    { identity: card.identity },
    { ...card, identity: { ...card.identity, container: 1 } },
    { ...card, identity: { ...card.identity, writer: { name: 'x' } } },
    { ...card, identity: { ...card.identity, architecture: { name: 'x', confidence: 2, evidence: [] } } },
    { ...card, identity: { ...card.identity, architecture: { name: 'x', confidence: 0.5, evidence: [1] } } },
    { ...card, check: { kind: 'done' } },
    { ...card, check: { kind: 'checked', counts: { error: -1, warning: 0, note: 0 }, findings: [] } },
    { ...card, check: { kind: 'checked', counts: { error: 0, warning: 0, note: 0 }, findings: [{ code: 'X', severity: 'fatal', message: '', modules: [], moduleCount: 0 }] } },
    { ...card, check: { kind: 'checked', counts: { error: 0, warning: 0, note: 0 }, findings: [{ code: 'X', severity: 'note', message: '', modules: 'a', moduleCount: 0 }] } },
  ]) {
    assert.equal(checkedIdentityCard(bad), null, JSON.stringify(bad));
  }
  const many = Array.from({ length: 50 }, () => ({ code: 'X', severity: 'note', message: 'm', modules: Array.from({ length: 20 }, () => 'a'), moduleCount: 1 }));
  const cut = checkedIdentityCard({ ...card, check: { kind: 'checked', counts: { error: 0, warning: 0, note: 50 }, findings: many } });
  assert.ok(cut && cut.check.kind === 'checked');
  assert.equal(cut.check.findings.length, MAX_CARD_FINDINGS);
  assert.equal(cut.check.findings[0].modules.length, MAX_CARD_MODULES);
  assert.equal(cut.check.findings[0].moduleCount, MAX_CARD_MODULES);
});
