import { strict as assert } from 'node:assert';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { orderCheckpoints } from '../../../src/core/subspace/checkpointOrder';
import { checkpointSeries, type CheckpointSeries } from '../../../src/core/subspace/checkpoints';
import { SubspaceError } from '../../../src/core/subspace/errors';
import { corpusPath, removeDir, tempDir, writeFixture } from '../../helpers/fixtures';

/** The final checkpoint against itself is 1 / 0 / 0°; an earlier one is related but not equal. */
function assertConverging(series: CheckpointSeries, modules: number): void {
  assert.equal(series.modules.length, modules);
  assert.equal(series.unmatched.length, 0, JSON.stringify(series.unmatched));
  for (const m of series.modules) {
    const [early, final] = [0, series.checkpoints.length - 1];
    assert.ok(Math.abs((m.cosineToFinal[final] as number) - 1) <= 1e-12, `${m.name}: final vs final ${m.cosineToFinal[final]}`);
    assert.ok((m.relativeDistanceToFinal[final] as number) <= 1e-12, m.name);
    assert.ok((m.topAngleToFinal[final] as number) <= 1e-5, m.name);
    const c = m.cosineToFinal[early] as number;
    assert.ok(c > 0 && c < 1 - 1e-6, `${m.name}: early checkpoint cosine ${c}`);
    assert.ok((m.relativeDistanceToFinal[early] as number) > 1e-6, m.name);
    const angle = m.topAngleToFinal[early] as number;
    assert.ok(angle >= 0 && angle <= 90, `${m.name}: ${angle}°`);
  }
}

test('real PEFT run (checkpoint-230, checkpoint-460): ordered by trainer_state global_step, converging to the final', async () => {
  // Given in reverse on purpose: the order comes from the steps, not the arguments.
  const root = corpusPath('peft-roberta-mrpc-ckpts');
  const series = await checkpointSeries([join(root, 'checkpoint-460'), join(root, 'checkpoint-230')]);
  assert.deepEqual(
    series.checkpoints.map((c) => [c.step, c.stepSource]),
    [
      [230, 'trainer_state'],
      [460, 'trainer_state'],
    ],
  );
  assertConverging(series, 24);
  const fromFolder = await checkpointSeries([root]);
  assert.deepEqual(
    fromFolder.checkpoints.map((c) => c.step),
    [230, 460],
  );
  assert.deepEqual(
    fromFolder.modules.map((m) => m.cosineToFinal),
    series.modules.map((m) => m.cosineToFinal),
  );
});

test('real mlx-lm run (0000100_adapters, adapters): the step file first, the final file without a step last', async () => {
  const root = corpusPath('mlx-cli-adapters');
  const series = await checkpointSeries([root]);
  assert.deepEqual(
    series.checkpoints.map((c) => [c.step, c.stepSource]),
    [
      [100, 'name'],
      [null, null],
    ],
  );
  assert.match(series.checkpoints[1].weights, /[/\\]adapters\.safetensors$/);
  assertConverging(series, 8);
  const explicit = await checkpointSeries([join(root, 'adapters.safetensors'), join(root, '0000100_adapters.safetensors')]);
  assert.equal(explicit.checkpoints[0].step, 100);
});

test('checkpoint order: names, trainer_state, missing modules; fewer than two is a typed error', async () => {
  const dir = await tempDir();
  const tensors = (names: readonly string[]) =>
    names.flatMap((n) => [
      { name: `base_model.model.${n}.lora_A.weight`, shape: [2, 4], values: [1, 2, 3, 4, 5, 6, 7, 9] },
      { name: `base_model.model.${n}.lora_B.weight`, shape: [4, 2], values: [1, 0, 0, 1, 1, 1, 2, -1] },
    ]);
  for (const [folder, names] of [
    ['checkpoint-20', ['a.q']],
    ['checkpoint-3', ['a.q', 'a.k']],
  ] as const) {
    await mkdir(join(dir, folder));
    await writeFixture(join(dir, folder), 'adapter_model.safetensors', tensors(names), { config: { peft_type: 'LORA', r: 2, lora_alpha: 2 } });
  }
  await writeFile(join(dir, 'checkpoint-3', 'trainer_state.json'), JSON.stringify({ global_step: 300 }));
  await writeFixture(dir, 'adapter_model.safetensors', tensors(['a.q', 'a.k']), { config: { peft_type: 'LORA', r: 2, lora_alpha: 2 } });
  const { checkpoints } = await orderCheckpoints([dir]);
  // checkpoint-3's trainer_state says 300: after checkpoint-20; the root's final adapter last.
  assert.deepEqual(
    checkpoints.map((c) => c.step),
    [20, 300, null],
  );
  const series = await checkpointSeries([dir]);
  const k = series.modules.find((m) => m.name === 'a.k');
  assert.deepEqual(
    k?.cosineToFinal.map((c) => (c === null ? null : Math.round(c * 1e12) / 1e12)),
    [null, 1, 1],
  );
  assert.deepEqual(
    series.unmatched.map((u) => [u.checkpoint, u.side, u.name]),
    [[0, 'a', 'a.k']],
  );
  await assert.rejects(orderCheckpoints([join(dir, 'checkpoint-20')]), (e: unknown) => e instanceof SubspaceError && e.code === 'TOO_FEW_CHECKPOINTS');
  await removeDir(dir);
});
