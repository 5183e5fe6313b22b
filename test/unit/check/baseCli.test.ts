import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { BASE_CODES } from '../../../src/core/check/baseHealth';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { runCli } from '../cli/runCli';
import { writeBaseCheckFixture, type Plant } from './baseCheckFixtures';

const CLEAN: Plant[] = Array.from({ length: 6 }, () => 'random');

interface JsonFindings {
  files: { findings: { code: string; severity: string; modules: string[] }[] }[];
}

function codesOf(stdout: string): string[] {
  return (JSON.parse(stdout) as JsonFindings).files[0].findings.map((f) => `${f.code}:${f.severity}`);
}

test('check --base: warnings and notes against the base exit 0 by default and 1 at --fail-on warning; the clean counterpart exits 0 with no findings', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const plants: Plant[] = ['random', 'random', 'large', 'random', 'intruders', 'random', 'random'];
    const fx = await writeBaseCheckFixture(`${dir}/triggers`, rng, plants);
    const text = runCli(['check', fx.adapter, '--base', fx.base]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(
      text.stdout,
      /\n {2}warnings \(1\):\n {4}HEALTH_BASE_AMPLIFICATION \[model\.layers\.2\.self_attn\.q_proj\] 1 module has an update larger than the base weight itself/,
    );
    assert.match(text.stdout, /\n {2}notes \(1\):\n {4}HEALTH_INTRUDER_DIMENSIONS \[model\.layers\.4\.self_attn\.q_proj\]/);
    assert.equal(runCli(['check', fx.adapter, '--base', fx.base, '--fail-on', 'warning']).status, 1);
    const json = runCli(['check', fx.adapter, '--base', fx.base, '--json']);
    assert.deepEqual(codesOf(json.stdout), [`${BASE_CODES.amplification}:warning`, `${BASE_CODES.intruders}:note`], rng.tag);
    const clean = await writeBaseCheckFixture(`${dir}/clean`, rng, CLEAN);
    const ok = runCli(['check', clean.adapter, '--base', clean.base, '--fail-on', 'note']);
    assert.equal(ok.status, 0, `${ok.stdout}${ok.stderr} ${rng.tag}`);
    assert.match(ok.stdout, /\n {2}no findings\n/);
  } finally {
    await removeDir(dir);
  }
});

test('check --base: a base weight of the wrong shape is an error (exit 1), a missing one a warning; a base no module matches exits 2', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const fx = await writeBaseCheckFixture(`${dir}/shape`, rng, CLEAN, { wrongShape: [0], missing: [5] });
    const r = runCli(['check', fx.adapter, '--base', fx.base, '--json']);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(codesOf(r.stdout), [`${BASE_CODES.shapeMismatch}:error`, `${BASE_CODES.missing}:warning`]);
    const sarif = runCli(['check', fx.adapter, '--base', fx.base, '--sarif']);
    const rules = (JSON.parse(sarif.stdout) as { runs: { tool: { driver: { rules: { id: string; shortDescription: { text: string } }[] } } }[] }).runs[0].tool.driver.rules;
    for (const id of [BASE_CODES.shapeMismatch, BASE_CODES.missing]) assert.ok(rules.find((rule) => rule.id === id)?.shortDescription.text, id);
    const none = await writeBaseCheckFixture(`${dir}/none`, rng, CLEAN, { missing: CLEAN.map((_, l) => l) });
    const unrelated = runCli(['check', none.adapter, '--base', none.base]);
    assert.equal(unrelated.status, 2);
    assert.match(unrelated.stderr, /no adapter module matched a base weight/);
  } finally {
    await removeDir(dir);
  }
});
