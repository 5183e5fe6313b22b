import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { checkCommand } from '../../../../src/cli/check';
import { CHECK } from '../../../../src/cli/checkArgs';
import { parseCommand } from '../../../../src/cli/parseCommand';
import type { Adapter } from '../../../../src/core/adapter/model';
import type { Identity } from '../../../../src/core/check/finding';
import type { CheckSources } from '../../../../src/core/check/runCheck';
import { CHECK_SOURCES } from '../../../../src/core/check/sources';
import { judgeTargets, loadFindings } from '../../../../src/core/check/targets/judge';
import type { LoadTarget, LoaderRules, TargetVerdict } from '../../../../src/core/check/targets/types';
import { removeDir, tempDir } from '../../../helpers/fixtures';
import { Rng } from '../../../helpers/random';
import { runCli } from '../../cli/runCli';
import { child, peftAdapter } from '../cliFixtures';
import { assertSarif } from '../sarifShape';

/** A loader that fits when `fits` says so and drops every key whose name contains `drop`. */
function fakeRules(target: LoadTarget, fits: boolean, refused: string | null = null): LoaderRules {
  return {
    target,
    source: `${target}/loader.py v1`,
    fits: () => ({ fits, reason: fits ? 'fits' : 'another family' }),
    judge: (adapter) => {
      const names = adapter.header.tensors.map((t) => t.name);
      return {
        loaded: names.filter((n) => !n.includes('v_proj')),
        dropped: names.filter((n) => n.includes('v_proj')).map((key) => ({ key, reason: 'unknown module `v_proj`' })),
        refused,
      };
    },
  };
}

const identity: Identity = { container: 'safetensors', algorithm: 'LoRA', writer: null, architecture: null };

function adapterWith(names: readonly string[]): Adapter {
  const tensors = names.map((name) => ({ name, dtype: 'F32' as const, shape: [2, 2], elements: 4, start: 0, end: 16 }));
  return { header: { tensors } } as unknown as Adapter;
}

test('judgeTargets: by default only the loaders that fit; asked loaders are judged even when they do not fit; no rules, no verdict', () => {
  const rules = { diffusers: fakeRules('diffusers', true), kohya: fakeRules('kohya', false) };
  const adapter = adapterWith(['a.q_proj.lora_A.weight', 'a.v_proj.lora_A.weight']);
  assert.deepEqual(
    judgeTargets(adapter, identity, null, rules).map((v) => v.target),
    ['diffusers'],
  );
  const asked = judgeTargets(adapter, identity, ['kohya', 'vllm', 'kohya'], rules);
  assert.deepEqual(
    asked.map((v) => [v.target, v.fit.fits, v.source, v.loaded, v.dropped.length]),
    [['kohya', false, 'kohya/loader.py v1', ['a.q_proj.lora_A.weight'], 1]],
  );
});

function verdict(target: LoadTarget, fits: boolean, loaded: string[], dropped: [string, string][], refused: string | null = null): TargetVerdict {
  return {
    target,
    fit: { fits, reason: fits ? 'fits' : 'an LLM, not an image model' },
    source: 'src',
    loaded,
    dropped: dropped.map(([key, reason]) => ({ key, reason })),
    refused,
  };
}

test('loadFindings: drops and refusals are errors naming the keys, counts and reasons; an unfit asked loader is a warning; a clean verdict finds nothing', () => {
  const drops = verdict(
    'comfyui',
    true,
    ['k1', 'k2'],
    [
      ['k3', 'unknown prefix `foo_`'],
      ['k4', 'unknown prefix `foo_`'],
      ['k5', 'suffix `.lora_down` without `.weight`'],
    ],
  );
  const [f] = loadFindings([drops], null);
  assert.equal(f.code, 'LOAD_DROPS_KEYS');
  assert.equal(f.severity, 'error');
  assert.deepEqual(f.modules, ['k3', 'k4', 'k5']);
  assert.match(f.message, /^comfyui drops 3 of 5 keys: unknown prefix `foo_` \(2 keys\); suffix `\.lora_down` without `\.weight` \(rules from src\)$/);
  const refused = loadFindings([verdict('kohya', true, [], [], 'LyCORIS LoKr needs LyCORIS')], null);
  assert.deepEqual(
    refused.map((x) => [x.code, x.severity, x.modules]),
    [['LOAD_REFUSED', 'error', []]],
  );
  assert.match(refused[0].message, /kohya refuses the file: LyCORIS LoKr needs LyCORIS/);
  assert.deepEqual(loadFindings([verdict('diffusers', true, ['k1'], [])], null), []);
  const unfit = loadFindings([verdict('kohya', false, ['k1'], [])], ['kohya']);
  assert.deepEqual(
    unfit.map((x) => [x.code, x.severity]),
    [['LOAD_TARGET_UNFIT', 'warning']],
  );
  assert.match(unfit[0].message, /--target kohya does not fit this file: an LLM/);
  const many = loadFindings(
    [
      verdict(
        'mlx',
        true,
        [],
        ['a', 'b', 'c', 'd', 'e'].map((k) => [k, `reason ${k}`] as [string, string]),
      ),
    ],
    null,
  );
  assert.match(many[0].message, /reason a; reason b; reason c; and 2 more reasons/);
});

function sourcesWith(rules: Partial<Record<LoadTarget, LoaderRules>>): CheckSources {
  return { ...CHECK_SOURCES, loads: (adapter, id, asked) => judgeTargets(adapter, id, asked, rules) };
}

