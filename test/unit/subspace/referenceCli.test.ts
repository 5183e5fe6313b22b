import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fixtureBytes, removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { writeReference, writeRun } from './referenceRun';

/** The built CLI bundle (npm test builds it first), run as a user runs it. */
const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, COLUMNS: '200' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface ReferenceJson {
  reference: { kind: string; unreferenced: string[]; modules: { name: string; module: string | null }[] };
  modules: { name: string; againstReference?: { recoveryError: number[]; alignmentU: number[]; alignmentV: number[] } }[];
}

test('checkpoints --reference on a generated run: JSON per module and step, a by-step table, typed errors with status 2', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const generated = await writeRun(
      rng,
      join(dir, 'run'),
      [
        { name: 'blocks.0.fc', m: 8, n: 6 },
        { name: 'blocks.1.fc', m: 8, n: 6 },
      ],
      [50, 100, 150],
    );
    const teacher = join(dir, 'teacher.safetensors');
    await writeReference(teacher, generated.modules.slice(0, 1), 'uv');
    const json = run('checkpoints', generated.folder, '--reference', teacher, '--json');
    assert.equal(json.status, 0, json.stderr);
    const report = JSON.parse(json.stdout) as ReferenceJson;
    assert.equal(report.reference.kind, 'uv');
    assert.deepEqual(report.reference.unreferenced, ['blocks.1.fc']);
    const measured = report.modules.find((m) => m.name === 'blocks.0.fc')?.againstReference;
    assert.ok(measured, rng.tag);
    assert.equal(measured.recoveryError.length, 3);
    for (const a of [...measured.alignmentU, ...measured.alignmentV]) assert.ok(a >= 0 && a <= 1, `${a} ${rng.tag}`);
    assert.equal(report.modules.find((m) => m.name === 'blocks.1.fc')?.againstReference, undefined);

    const text = run('checkpoints', generated.folder, '--reference', teacher);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^checkpoint\s+\|cos u\|\s+\|cos v\|\s+error\s+σ1\/θ$/m);
    assert.match(text.stdout, /^step 150(\s+\d\.\d+(e-\d+)?){2}\s+[\d.e-]+\s+[\d.e-]+$/m);
    assert.match(text.stdout, /no reference entry \(not measured\): blocks\.1\.fc/);

    const nan = join(dir, 'nan.safetensors');
    await writeFile(
      nan,
      fixtureBytes([
        { name: 'blocks.0.fc.u', shape: [8], values: [1, 0, 0, 0, 0, 0, 0, NaN] },
        { name: 'blocks.0.fc.v', shape: [6], values: [1, 0, 0, 0, 0, 0] },
      ]),
    );
    const bad = run('checkpoints', generated.folder, '--reference', nan, '--json');
    assert.equal(bad.status, 2, bad.stderr);
    assert.equal((JSON.parse(bad.stdout) as { error: { code: string } }).error.code, 'NOT_FINITE');
    const empty = run('checkpoints', generated.folder, '--reference=');
    assert.equal(empty.status, 2);
    assert.match(empty.stderr, /--reference takes a file/);
    for (const r of [bad, empty]) assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at /);
  } finally {
    await removeDir(dir);
  }
});
