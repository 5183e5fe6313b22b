import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { Finding, Identity } from '../../../src/core/check/finding';
import type { FileCheck } from '../../../src/core/check/runCheck';
import { itemText, statusContent } from '../../../src/host/check/statusText';

const IDENTITY: Identity = {
  container: 'safetensors',
  algorithm: 'LoRA',
  writer: { name: 'PEFT', evidence: 'adapter_config.json peft_type = LORA' },
  architecture: { name: 'OPT 125M', confidence: 0.9, evidence: ['q_proj [768, 768]'] },
};

const checkOf = (findings: Finding[], identity: Identity = IDENTITY): FileCheck => ({ path: '/a/adapter_model.safetensors', identity, findings, config: null, targets: [] });
const finding = (severity: Finding['severity'], code = 'HEALTH_X'): Finding => ({ code, severity, message: `${code} message`, modules: [] });

test('the item says format · architecture · findings, the icon following the most serious finding', () => {
  assert.equal(statusContent(IDENTITY, undefined).text, '$(sync~spin) PEFT LoRA · OPT 125M · checking…');
  assert.equal(statusContent(IDENTITY, checkOf([])).text, '$(pass) PEFT LoRA · OPT 125M · no findings');
  assert.equal(statusContent(IDENTITY, checkOf([finding('note')])).text, '$(info) PEFT LoRA · OPT 125M · 1 finding');
  assert.equal(statusContent(IDENTITY, checkOf([finding('warning'), finding('note')])).text, '$(warning) PEFT LoRA · OPT 125M · 2 findings');
  assert.equal(statusContent(IDENTITY, checkOf([finding('error'), finding('warning'), finding('note')])).text, '$(error) PEFT LoRA · OPT 125M · 3 findings');
  const unknown: Identity = { ...IDENTITY, writer: null, architecture: null, algorithm: 'LoKr' };
  assert.equal(statusContent(unknown, undefined).text, '$(sync~spin) LoKr · unknown base · checking…');
});

test('the tooltip has the identity and the counts, every file string escaped', () => {
  const early = statusContent(IDENTITY, undefined).tooltip;
  assert.match(early, /\| Writer \| PEFT \\\(adapter\\_config\.json peft\\_type = LORA\\\) \|/);
  assert.match(early, /\| Architecture \| OPT 125M, confidence 90% \|/);
  assert.match(early, /Checking…/);
  const tooltip = statusContent(IDENTITY, checkOf([finding('error', 'E1'), finding('warning', 'W1'), finding('warning', 'W2')])).tooltip;
  assert.match(tooltip, /1 error\(s\) · 2 warning\(s\) · 0 note\(s\)/);
  assert.match(tooltip, /- error E1: E1 message/);
  const hostile: Identity = { ...IDENTITY, architecture: { name: '<img src=x> $(bug) [a](command:x)\nline', confidence: 0.5, evidence: [] } };
  const content = statusContent(hostile, undefined);
  assert.ok(!content.tooltip.includes('<img'), content.tooltip);
  assert.ok(!content.tooltip.includes('[a](command'), content.tooltip);
  assert.ok(!content.text.includes('$(bug)'), content.text);
  assert.ok(!content.text.includes('\n'), content.text);
});

test('a long name is cut in the item', () => {
  const cut = itemText('x'.repeat(500));
  assert.equal(cut.length, 48);
  assert.ok(cut.endsWith('…'));
});
