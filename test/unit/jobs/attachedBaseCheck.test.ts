import { strict as assert } from 'node:assert';
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHECK_BASE_SEED, type AttachedBase } from '../../../src/core/check/attachedBase';
import { BASE_CODES } from '../../../src/core/check/baseHealth';
import { CHECK_BASE_COMPUTE } from '../../../src/core/check/baseSource';
import type { Finding } from '../../../src/core/check/finding';
import { checkFile } from '../../../src/core/check/runCheck';
import { CHECK_SOURCES } from '../../../src/core/check/sources';
import { INTRUDER_EPSILON } from '../../../src/core/base/intruders';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { inThreadJobs } from '../../helpers/inThreadJobs';
import { Rng } from '../../helpers/random';
import { writeBaseCheckFixture, type BaseCheckFixture, type Plant } from '../check/baseCheckFixtures';

/**
 * The editor's check with a base attached: the base job's output, handed to the check job, gives
 * the findings `lora-lens check --base` gives on the same files, without the check reading the base.
 */

const JS = { backend: 'js', device: 'cpu' } as const;
const TRIGGERS: Plant[] = ['random', 'random', 'random', 'large', 'random', 'intruders', 'amplified', 'random', 'random', 'random', 'random', 'random'];
const BASE_CODE_SET = new Set<string>(Object.values(BASE_CODES));

/** The base job as Attach Base Model runs it (the command's seed and engine, ε of the settings), kept as the editor keeps it. */
async function attach(fx: BaseCheckFixture, weights: string): Promise<AttachedBase> {
  const { output } = await inThreadJobs.run('base', {
    adapterPath: weights,
    basePath: fx.base,
    options: { compute: CHECK_BASE_COMPUTE, seed: CHECK_BASE_SEED, epsilon: INTRUDER_EPSILON },
  });
  assert.ok(output.check, 'the base job says what the check needs');
  return { path: output.base.path, analysis: output.analysis, ...output.check };
}

function baseFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => BASE_CODE_SET.has(f.code));
}

test('the check job given the base job output finds what check --base finds, most serious first, and re-derives them at other thresholds', async () => {
  const dir = await tempDir();
  try {
    const fx = await writeBaseCheckFixture(dir, new Rng(14), TRIGGERS, { missing: [11] });
    const weights = join(fx.adapter, 'adapter_model.safetensors');
    const base = await attach(fx, weights);
    assert.deepEqual(
      base.unmatched.map((u) => [u.name, u.kind]),
      [[fx.layers[11].module, 'missing']],
    );

    const { output } = await inThreadJobs.run('check', { path: weights, options: JS, base });
    const cli = await checkFile(weights, { base: fx.base }, CHECK_SOURCES);
    assert.deepEqual(output.findings, cli.findings);
    assert.deepEqual(new Set(baseFindings(output.findings).map((f) => f.code)), new Set([BASE_CODES.amplification, BASE_CODES.intruders, BASE_CODES.missing]));

    // A threshold setting changed: the kept analysis gives the new findings, as the command would.
    const thresholds = { baseSpectralRatio: 1000, intruderMinCount: 4 };
    const rederived = await inThreadJobs.run('check', { path: weights, options: JS, thresholds, base });
    const cliRederived = await checkFile(weights, { base: fx.base, thresholds }, CHECK_SOURCES);
    assert.deepEqual(rederived.output.findings, cliRederived.findings);
    assert.equal(
      rederived.output.findings.some((f) => f.code === BASE_CODES.intruders),
      false,
    );

    // Without a base, none of them.
    const plain = await inThreadJobs.run('check', { path: weights, options: JS });
    assert.deepEqual(baseFindings(plain.output.findings), []);
  } finally {
    await removeDir(dir);
  }
});

test('a kept base analysis gives no findings once the adapter or a shard of the base changed on disk', async () => {
  const dir = await tempDir();
  try {
    const fx = await writeBaseCheckFixture(dir, new Rng(15), TRIGGERS);
    const weights = join(fx.adapter, 'adapter_model.safetensors');
    const base = await attach(fx, weights);
    const fresh = await inThreadJobs.run('check', { path: weights, options: JS, base });
    assert.ok(baseFindings(fresh.output.findings).length > 0);

    const later = new Date(Date.now() + 60_000);
    const shard = base.shards[1]?.path;
    assert.ok(shard);
    await utimes(shard, later, later);
    const baseChanged = await inThreadJobs.run('check', { path: weights, options: JS, base });
    assert.deepEqual(baseFindings(baseChanged.output.findings), []);
    assert.deepEqual(
      baseChanged.output.findings,
      fresh.output.findings.filter((f) => !BASE_CODE_SET.has(f.code)),
    );

    const again = await attach(fx, weights);
    await utimes(weights, later, later);
    const adapterChanged = await inThreadJobs.run('check', { path: weights, options: JS, base: again });
    assert.deepEqual(baseFindings(adapterChanged.output.findings), []);
  } finally {
    await removeDir(dir);
  }
});
