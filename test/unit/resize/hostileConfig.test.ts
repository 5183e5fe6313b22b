import { strict as assert } from 'node:assert';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { resizeAdapter } from '../../../src/core/resize/resize';
import { gaussian } from '../../helpers/factors';
import { removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

test('a resized PEFT config holds only well-typed values for the keys PEFT types; other keys are kept; each replaced one is a note', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  try {
    const src = join(dir, 'src');
    await mkdir(src);
    const [m, n, r] = [8, 6, 3];
    // Key names as PEFT's LoraConfig.save_pretrained writes them, with wrong-typed values.
    const hostile = {
      peft_type: 'LORA',
      r: [4],
      lora_alpha: '16',
      target_modules: 7,
      rank_pattern: 'x',
      alpha_pattern: [1],
      use_rslora: 'yes',
      use_dora: 'no',
      layers_to_transform: 'all',
      modules_to_save: 'lm_head',
      bias: 'some',
      base_model_name_or_path: 12,
      lora_dropout: 0.05,
      task_type: 'CAUSAL_LM',
      custom_key: { kept: [1, 'two'] },
    };
    const input = await writeFixture(
      src,
      'adapter_model.safetensors',
      [
        { name: 'base_model.model.x.q_proj.lora_A.weight', shape: [r, n], values: gaussian(rng, r, n).data, dtype: 'F32' },
        { name: 'base_model.model.x.q_proj.lora_B.weight', shape: [m, r], values: gaussian(rng, m, r).data, dtype: 'F32' },
      ],
      { config: hostile },
    );
    const output = join(dir, 'out');
    const result = await resizeAdapter({ input, output, method: { kind: 'fixed', rank: 2 }, format: 'same' });
    const written = JSON.parse(await readFile(join(output, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(written.r, 2);
    assert.equal(typeof written.lora_alpha, 'number');
    assert.equal(written.use_rslora, false);
    assert.deepEqual(written.rank_pattern, {});
    assert.deepEqual(written.alpha_pattern, {});
    assert.deepEqual(written.target_modules, ['q_proj']);
    for (const key of ['use_dora', 'layers_to_transform', 'modules_to_save', 'bias', 'base_model_name_or_path'])
      assert.equal(Object.hasOwn(written, key), false, `${key} left out`);
    assert.equal(written.lora_dropout, 0.05);
    assert.equal(written.task_type, 'CAUSAL_LM');
    assert.deepEqual(written.custom_key, { kept: [1, 'two'] });
    const notes = result.notes.join('\n');
    for (const key of [
      'r',
      'lora_alpha',
      'target_modules',
      'rank_pattern',
      'alpha_pattern',
      'use_rslora',
      'use_dora',
      'layers_to_transform',
      'modules_to_save',
      'bias',
      'base_model_name_or_path',
    ])
      assert.match(notes, new RegExp(`adapter_config\\.json: ${key} is `), `a note for ${key}`);
    assert.doesNotMatch(notes, /lora_dropout|task_type|custom_key/);
    const report = await readFile(join(output, 'resize-report.md'), 'utf8');
    assert.match(report, /target\\_modules is 7/);
  } finally {
    await removeDir(dir);
  }
});
