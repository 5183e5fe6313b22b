import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openTensorSource } from '../../../src/core/container/open';
import { LensError } from '../../../src/core/errors';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';
import { contiguousStride, torchSaveLegacy, torchSaveZip, type SavedStorage, type SavedTensor } from '../../helpers/torchSave';

const MUTATIONS = 300;

function checkpoint(rng: Rng): { storages: SavedStorage[]; tensors: SavedTensor[] } {
  const storages: SavedStorage[] = [
    { key: '0', dtype: 'F32', values: rng.gaussians(48) },
    { key: '1', dtype: 'BF16', values: rng.gaussians(40) },
  ];
  const tensors: SavedTensor[] = [
    { name: 'layer.lora_A.weight', storage: '0', offset: 0, shape: [4, 12], stride: contiguousStride([4, 12]) },
    { name: 'layer.lora_B.weight', storage: '1', offset: 4, shape: [9, 4], stride: [1, 9] },
  ];
  return { storages, tensors };
}

/** Overwrites 1–8 random bytes (half of the time inside the first `focus` bytes, where the pickle is), or truncates. */
function mutate(bytes: Uint8Array, rng: Rng, focus: number): Uint8Array {
  if (rng.next() < 0.1) return bytes.slice(0, Math.floor(rng.next() * bytes.length));
  const out = bytes.slice();
  const count = 1 + Math.floor(rng.next() * 8);
  const span = rng.next() < 0.5 ? focus : out.length;
  for (let i = 0; i < count; i++) out[Math.floor(rng.next() * span)] = Math.floor(rng.next() * 256);
  return out;
}

for (const format of ['zip', 'legacy'] as const) {
  test(`${MUTATIONS} random mutations of a ${format} checkpoint give a valid read or a typed error, never a crash or a hang`, async () => {
    const rng = Rng.fresh();
    const { storages, tensors } = checkpoint(rng);
    const valid = format === 'zip' ? torchSaveZip(tensors, storages) : torchSaveLegacy(tensors, storages);
    const dir = await tempDir();
    const path = join(dir, 'mutated.bin');
    const outcomes = { read: 0, refused: 0 };
    try {
      for (let i = 0; i < MUTATIONS; i++) {
        await writeFile(path, mutate(valid, rng, format === 'zip' ? 1200 : 900));
        try {
          const source = await openTensorSource(path);
          try {
            for (const t of source.header.tensors) {
              try {
                await source.readFloat64(t);
              } catch (error) {
                // A mutated name or dtype can make an integer tensor; numbers of it are refused, typed.
                if (!(error instanceof LensError)) throw error;
              }
            }
          } finally {
            await source.close();
          }
          outcomes.read++;
        } catch (error) {
          assert.ok(error instanceof LensError, `mutation ${i} (seed ${rng.seed}): ${(error as Error).stack}`);
          outcomes.refused++;
        }
      }
    } finally {
      await removeDir(dir);
    }
    assert.ok(outcomes.refused > 0 && outcomes.read > 0, `${JSON.stringify(outcomes)} (seed ${rng.seed})`);
  });
}
