import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openGguf } from '../../src/core/gguf/reader';
import { removeDir, tempDir } from '../helpers/fixtures';
import { BLOCK_BYTES, type QuantName } from '../helpers/ggufQuants';
import { ggufBytes, type GgufTensorSpec } from '../helpers/ggufWriter';
import { Rng } from '../helpers/random';

/**
 * The reader's block types against a second, array-style numpy dequantizer (quants.py's manner).
 * It needs python3 with numpy, so it runs in `npm run test:peer` (CI installs both), not in the
 * README's `npm test`, which needs nothing beside the clone.
 */

const PEER = join(__dirname, '..', '..', '..', 'test', 'helpers', 'gguf_dequant_peer.py');
const QUANTS: readonly QuantName[] = ['Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1'];

test('Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 read bit for bit as the numpy peer dequantizes them', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  // Wide ranges, offsets and exact zeros, so every nibble, sign and fifth bit occurs.
  const tensors: GgufTensorSpec[] = QUANTS.map((type) => ({
    name: type,
    shape: [16, 64],
    type,
    values: rng.gaussians(1024).map((x, i) => (i % 97 === 0 ? 0 : x * 10 ** rng.int(-3, 2) + (i % 3 === 0 ? 1.5 : 0))),
  }));
  const path = join(dir, 'peer.gguf');
  await writeFile(path, ggufBytes({ kv: [], tensors }));
  const file = await openGguf(path);
  try {
    const spans = file.header.tensors.map((info) => ({ name: info.name, type: info.name, start: info.start, end: info.end, blockBytes: BLOCK_BYTES[info.name as QuantName] }));
    const specPath = join(dir, 'spec.json');
    await writeFile(specPath, JSON.stringify({ file: path, tensors: spans }));
    const run = spawnSync('python3', [PEER, specPath], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
    const peer = JSON.parse(run.stdout) as Record<string, string>;
    for (const type of QUANTS) {
      const got = Buffer.from(await file.readBytes(type)).toString('hex');
      assert.equal(got, peer[type], `${type} ${rng.tag}`);
    }
  } finally {
    await file.close();
    await removeDir(dir);
  }
});
