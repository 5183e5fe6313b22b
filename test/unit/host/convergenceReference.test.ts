import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { convergencePayload } from '../../../src/host/subspacePayloads';
import { checkpointSeries } from '../../../src/core/subspace/checkpoints';
import { convergenceLines } from '../../../webview/model/convergenceModel';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { writeReference, writeRun } from '../subspace/referenceRun';

test('the convergence panel with a reference: the payload carries the series per module and step; the curves leave out modules without an entry', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const run = await writeRun(
      rng,
      join(dir, 'run'),
      [
        { name: 'layers.0.mlp.fc', m: 6, n: 5 },
        { name: 'layers.1.mlp.fc', m: 6, n: 5 },
        { name: 'layers.2.mlp.fc', m: 6, n: 5 },
      ],
      [10, 20, 30, 40],
    );
    const file = join(dir, 'teacher.safetensors');
    await writeReference(file, [run.modules[0], run.modules[2]], 'uv');
    const series = await checkpointSeries([run.folder], { reference: file });
    const payload = convergencePayload(series, 0);
    const ref = payload.reference;
    assert.ok(ref, rng.tag);
    assert.equal(ref.file.label, 'teacher');
    assert.deepEqual(ref.unreferenced, ['layers.1.mlp.fc']);
    const T = payload.checkpoints.length;
    series.modules.forEach((m, i) => {
      for (let t = 0; t < T; t++) {
        const want = m.againstReference?.recoveryError[t] ?? NaN;
        assert.equal(ref.recoveryError.values[t * ref.recoveryError.rows + i], want, `${m.name} at ${t} ${rng.tag}`);
        assert.equal(ref.alignmentU.values[t * ref.alignmentU.rows + i], m.againstReference?.alignmentU[t] ?? NaN);
      }
    });
    const error = convergenceLines(payload, 'recoveryError', null);
    assert.deepEqual(
      error.lines.map((l) => l.key),
      ['layers.0.mlp.fc', 'layers.2.mlp.fc'],
    );
    assert.deepEqual([...error.lines[0].xs], [10, 20, 30, 40]);
    assert.equal(error.lines[1].ys[T - 1], series.modules[2].againstReference?.recoveryError[T - 1]);
    assert.equal(convergenceLines(payload, 'cosine', null).lines.length, 3, 'the curves against the final checkpoint keep every module');
    const without = convergencePayload(await checkpointSeries([run.folder]), 0);
    assert.equal(without.reference, undefined);
    assert.equal(convergenceLines(without, 'alignmentU', null).lines.length, 0);
  } finally {
    await removeDir(dir);
  }
});
