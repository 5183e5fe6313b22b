import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../../src/core/adapter/load';
import { identify } from '../../../../src/core/check/identify';
import { judgeTargets } from '../../../../src/core/check/targets/judge';
import type { LoadTarget, TargetVerdict } from '../../../../src/core/check/targets/types';
import { corpusPath } from '../../../helpers/fixtures';

/** The diffusion loaders' verdicts: by default the loaders that fit, in registry order; else those asked. */
async function verdicts(id: string, asked: readonly LoadTarget[] | null = null): Promise<TargetVerdict[]> {
  const opened = await openAdapter(corpusPath(id));
  try {
    const diffusion: readonly string[] = ['diffusers', 'comfyui', 'kohya'];
    return judgeTargets(opened.adapter, identify(opened.adapter), asked).filter((v) => diffusion.includes(v.target));
  } finally {
    await opened.file.close();
  }
}

function summary(vs: readonly TargetVerdict[]): [string, number, number, boolean][] {
  return vs.map((v) => [v.target, v.loaded.length, v.dropped.length, v.refused !== null]);
}

test('corpus: the ai-toolkit FLUX.1 LoRA (transformer. + lora_A/lora_B) loads in diffusers and ComfyUI; sd-scripts, asked, skips every key', async () => {
  const vs = await verdicts('aitoolkit-flux-sparse');
  assert.deepEqual(summary(vs), [
    ['diffusers', 8, 0, false],
    ['comfyui', 8, 0, false],
  ]);
  // sd-scripts (a trainer) judges a file in another layout only when asked.
  const [kohya] = await verdicts('aitoolkit-flux-sparse', ['kohya']);
  assert.equal(kohya.fit.fits, false);
  assert.deepEqual(summary([kohya]), [['kohya', 0, 8, false]]);
  assert.match(kohya.dropped[0].reason, /^unknown prefix `transformer\.`/);
});

test('corpus: the diffusers 0.2x SD 1.5 LoRA (unet.….to_q.lora.down.weight) loads in diffusers; ComfyUI maps only `.processor.to_q` names', async () => {
  const vs = await verdicts('diffusers-sd15-unetprefix');
  assert.deepEqual(summary(vs), [
    ['diffusers', 256, 0, false],
    ['comfyui', 0, 256, false],
  ]);
  assert.match(vs[1].dropped[0].reason, /without `\.processor\.`/);
});

test('corpus: the LyCORIS LoKr SD 1.x file loads in ComfyUI; diffusers and sd-scripts (without LyCORIS, asked) refuse it', async () => {
  const vs = await verdicts('lycoris-lokr-r4');
  assert.deepEqual(summary(vs), [
    ['diffusers', 0, 0, true],
    ['comfyui', 1750, 0, false],
  ]);
  const [kohya] = await verdicts('lycoris-lokr-r4', ['kohya']);
  assert.match(kohya.refused ?? '', /LyCORIS installed/);
});

test('corpus: a PEFT GPT-2 adapter fits none of the diffusion loaders', async () => {
  assert.deepEqual(await verdicts('peft-gpt2-a'), []);
});
