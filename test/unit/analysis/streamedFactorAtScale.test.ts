import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeAdapter } from '../../../src/core/analysis/analyze';
import { STREAM_BLOCK_ELEMENTS } from '../../../src/core/analysis/streamedFactor';
import { readBasis } from '../../../src/core/subspace/bases';
import { encodeFloat32 } from '../../../src/core/safetensors/encode';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { writeSparseSafetensors, type Poke, type SparseTensor } from '../../helpers/sparseFile';

/**
 * 2 GiB F32 factors (sparse files: holes read as zeros) with a few nonzero values at known
 * places, so ΔW's singular values are known exactly: the spectrum streams the big factor in
 * bounded blocks and gets them to rounding; a comparison refuses it by name.
 */

const PREFIX = 'base_model.model.model.layers.0.self_attn.q_proj';

/** The four bytes of an F32 value at element `index` of `tensor`, as pokes. */
function pokeF32(tensor: string, index: number, value: number): Poke[] {
  return [...encodeFloat32([value])].map((byte, i) => ({ tensor, offset: 4 * index + i, value: byte }));
}

/** A PEFT adapter (key names and shapes as PEFT's save_pretrained writes them) with one module. */
async function writeAdapter(dir: string, tensors: SparseTensor[], pokes: Poke[], r: number, alpha: number): Promise<void> {
  await writeSparseSafetensors(join(dir, 'adapter_model.safetensors'), tensors, pokes);
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ peft_type: 'LORA', r, lora_alpha: alpha, target_modules: ['q_proj'] }));
}

test('an F32 lora_A [1, 2^29] (2 GiB) is streamed: σ1 = s·‖B‖·‖A‖ exactly, no read past a block', async () => {
  const dir = await tempDir();
  try {
    const n = 2 ** 29;
    const A = `${PREFIX}.lora_A.weight`;
    // ‖A‖ = ‖(1, 2, 2)‖ = 3 at the first element, across the 1 GiB mark and the last; ‖B‖ = ‖(3, 4)‖ = 5.
    const pokes = [...pokeF32(A, 0, 1), ...pokeF32(A, 2 ** 28 + 5, 2), ...pokeF32(A, n - 1, 2)];
    await writeAdapter(
      dir,
      [
        { name: A, dtype: 'F32', shape: [1, n] },
        { name: `${PREFIX}.lora_B.weight`, dtype: 'F32', shape: [2, 1], data: encodeFloat32([3, 4]) },
      ],
      pokes,
      1,
      3,
    );
    const opened = await openAdapter(dir);
    try {
      let largest = 0;
      let whole = false;
      const original = opened.file.readBytes.bind(opened.file);
      opened.file.readBytes = (tensor, range, target) => {
        if ((typeof tensor === 'string' ? tensor : tensor.name) === A) {
          if (!range) whole = true;
          else largest = Math.max(largest, range.count);
        }
        return original(tensor, range, target);
      };
      const [result] = (await analyzeAdapter(opened)).modules;
      assert.ok(result.status === 'ok', result.status === 'skipped' ? result.reason : '');
      assert.equal(result.singularValues.length, 1);
      const want = 3 * 5 * 3;
      assert.ok(Math.abs(result.singularValues[0] - want) <= 1e-14 * want, `σ1 ${result.singularValues[0]}, want ${want}`);
      assert.ok(!whole, 'lora_A was read whole');
      assert.ok(largest > 0 && largest <= STREAM_BLOCK_ELEMENTS, `largest read ${largest} elements`);
      const basis = await readBasis(opened.file, opened.adapter.modules[0]);
      assert.ok('reason' in basis);
      assert.match(basis.reason, /lora_A\.weight has 536870912 elements, past the \d+ .*TENSOR_TOO_LARGE/);
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('an F32 lora_B [2^28, 2] (2 GiB, rows contiguous) is streamed: rank 2 with σ = {5, 2}·s', async () => {
  const dir = await tempDir();
  try {
    const m = 2 ** 28;
    const B = `${PREFIX}.lora_B.weight`;
    // Column 0 of B: 3 at row 7, 4 at row 2^27 + 1 (‖·‖ = 5); column 1: 2 at the last row. A = I₂ on its first two columns.
    const pokes = [...pokeF32(B, 2 * 7, 3), ...pokeF32(B, 2 * (2 ** 27 + 1), 4), ...pokeF32(B, 2 * (m - 1) + 1, 2)];
    await writeAdapter(
      dir,
      [
        { name: `${PREFIX}.lora_A.weight`, dtype: 'F32', shape: [2, 3], data: encodeFloat32([1, 0, 0, 0, 1, 0]) },
        { name: B, dtype: 'F32', shape: [m, 2] },
      ],
      pokes,
      2,
      6,
    );
    const opened = await openAdapter(dir);
    try {
      const [result] = (await analyzeAdapter(opened)).modules;
      assert.ok(result.status === 'ok', result.status === 'skipped' ? result.reason : '');
      const want = [15, 6];
      assert.equal(result.singularValues.length, 2);
      for (let i = 0; i < 2; i++) assert.ok(Math.abs(result.singularValues[i] - want[i]) <= 1e-14 * want[i], `σ${i + 1} ${result.singularValues[i]}`);
    } finally {
      await opened.file.close();
    }
  } finally {
    await removeDir(dir);
  }
});
