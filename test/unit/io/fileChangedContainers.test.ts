import { strict as assert } from 'node:assert';
import { copyFile, rename, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openTensorSource } from '../../../src/core/container/open';
import type { TensorSource } from '../../../src/core/container/source';
import { assertUnchanged } from '../../../src/core/container/unchanged';
import { GgufError } from '../../../src/core/gguf/errors';
import { PickleError } from '../../../src/core/pickle/errors';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { ggufBytes, loraKv } from '../../helpers/ggufWriter';
import { Rng } from '../../helpers/random';
import { contiguousStride, torchSaveLegacy, torchSaveZip, type SavedStorage, type SavedTensor } from '../../helpers/torchSave';

/**
 * PyTorch checkpoints (both torch.save formats) and GGUF files give the typed FILE_CHANGED that
 * safetensors gives when the file is rewritten between the open and the result.
 */

const values = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.normal());

function checkpoint(rng: Rng): { tensors: SavedTensor[]; storages: SavedStorage[] } {
  // torch.save of a PEFT state dict (peft/utils/save_and_load.py names), one storage per tensor.
  const names: [string, number[]][] = [
    ['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', [2, 6]],
    ['base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight', [6, 2]],
  ];
  return {
    tensors: names.map(([name, shape], i) => ({ name, storage: String(i), offset: 0, shape, stride: contiguousStride(shape) })),
    storages: names.map(([, shape], i) => ({ key: String(i), dtype: 'F32' as const, values: values(rng, shape[0] * shape[1]) })),
  };
}

function gguf(rng: Rng): Uint8Array {
  // convert_lora_to_gguf.py: blk.N.<tensor>.weight.lora_a [r, in] / .lora_b [out, r] in ggml order.
  return ggufBytes({
    kv: loraKv('llama', 4),
    tensors: [
      { name: 'blk.0.attn_q.weight.lora_a', shape: [2, 6], type: 'F32', values: values(rng, 12) },
      { name: 'blk.0.attn_q.weight.lora_b', shape: [6, 2], type: 'F32', values: values(rng, 12) },
    ],
  });
}

const CASES: { readonly kind: string; readonly file: string; readonly bytes: (rng: Rng) => Uint8Array; readonly error: (e: unknown) => boolean }[] = [
  {
    kind: 'pytorch-zip',
    file: 'adapter_model.bin',
    bytes: (rng) => {
      const c = checkpoint(rng);
      return torchSaveZip(c.tensors, c.storages);
    },
    error: (e) => e instanceof PickleError && e.code === 'FILE_CHANGED',
  },
  {
    kind: 'pytorch-legacy',
    file: 'adapter_model.bin',
    bytes: (rng) => {
      const c = checkpoint(rng);
      return torchSaveLegacy(c.tensors, c.storages);
    },
    error: (e) => e instanceof PickleError && e.code === 'FILE_CHANGED',
  },
  { kind: 'gguf', file: 'adapter.gguf', bytes: gguf, error: (e) => e instanceof GgufError && e.code === 'FILE_CHANGED' },
];

async function opened(dir: string, name: string, bytes: Uint8Array, kind: string): Promise<{ path: string; source: TensorSource }> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  // Dated in the past, so any rewrite moves the mtime.
  const past = new Date('2020-01-01T00:00:00Z');
  await utimes(path, past, past);
  const source = await openTensorSource(path);
  assert.equal(source.container, kind);
  return { path, source };
}

for (const c of CASES) {
  test(`${c.kind}: rewritten in place after the open is FILE_CHANGED; untouched passes`, async () => {
    const rng = Rng.fresh();
    const dir = await tempDir();
    try {
      const bytes = c.bytes(rng);
      const { path, source } = await opened(dir, c.file, bytes, c.kind);
      try {
        await assertUnchanged(source);
        await source.readFloat64(source.header.tensors[0]);
        // Same size, same bytes: only the write itself shows (mtime).
        await writeFile(path, bytes);
        await assert.rejects(assertUnchanged(source), (e: unknown) => c.error(e) && /modified/.test((e as Error).message) && (e as { inputError?: boolean }).inputError === true);
      } finally {
        await source.close();
      }
    } finally {
      await removeDir(dir);
    }
  });

  test(`${c.kind}: truncated, or replaced at its path, after the open is FILE_CHANGED`, async () => {
    const rng = Rng.fresh();
    const dir = await tempDir();
    try {
      const bytes = c.bytes(rng);
      const first = await opened(dir, c.file, bytes, c.kind);
      try {
        await truncate(first.path, bytes.length - 8);
        await assert.rejects(assertUnchanged(first.source), (e: unknown) => c.error(e) && /size went from/.test((e as Error).message));
      } finally {
        await first.source.close();
      }
      const second = await opened(dir, `second-${c.file}`, bytes, c.kind);
      try {
        const other = join(dir, 'other');
        await copyFile(second.path, other);
        await rename(other, second.path);
        await assert.rejects(assertUnchanged(second.source), (e: unknown) => c.error(e) && /replaced/.test((e as Error).message));
      } finally {
        await second.source.close();
      }
    } finally {
      await removeDir(dir);
    }
  });
}
