import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { describeMetadata } from '../../../src/core/adapter/metadata';
import { fitTable } from '../../../src/core/report/fitTable';
import { buildReport } from '../../../src/core/report/report';
import { reportText } from '../../../src/core/report/text';
import { recommendRanks } from '../../../src/core/resize/recommend';
import { parseSafetensorsBytes } from '../../../src/core/safetensors/header';
import { fixtureBytes, removeDir, tempDir, writeFixture, type FixtureTensor } from '../../helpers/fixtures';

/**
 * Nothing whose depth or length comes from a file may recurse or be spread into a call: deep
 * JSON in a metadata string, a metadata string of megabytes and adapters of 130k modules.
 */

/** The built CLI bundle (npm test builds it first); its output here holds megabytes of metadata. */
const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

function runCli(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** More than a call takes as arguments (about 120k on a default stack). */
const MANY = 130_000;

const pair = (prefix: string): FixtureTensor[] => [
  { name: `${prefix}.lora_A.weight`, shape: [2, 4], values: [1, 2, 3, 4, 5, 6, 7, 9] },
  { name: `${prefix}.lora_B.weight`, shape: [4, 2], values: [1, 0, 0, 1, 1, 1, 2, 3] },
];

test('a header with a 9 MB metadata string is read', () => {
  const value = 'a'.repeat(9_000_000);
  const header = parseSafetensorsBytes(fixtureBytes(pair('base_model.model.q_proj'), { note: value }), 'big.safetensors');
  assert.equal(header.metadata?.note.length, value.length);
  assert.equal(header.tensors.length, 2);
});

test('a metadata string holding JSON nested 400k deep: inspect --json and text succeed and show it as a string', async () => {
  const dir = await tempDir();
  try {
    const balanced = '['.repeat(400_000) + ']'.repeat(400_000);
    const open = '['.repeat(400_000);
    await writeFixture(dir, 'adapter_model.safetensors', pair('base_model.model.model.layers.0.self_attn.q_proj'), {
      config: { peft_type: 'LORA', r: 2, lora_alpha: 2, target_modules: ['q_proj'] },
      metadata: { ss_network_args: balanced, deep: open },
    });
    const entries = describeMetadata({ ss_network_args: balanced, deep: open });
    for (const e of entries) assert.equal(e.parsed, undefined, e.key);
    const json = runCli(['inspect', dir, '--json']);
    assert.equal(json.status, 0, json.stderr);
    const report = JSON.parse(json.stdout) as { metadata: Record<string, string>; modules: { status: string }[] };
    assert.equal(report.metadata.ss_network_args, balanced);
    assert.deepEqual(
      report.modules.map((m) => m.status),
      ['ok'],
    );
    const text = runCli(['inspect', dir]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /q_proj/);
  } finally {
    await removeDir(dir);
  }
});

test('130k rows lay out as a text table, and 130k layers get a resize plan', () => {
  const rows = Array.from({ length: MANY }, (_, i) => [`m${i}`, String(i), '1']);
  const { lines } = fitTable(
    'module',
    [
      { title: 'rank', right: true },
      { title: 'kept', right: true },
    ],
    rows,
    100,
  );
  assert.equal(lines.length, MANY + 1);
  const plan = recommendRanks(
    Array.from({ length: MANY }, (_, i) => ({ name: `m${i}`, rank: 1, shape: [1, 1] as const, sigma: Float64Array.of(1 + (i % 7)) })),
    { kind: 'fixed', rank: 1 },
  );
  assert.equal(plan.layers.length, MANY);
});

test('an adapter of 130k modules gets its text report', async () => {
  const dir = await tempDir();
  try {
    const tensors: FixtureTensor[] = [];
    for (let i = 0; i < MANY; i++) {
      tensors.push({ name: `base_model.model.layers.${i}.q_proj.lora_A.weight`, shape: [1, 1], values: [1], dtype: 'F32' });
      tensors.push({ name: `base_model.model.layers.${i}.q_proj.lora_B.weight`, shape: [1, 1], values: [2], dtype: 'F32' });
    }
    await writeFixture(dir, 'adapter_model.safetensors', tensors, { config: { peft_type: 'LORA', r: 1, lora_alpha: 1, target_modules: ['q_proj'] } });
    const opened = await openAdapter(join(dir, 'adapter_model.safetensors'));
    try {
      assert.equal(opened.adapter.modules.length, MANY);
      const text = reportText(buildReport(opened.adapter, null), { width: 100, legend: true });
      assert.match(text, /layers\.129999\.q_proj/);
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});
