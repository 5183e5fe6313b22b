import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { corpusPath } from '../../helpers/fixtures';

/** The built CLI bundle (npm test builds it first), run as a user runs it. */
const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('inspect with no path analyses the bundled sample adapter', () => {
  const r = run('inspect');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /format\s+PEFT LoRA/);
  assert.match(r.stdout, /base model\s+roberta-base/);
  assert.match(r.stdout, /modules\s+24 \(24 analysed\)/);
  assert.match(r.stdout, /roberta\.encoder\.layer\.11\.attention\.self\.value\s+linear\s+768×768\s+8\s+2\s/);
});

test('--json is the stable contract', () => {
  const r = run('inspect', corpusPath('peft-qwen25-muzammel'), '--json');
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Record<string, unknown> & { modules: Record<string, unknown>[] };
  for (const key of ['format', 'baseModel', 'modules', 'otherTensors', 'warnings']) assert.ok(key in report, key);
  assert.equal(report.format, 'peft');
  assert.equal(report.baseModel, 'Qwen/Qwen2.5-0.5B-Instruct');
  assert.equal(report.modules.length, 48);
  const v = report.modules.find((m) => m.name === 'model.layers.3.self_attn.v_proj');
  assert.ok(v);
  assert.deepEqual(v.shape, [128, 896]);
  assert.equal(v.kind, 'linear');
  assert.equal(v.rank, 8);
  assert.equal(v.alpha, 16);
  assert.equal(v.scale, 2);
  assert.deepEqual(v.tensors, { A: 'base_model.model.model.layers.3.self_attn.v_proj.lora_A.weight', B: 'base_model.model.model.layers.3.self_attn.v_proj.lora_B.weight' });
  const sv = v.singularValues as number[];
  assert.equal(sv.length, 8);
  assert.ok(Math.abs((v.frobenius as number) - Math.hypot(...sv)) <= 1e-12 * (v.frobenius as number));
  for (const key of ['effectiveRank', 'stableRank', 'r95']) assert.equal(typeof v[key], 'number', key);
});

test('--csv and --markdown', () => {
  const csv = run('inspect', corpusPath('peft-tinygpt2'), '--csv');
  assert.equal(csv.status, 0, csv.stderr);
  const rows = csv.stdout.trimEnd().split('\r\n');
  assert.equal(rows.length, 7);
  assert.match(rows[0], /^name,kind,m,n,rank,alpha,scale,status,frobenius/);
  const md = run('inspect', corpusPath('peft-tinygpt2'), '--markdown');
  assert.equal(md.status, 0);
  assert.match(md.stdout, /^# LoRA Lens report: adapter\\_model\.safetensors/);
  assert.equal(md.stdout.split('\n').filter((l) => l.startsWith('| transformer')).length, 6);
});

test('invalid input exits 2 with one line on stderr, or a JSON error under --json; never a stack trace', () => {
  const lfs = corpusPath('_negative', 'git-lfs-pointer.safetensors');
  const text = run('inspect', lfs);
  assert.equal(text.status, 2);
  assert.equal(text.stdout, '');
  assert.equal(text.stderr.trim().split('\n').length, 1);
  assert.match(text.stderr, /^lora-lens: not a safetensors file: a Git LFS pointer/);
  const json = run('inspect', lfs, '--json');
  assert.equal(json.status, 2);
  const parsed = JSON.parse(json.stdout) as { error: { code: string; message: string } };
  assert.equal(parsed.error.code, 'NOT_SAFETENSORS');
  assert.match(parsed.error.message, /Git LFS pointer/);
  const missing = run('inspect', '/no/such/adapter', '--json');
  assert.equal(missing.status, 2);
  assert.equal((JSON.parse(missing.stdout) as { error: { code: string } }).error.code, 'NOT_FOUND');
  const usage = run('inspect', '--frobnicate');
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /unknown option --frobnicate/);
  for (const r of [text, json, missing, usage]) assert.doesNotMatch(r.stderr + r.stdout, /\n\s+at /);
});

test('help and version', () => {
  const help = run('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /lora-lens inspect/);
  const version = run('--version');
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
});

test('--backend onnxruntime gives the same spectra as js and reports the provider that ran', () => {
  const path = corpusPath('peft-opt125m-bf16');
  const js = JSON.parse(run('inspect', path, '--json', '--backend', 'js').stdout) as { backend: string; modules: { singularValues: number[] }[] };
  const r = run('inspect', path, '--json', '--backend=onnxruntime', '--device', 'cpu');
  assert.equal(r.status, 0, r.stderr);
  const ort = JSON.parse(r.stdout) as { backend: string; compute: { provider: string; threads: number }; modules: { singularValues: number[] }[] };
  assert.equal(js.backend, 'js');
  assert.equal(ort.backend, 'onnxruntime cpu');
  assert.equal(ort.compute.provider, 'cpu');
  assert.ok(ort.compute.threads >= 1);
  ort.modules.forEach((m, i) => m.singularValues.forEach((s, k) => assert.ok(Math.abs(s - js.modules[i].singularValues[k]) <= 1e-12 * js.modules[i].singularValues[0])));
});

test('info names the runtime, the providers and the one that runs; bad choices are usage errors', () => {
  const r = run('info', '--json');
  assert.equal(r.status, 0, r.stderr);
  const info = JSON.parse(r.stdout) as { onnxruntime: string; providers: { name: string; available: boolean }[]; provider: string; threads: number; cores: number };
  assert.match(info.onnxruntime, /^\d+\.\d+\.\d+/);
  assert.deepEqual(
    info.providers.map((p) => p.name),
    ['cpu', 'cuda', 'webgpu'],
  );
  assert.ok(['cpu', 'cuda'].includes(info.provider));
  assert.equal(info.threads, Math.max(1, info.cores - 1));
  const bad = run('inspect', '--device', 'gpu');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--device takes one of auto, cuda, cpu, webgpu \(got "gpu"\)/);
});
