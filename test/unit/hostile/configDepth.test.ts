import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { MAX_CONFIG_DEPTH, readConfigBeside } from '../../../src/core/adapter/config';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { runCli } from '../cli/runCli';

/**
 * A config nested 400k deep parses (JSON.parse does not recurse) but overflowed the stack when
 * copied to the analysis worker: inspect exited 1 (WORKER_ERROR). Such a config is ignored with
 * a warning and the weights are analysed.
 */

const pair = [
  { name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', shape: [2, 4], values: [1, 2, 3, 4, 5, 6, 7, 9] },
  { name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight', shape: [4, 2], values: [1, 0, 0, 1, 1, 1, 2, 3] },
];

test('a config nested 400k deep is ignored with a warning; inspect analyses the weights', async () => {
  const dir = await tempDir();
  try {
    const deep = `${'['.repeat(400_000)}${']'.repeat(400_000)}`;
    const file = await writeFixture(dir, 'adapter_model.safetensors', pair, { config: `{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "extra": ${deep}}` });
    const lookup = await readConfigBeside(file);
    assert.equal(lookup.config, null);
    assert.match(lookup.warnings.join('\n'), /nested more than 64 levels deep/);
    const r = runCli(['inspect', dir, '--json']);
    assert.equal(r.status, 0, r.stdout);
    const report = JSON.parse(r.stdout) as { modules: { status: string }[]; warnings: string[] };
    assert.deepEqual(
      report.modules.map((m) => m.status),
      ['ok'],
    );
    assert.match(report.warnings.join('\n'), /nested more than/);
  } finally {
    await removeDir(dir);
  }
});

test(`a config nested ${MAX_CONFIG_DEPTH} deep is read`, async () => {
  const dir = await tempDir();
  try {
    const nested = `${'['.repeat(MAX_CONFIG_DEPTH - 1)}${']'.repeat(MAX_CONFIG_DEPTH - 1)}`;
    const file = await writeFixture(dir, 'adapter_model.safetensors', pair, { config: `{"peft_type": "LORA", "r": 2, "lora_alpha": 4, "extra": ${nested}}` });
    const lookup = await readConfigBeside(file);
    assert.deepEqual(lookup.warnings, []);
    assert.equal(lookup.config?.values.r, 2);
    assert.equal(join(dir, 'adapter_config.json'), lookup.config?.file);
  } finally {
    await removeDir(dir);
  }
});
