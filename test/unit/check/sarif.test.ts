import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkCommand } from '../../../src/cli/check';
import type { Finding } from '../../../src/core/check/finding';
import { CHECK_SOURCES } from '../../../src/core/check/sources';
import { keyLine, SARIF_BASE_ID } from '../../../src/core/check/sarif';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { child, peftAdapter } from './cliFixtures';
import { assertSarif } from './sarifShape';

const CLI = join(__dirname, '..', '..', '..', '..', 'dist', 'cli.js');

interface Log {
  runs: {
    tool: { driver: { rules: { id: string; defaultConfiguration: { level: string } }[] } };
    results: {
      ruleId: string;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string; uriBaseId: string }; region?: { startLine: number } }; logicalLocations?: { name: string }[] }[];
    }[];
  }[];
}

test('keyLine finds a top-level key by one bounded scan: not a nested key, not a string value, escapes honoured', () => {
  const text = ['{', '  "rank_pattern": {"r": 4},', '  "note": "r",', '  "a\\"b": 1,', '  "r"', '    : 8', '}'].join('\n');
  assert.equal(keyLine(text, 'r'), 5);
  assert.equal(keyLine(text, 'a"b'), 4);
  assert.equal(keyLine(text, 'rank_pattern'), 2);
  assert.equal(keyLine(text, 'note'), 3);
  assert.equal(keyLine(text, 'missing'), null);
  assert.equal(keyLine('{"r": 1, "lora_alpha": 2}', 'lora_alpha'), 1);
  assert.equal(keyLine('{"r', 'r'), null);
  assert.equal(keyLine('', 'r'), null);
});

test('--sarif from the CLI is SARIF 2.1.0: a rule per code, results with level and paths relative to the working folder', async () => {
  const dir = await tempDir();
  try {
    await peftAdapter(Rng.fresh(), child(dir, 'broken'), { nan: true });
    await peftAdapter(Rng.fresh(), child(dir, 'clean'));
    const r = spawnSync(process.execPath, [CLI, 'check', 'broken', 'clean', '--sarif'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 1, r.stderr);
    const log = JSON.parse(r.stdout) as Log;
    assertSarif(log);
    const [run] = log.runs;
    assert.deepEqual(
      run.tool.driver.rules.map((rule) => [rule.id, rule.defaultConfiguration.level]),
      [['HEALTH_NON_FINITE', 'error']],
    );
    assert.equal(run.results.length, 1);
    const [result] = run.results;
    assert.equal(result.ruleId, 'HEALTH_NON_FINITE');
    assert.equal(result.level, 'error');
    assert.match(result.message.text, /NaN or infinite/);
    assert.deepEqual(result.locations[0].physicalLocation.artifactLocation, { uri: 'broken/adapter_model.safetensors', uriBaseId: SARIF_BASE_ID });
    assert.deepEqual(result.locations[0].logicalLocations, [{ name: 'layers.0.v_proj', kind: 'module' }]);
    const clean = spawnSync(process.execPath, [CLI, 'check', 'clean', '--sarif'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(clean.status, 0, clean.stderr);
    const empty = JSON.parse(clean.stdout) as Log;
    assertSarif(empty);
    assert.deepEqual(empty.runs[0].results, []);
  } finally {
    await removeDir(dir);
  }
});

test('a finding about a config key points at that key’s line of adapter_config.json, then at the weights', async () => {
  const dir = await tempDir();
  try {
    const adapter = await peftAdapter(Rng.fresh(), child(dir, 'a'));
    // A nested "r" (line 4) before the top-level one (line 6): only the top-level key is the config's r.
    const config = { peft_type: 'LORA', rank_pattern: { r: 3 }, r: 2, lora_alpha: 4, target_modules: ['q_proj', 'v_proj'] };
    await writeFile(join(adapter, 'adapter_config.json'), JSON.stringify(config, null, 2));
    const keyed: Finding = { code: 'TEST_R', severity: 'warning', message: 'r says 2', modules: [], configKey: 'r' };
    const absent: Finding = { code: 'TEST_ABSENT', severity: 'note', message: 'no such key', modules: ['m'], configKey: 'use_dora' };
    const sources = { ...CHECK_SOURCES, health: () => [keyed, absent] };
    const { text, status } = await checkCommand({ command: 'check', paths: [adapter], output: 'sarif', failOn: 'error' }, sources, dir);
    assert.equal(status, 0);
    const log = JSON.parse(text) as Log;
    assertSarif(log);
    const [run] = log.runs;
    assert.deepEqual(
      run.tool.driver.rules.map((rule) => [rule.id, rule.defaultConfiguration.level]),
      [
        ['TEST_ABSENT', 'note'],
        ['TEST_R', 'warning'],
      ],
    );
    const [r, missing] = run.results;
    assert.deepEqual(
      r.locations.map((l) => [l.physicalLocation.artifactLocation.uri, l.physicalLocation.region?.startLine]),
      [
        ['a/adapter_config.json', 6],
        ['a/adapter_model.safetensors', undefined],
      ],
    );
    assert.equal(missing.level, 'note');
    assert.equal(missing.locations[0].physicalLocation.artifactLocation.uri, 'a/adapter_config.json');
    assert.equal(missing.locations[0].physicalLocation.region, undefined);
    assert.deepEqual(missing.locations[0].logicalLocations, [{ name: 'm', kind: 'module' }]);
  } finally {
    await removeDir(dir);
  }
});

test('the schema check rejects what the SARIF 2.1.0 schema forbids (it can fail)', () => {
  const good = { version: '2.1.0', runs: [{ tool: { driver: { name: 'x', rules: [{ id: 'A' }] } }, results: [{ ruleId: 'A', level: 'error', message: { text: 'm' } }] }] };
  assertSarif(good);
  const bad: unknown[] = [
    { ...good, version: '2.0.0' },
    { version: '2.1.0' },
    { version: '2.1.0', runs: [{}] },
    { version: '2.1.0', runs: [{ tool: { driver: { name: 'x', rules: [{ id: 'A' }] } }, results: [{ ruleId: 'A', level: 'fatal', message: { text: 'm' } }] }] },
    { version: '2.1.0', runs: [{ tool: { driver: { name: 'x', rules: [{ id: 'A' }] } }, results: [{ ruleId: 'A', message: {} }] }] },
    {
      version: '2.1.0',
      runs: [
        { tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'a' }, region: { startLine: 0 } } }] }] },
      ],
    },
  ];
  for (const log of bad) assert.throws(() => assertSarif(log), JSON.stringify(log));
});
