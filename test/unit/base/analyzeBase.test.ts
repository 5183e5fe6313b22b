import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAgainstBase } from '../../../src/core/base/analyzeBase';
import { BaseModel } from '../../../src/core/base/baseModel';
import { BaseModelError } from '../../../src/core/base/errors';
import { JsDenseEngine } from '../../../src/core/compute/dense';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

/**
 * A real adapter (peft-gpt2-a: GPT-2 c_attn, 2304×768, r = 8, fan_in_fan_out) against generated
 * base weights named and shaped as GPT-2 stores them (Conv1D: 768×2304), for two of its twelve
 * layers plus one of the wrong shape: the two are analysed, the rest skipped with their reasons.
 */
test('peft-gpt2-a against a partial GPT-2 base: matched modules analysed, the others skipped with a reason', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const opened = await openAdapter(corpusPath('peft-gpt2-a'));
  try {
    const tensors = [0, 1].map((l) => ({ name: `h.${l}.attn.c_attn.weight`, shape: [768, 2304], values: rng.gaussians(768 * 2304), dtype: 'F32' as const }));
    tensors.push({ name: 'h.2.attn.c_attn.weight', shape: [768, 768], values: rng.gaussians(768 * 768), dtype: 'F32' });
    await writeFixture(dir, 'model.safetensors', tensors);
    const base = await BaseModel.open(dir);
    try {
      let calls = 0;
      const result = await analyzeAgainstBase(opened, base, new JsDenseEngine(), { k: 4, gaussian: () => rng.gaussian(), onModule: () => calls++ });
      assert.equal(calls, 12);
      const ok = result.modules.filter((m) => m.status === 'ok');
      assert.deepEqual(
        ok.map((m) => m.name),
        ['transformer.h.0.attn.c_attn', 'transformer.h.1.attn.c_attn'],
      );
      for (const m of ok) {
        if (m.status !== 'ok') continue;
        assert.equal(m.transposed, true);
        assert.equal(m.baseValues.length, 8);
        assert.equal(m.alignment.columnCosines.length, 4);
        // A Gaussian W0 has no preferred directions: ΔW's overlap with its top 4 is near chance (4/2304).
        assert.ok(m.alignment.columnOverlap < 0.05, `${m.alignment.columnOverlap} ${rng.tag}`);
        assert.ok(Number.isFinite(m.alignment.amplification) && m.alignment.amplification > 0);
        assert.equal(m.intruders.k, 4);
        assert.equal(m.conversion.method, 'truncated');
        assert.deepEqual([m.conversion.CB.rows, m.conversion.CA.rows], [768, 2304]);
      }
      const wrong = result.modules.find((m) => m.name === 'transformer.h.2.attn.c_attn');
      assert.ok(wrong && wrong.status === 'skipped');
      assert.match(wrong.reason, /h\.2\.attn\.c_attn\.weight is 768×768, but ΔW is 2304×768/);
      const missing = result.modules.find((m) => m.name === 'transformer.h.7.attn.c_attn');
      assert.ok(missing && missing.status === 'skipped' && /no base weight/.test(missing.reason));
      assert.equal(result.conversionGroups.length, 1);
      assert.equal(result.conversionGroups[0].moduleType, 'attn.c_attn');
      assert.equal(result.conversionGroups[0].names.length, 2);
    } finally {
      await base.close();
    }
  } finally {
    await opened.file.close();
    await removeDir(dir);
  }
});

test('a base no module matches is NO_MODULE_MATCHED, naming the first reasons', async () => {
  const dir = await tempDir();
  const opened = await openAdapter(corpusPath('peft-tinygpt2'));
  try {
    await writeFixture(dir, 'model.safetensors', [{ name: 'model.layers.0.mlp.up_proj.weight', shape: [3, 2], values: [1, 2, 3, 4, 5, 6] }]);
    const base = await BaseModel.open(dir);
    try {
      await assert.rejects(
        analyzeAgainstBase(opened, base, new JsDenseEngine()),
        (e: unknown) => e instanceof BaseModelError && e.code === 'NO_MODULE_MATCHED' && /transformer\.h\.0\.attn\.c_attn: no base weight/.test(e.message),
      );
    } finally {
      await base.close();
    }
  } finally {
    await opened.file.close();
    await removeDir(dir);
  }
});
