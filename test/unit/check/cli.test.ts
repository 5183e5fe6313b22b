import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { checkCommand } from '../../../src/cli/check';
import type { CheckArgs } from '../../../src/cli/checkArgs';
import type { Finding, Severity } from '../../../src/core/check/finding';
import { CHECK_SOURCES } from '../../../src/core/check/sources';
import type { CheckSources } from '../../../src/core/check/runCheck';
import { corpusPath, removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { runCli } from '../cli/runCli';
import { child, modelFile, peftAdapter } from './cliFixtures';

interface JsonFile {
  path: string;
  identity: { container: string; algorithm: string; writer: unknown; architecture: unknown };
  findings: { code: string; severity: string; message: string; modules: string[] }[];
}

function files(stdout: string): JsonFile[] {
  const parsed = JSON.parse(stdout) as { files: JsonFile[] };
  assert.deepEqual(Object.keys(parsed), ['files']);
  return parsed.files;
}

test('a clean adapter exits 0 with its identity card and no findings; --json has {files: [{path, identity, targets, findings}]}', async () => {
  const dir = await tempDir();
  try {
    const adapter = await peftAdapter(Rng.fresh(), child(dir, 'clean'));
    const text = runCli(['check', adapter]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /adapter_model\.safetensors\n {2}container {5}safetensors\n {2}algorithm {5}LoRA\n {2}writer {8}PEFT/);
    assert.match(text.stdout, /\n {2}no findings\n/);
    const json = runCli(['check', adapter, '--json']);
    assert.equal(json.status, 0, json.stderr);
    const [file, ...rest] = files(json.stdout);
    assert.equal(rest.length, 0);
    assert.deepEqual(Object.keys(file), ['path', 'identity', 'targets', 'findings']);
    assert.match(file.path, /clean[/\\]adapter_model\.safetensors$/);
    assert.deepEqual(Object.keys(file.identity), ['container', 'algorithm', 'writer', 'architecture']);
    assert.equal(file.identity.container, 'safetensors');
    assert.deepEqual(file.findings, []);
  } finally {
    await removeDir(dir);
  }
});

test('NaN and Inf in a factor is a HEALTH_NON_FINITE error naming the module: exit 1 at every --fail-on', async () => {
  const dir = await tempDir();
  try {
    const adapter = await peftAdapter(Rng.fresh(), child(dir, 'broken'), { nan: true });
    const text = runCli(['check', adapter]);
    assert.equal(text.status, 1, text.stderr);
    assert.match(text.stdout, /\n {2}errors \(1\):\n {4}HEALTH_NON_FINITE \[layers\.0\.v_proj\] 1 module holds NaN or infinite values/);
    for (const failOn of ['error', 'warning', 'note']) assert.equal(runCli(['check', adapter, '--fail-on', failOn]).status, 1, failOn);
    const [file] = files(runCli(['check', adapter, '--json']).stdout);
    assert.deepEqual(
      file.findings.map((f) => [f.code, f.severity, f.modules]),
      [['HEALTH_NON_FINITE', 'error', ['layers.0.v_proj']]],
    );
  } finally {
    await removeDir(dir);
  }
});

test('a readable file with no adapted module is a NO_MODULES error', async () => {
  const dir = await tempDir();
  try {
    const r = runCli(['check', await modelFile(Rng.fresh(), dir), '--json']);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(
      files(r.stdout)[0].findings.map((f) => f.code),
      ['NO_MODULES'],
    );
  } finally {
    await removeDir(dir);
  }
});

test('unreadable input exits 2: a Git LFS pointer, a missing path (a JSON error under --json); bad usage exits 2', async () => {
  const lfs = runCli(['check', corpusPath('_negative', 'git-lfs-pointer.safetensors')]);
  assert.equal(lfs.status, 2);
  assert.equal(lfs.stdout, '');
  assert.match(lfs.stderr, /^lora-lens: not a safetensors file: a Git LFS pointer/);
  const missing = runCli(['check', corpusPath('no-such-adapter'), '--json']);
  assert.equal(missing.status, 2);
  assert.equal((JSON.parse(missing.stdout) as { error: { code: string } }).error.code, 'NOT_FOUND');
  for (const args of [['check'], ['check', 'x', '--json', '--sarif'], ['check', 'x', '--fail-on', 'fatal'], ['check', 'x', '--base', '']]) {
    const r = runCli(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /see lora-lens check --help/);
  }
});

test('--base naming a folder with no model weights is unreadable input, exit 2, rather than silently ignored', async () => {
  const dir = await tempDir();
  try {
    const r = runCli(['check', await peftAdapter(Rng.fresh(), child(dir, 'a')), '--base', dir]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /holds no \.safetensors file/);
  } finally {
    await removeDir(dir);
  }
});

test('several files and folders in one run, and a folder of adapters: every adapter checked, in order', async () => {
  const dir = await tempDir();
  try {
    const rng = Rng.fresh();
    const clean = await peftAdapter(rng, child(dir, 'one'));
    await peftAdapter(rng, child(dir, 'runs', 'a'));
    await peftAdapter(rng, child(dir, 'runs', 'b', 'checkpoint-10'), { nan: true });
    const both = runCli(['check', clean, child(dir, 'runs'), '--json']);
    assert.equal(both.status, 1, both.stderr);
    const checked = files(both.stdout);
    assert.deepEqual(
      checked.map((f) =>
        f.path
          .slice(dir.length + 1)
          .split(/[/\\]/)
          .join('/'),
      ),
      ['one/adapter_model.safetensors', 'runs/a/adapter_model.safetensors', 'runs/b/checkpoint-10/adapter_model.safetensors'],
    );
    assert.deepEqual(
      checked.map((f) => f.findings.length),
      [0, 0, 1],
    );
    const text = runCli(['check', child(dir, 'runs', 'a'), clean]);
    assert.equal(text.status, 0, text.stderr);
    assert.equal(text.stdout.split('\n  no findings\n').length, 3);
  } finally {
    await removeDir(dir);
  }
});

/** Sources that add fixed findings to the real ones (to reach every severity). */
function withFindings(extra: readonly Finding[]): CheckSources {
  return { ...CHECK_SOURCES, health: async (adapter, analysis, file, thresholds) => [...(await CHECK_SOURCES.health(adapter, analysis, file, thresholds)), ...extra] };
}

function finding(severity: Severity): Finding {
  return { code: `TEST_${severity.toUpperCase()}`, severity, message: `a ${severity}`, modules: ['layers.0.q_proj'] };
}

test('--fail-on: exit 1 only when a finding is at least that serious', async () => {
  const dir = await tempDir();
  try {
    const adapter = await peftAdapter(Rng.fresh(), child(dir, 'a'));
    const args = (failOn: Severity): CheckArgs => ({ command: 'check', paths: [adapter], output: 'text', failOn });
    const cases: [Severity, Severity, number][] = [
      ['warning', 'error', 0],
      ['warning', 'warning', 1],
      ['warning', 'note', 1],
      ['note', 'error', 0],
      ['note', 'warning', 0],
      ['note', 'note', 1],
      ['error', 'error', 1],
    ];
    for (const [severity, failOn, status] of cases) {
      const outcome = await checkCommand(args(failOn), withFindings([finding(severity)]), dir);
      assert.equal(outcome.status, status, `${severity} with --fail-on ${failOn}`);
    }
    const grouped = await checkCommand(args('error'), withFindings([finding('note'), finding('warning')]), dir);
    assert.match(grouped.text, /\n {2}warnings \(1\):\n {4}TEST_WARNING \[layers\.0\.q_proj\] a warning\n {2}notes \(1\):\n {4}TEST_NOTE /);
  } finally {
    await removeDir(dir);
  }
});

test('text output shows the first three modules and a count, and escapes names from the file', async () => {
  const dir = await tempDir();
  try {
    const adapter = await peftAdapter(Rng.fresh(), child(dir, 'a'));
    const many: Finding = { code: 'TEST', severity: 'warning', message: 'bad\u001b[31m', modules: ['m1', 'm2\u202e', 'm3', 'm4', 'm5'] };
    const { text } = await checkCommand({ command: 'check', paths: [adapter], output: 'text', failOn: 'error' }, withFindings([many]), dir);
    assert.match(text, /TEST \[m1, m2\\u202e, m3 and 2 more\] bad\\u001b\[31m\n/);
    assert.match(text, /^a[/\\]adapter_model\.safetensors\n/);
  } finally {
    await removeDir(dir);
  }
});
