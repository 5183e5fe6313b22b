import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { InspectArgs } from '../../../src/cli/args';
import { inspect } from '../../../src/cli/inspect';
import { resolveWeightsFile } from '../../../src/core/adapter/resolve';
import * as header from '../../../src/core/safetensors/header';
import { writeBaseFixture } from '../../helpers/baseFixture';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { inThreadJobs } from '../../helpers/inThreadJobs';
import { Rng } from '../../helpers/random';

/** Counts parseHeader calls by file while `use` runs (the CommonJS build looks exports up at each call). */
async function countingHeaderParses<T>(use: () => Promise<T>): Promise<{ result: T; parses: Map<string, number> }> {
  const exports = header as unknown as { parseHeader: typeof header.parseHeader };
  const original = exports.parseHeader;
  const parses = new Map<string, number>();
  exports.parseHeader = (json, length, fileSize, file) => {
    parses.set(file, (parses.get(file) ?? 0) + 1);
    return original(json, length, fileSize, file);
  };
  try {
    return { result: await use(), parses };
  } finally {
    exports.parseHeader = original;
  }
}

test('inspect --base reads the adapter header once for the layer table, the spectra and the base analysis', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const fixture = await writeBaseFixture(dir, rng);
    const weights = await resolveWeightsFile(fixture.adapter);
    const args: InspectArgs = { command: 'inspect', path: fixture.adapter, output: 'json', quiet: true, compute: { backend: 'js', device: 'cpu' }, base: fixture.base, k: 4 };
    const { result, parses } = await countingHeaderParses(() => inspect(args, inThreadJobs));
    const report = JSON.parse(result) as { modules: { base: { status: string } }[]; againstBase: { k: number; shards: string[] } };
    assert.equal(parses.get(weights), 1, `adapter header parses: ${JSON.stringify([...parses])} ${rng.tag}`);
    assert.equal(report.againstBase.k, 4);
    assert.equal(report.againstBase.shards.length, 2);
    assert.ok(report.modules.some((m) => m.base.status === 'ok'));
  } finally {
    await removeDir(dir);
  }
});