test('check: the will-it-load block per file, load findings first among the errors, JSON targets, not-judged asked loaders', async () => {
  const dir = await tempDir();
  try {
    const adapter = await peftAdapter(Rng.fresh(), child(dir, 'a'), { nan: true });
    const rules = { diffusers: fakeRules('diffusers', true), comfyui: fakeRules('comfyui', true, 'not a LoRA it knows') };
    const base = { command: 'check', paths: [adapter], failOn: 'error' } as const;
    const text = await checkCommand({ ...base, output: 'text' }, sourcesWith(rules), dir);
    assert.equal(text.status, 1);
    assert.match(
      text.text,
      /\n {2}will it load\n {4}diffusers {2}loads 2 of 4 keys, drops 2: unknown module `v_proj`\n {4}comfyui {4}refused: not a LoRA it knows\n {2}errors \(3\):\n {4}LOAD_DROPS_KEYS \[base_model\.model\.layers\.0\.v_proj\.lora_A\.weight, base_model\.model\.layers\.0\.v_proj\.lora_B\.weight\] diffusers drops 2 of 4 keys[^\n]*\n {4}LOAD_REFUSED comfyui refuses[^\n]*\n {4}HEALTH_NON_FINITE /,
    );
    const asked = await checkCommand({ ...base, output: 'text', targets: ['vllm', 'diffusers'] }, sourcesWith(rules), dir);
    assert.match(asked.text, /\n {2}will it load\n {4}diffusers {2}loads 2 of 4 keys[^\n]*\n {4}vllm {7}not judged — no rules for this loader in this build\n/);
    const json = JSON.parse((await checkCommand({ ...base, output: 'json' }, sourcesWith(rules), dir)).text) as { files: { targets: TargetVerdict[] }[] };
    assert.deepEqual(
      json.files[0].targets.map((t) => [t.target, t.loaded.length, t.dropped.length, t.refused]),
      [
        ['diffusers', 2, 2, null],
        ['comfyui', 2, 2, 'not a LoRA it knows'],
      ],
    );
    const none = await checkCommand({ ...base, output: 'text' }, sourcesWith({}), dir);
    assert.doesNotMatch(none.text, /will it load/);
    const noLoads: CheckSources = { identify: CHECK_SOURCES.identify, contradictions: CHECK_SOURCES.contradictions, health: CHECK_SOURCES.health };
    await assert.rejects(checkCommand({ ...base, output: 'text', targets: ['peft'] }, noLoads, dir), /--target: loader rules are not available/);
  } finally {
    await removeDir(dir);
  }
});

test('--target: comma lists and repeats, in order without repeats; an unknown name is a usage error listing the valid ones', async () => {
  const dir = await tempDir();
  try {
    const adapter = await peftAdapter(Rng.fresh(), child(dir, 'a'));
    const ok = runCli(['check', adapter, '--target', 'peft,diffusers', '--target', 'mlx', '--target', 'peft', '--json']);
    assert.notEqual(ok.status, 2, ok.stderr);
    const parsed = parseCommand(CHECK, [adapter, '--target', 'peft,diffusers', '--target', 'mlx', '--target', 'peft']);
    assert.deepEqual(parsed.targets, ['peft', 'diffusers', 'mlx']);
    assert.equal(parseCommand(CHECK, [adapter]).targets, undefined);
    for (const bad of [
      ['--target', 'webui'],
      ['--target', 'peft,'],
      ['--target', ''],
    ]) {
      const r = runCli(['check', adapter, ...bad]);
      assert.equal(r.status, 2, bad.join(' '));
      assert.match(r.stderr, /--target takes (one of|one or more of) peft, diffusers, comfyui, kohya, vllm, llama\.cpp, mlx/);
    }
  } finally {
    await removeDir(dir);
  }
});

test('--sarif carries the load findings as results with their own rules, the dropped keys as logical locations', async () => {
  const dir = await tempDir();
  try {
    await peftAdapter(Rng.fresh(), child(dir, 'a'));
    const rules = { comfyui: fakeRules('comfyui', true) };
    const { text, status } = await checkCommand(
      { command: 'check', paths: [child(dir, 'a')], output: 'sarif', failOn: 'error', targets: ['comfyui', 'kohya'] },
      sourcesWith({ ...rules, kohya: fakeRules('kohya', false) }),
      dir,
    );
    assert.equal(status, 1);
    const log = JSON.parse(text) as {
      runs: {
        tool: { driver: { rules: { id: string; shortDescription: { text: string } }[] } };
        results: { ruleId: string; level: string; locations: { logicalLocations?: { name: string }[] }[] }[];
      }[];
    };
    assertSarif(log);
    const [run] = log.runs;
    assert.deepEqual(
      run.results.map((r) => [r.ruleId, r.level]),
      [
        ['LOAD_DROPS_KEYS', 'error'],
        ['LOAD_DROPS_KEYS', 'error'],
        ['LOAD_TARGET_UNFIT', 'warning'],
      ],
    );
    assert.deepEqual(
      run.results[0].locations[0].logicalLocations?.map((l) => l.name),
      ['base_model.model.layers.0.v_proj.lora_A.weight', 'base_model.model.layers.0.v_proj.lora_B.weight'],
    );
    assert.match(run.tool.driver.rules.find((r) => r.id === 'LOAD_DROPS_KEYS')?.shortDescription.text ?? '', /would skip some of its keys/);
  } finally {
    await removeDir(dir);
  }
});
