import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeFloat32 } from '../../src/core/safetensors/encode';
import { writeFixture, type FixtureTensor } from '../helpers/fixtures';
import { writeSparsePeftAdapter, writeSparseSafetensors, type SparseTensor } from '../helpers/sparseFile';
import { LORA_CONFIG, PREFIX, type JsonReport } from './adapter';
import { inspectAnswer } from './inspectAnswer';
import { parseJson } from './runner';
import type { FuzzCase } from './types';

/**
 * Size: 130k modules (past what a call takes as spread arguments), and tensors of 2 GiB and
 * more (past what one Node `read` takes) made as sparse files, so they cost no disk and no time
 * to write.
 */

const MANY = 130_000;

async function writeMany(dir: string): Promise<void> {
  const tensors: FixtureTensor[] = [];
  for (let i = 0; i < MANY; i++) {
    tensors.push({ name: `base_model.model.layers.${i}.q_proj.lora_A.weight`, shape: [1, 1], values: [1 + (i % 3)], dtype: 'F32' });
    tensors.push({ name: `base_model.model.layers.${i}.q_proj.lora_B.weight`, shape: [1, 1], values: [2], dtype: 'F32' });
  }
  await writeFixture(dir, 'adapter_model.safetensors', tensors, { config: { peft_type: 'LORA', r: 1, lora_alpha: 1, target_modules: ['q_proj'] } });
}

const many = (name: string, args: (dir: string) => string[], json: boolean): FuzzCase => ({
  category: 'load',
  name,
  heavy: true,
  async prepare(dir) {
    await writeMany(dir);
    return { args: args(dir), ...(json ? { json } : {}), expect: 'answer' };
  },
});

/** 2^29 + 16 F32 values: just past 2 GiB. */
const PAST_2GIB = 2 ** 29 + 16;

const sparseExtra: FuzzCase = {
  category: 'load',
  name: 'a 2 GiB modules_to_save weight, resized',
  heavy: true,
  async prepare(dir) {
    await mkdir(join(dir, 'a'));
    const { path } = await writeSparsePeftAdapter(join(dir, 'a'), PAST_2GIB, [{ offset: 2 ** 31, value: 0x41 }]);
    const out = join(dir, 'out');
    return {
      args: ['resize', path, '--out', out, '--method', 'fixed', '--param', '1', '--json'],
      json: true,
      expect: 'answer',
      check: async () => {
        const left = (await readdir(out)).filter((n) => n.endsWith('.tmp'));
        return left.length > 0 ? `temporaries left: ${left.join(', ')}` : undefined;
      },
    };
  },
};

/** The same adapter through inspect and a resize plan, which read the 2 GiB weight's header only. */
const sparseExtraPlan: FuzzCase = {
  category: 'load',
  name: 'a 2 GiB modules_to_save weight, inspect and resize --dry-run',
  async prepare(dir) {
    const { path } = await writeSparsePeftAdapter(dir, PAST_2GIB);
    return {
      args: ['resize', path, '--method', 'fixed', '--param', '1', '--dry-run', '--json'],
      json: true,
      expect: 'answer',
      check: async ({ cli }) => {
        const inspected = await cli(['inspect', dir, '--json']);
        const report = parseJson<JsonReport>(inspected);
        if (typeof report === 'string') return `inspect: ${report}`;
        return report.modules.length === 1 && report.modules[0].status === 'ok' ? undefined : `inspect: ${report.modules.map((m) => m.status).join(', ')}`;
      },
    };
  },
};

/** A LoRA whose A is F32 [1, 2^29 + 16] (a hole but for one value), B [4, 1]. */
const sparseFactor: FuzzCase = {
  category: 'load',
  name: 'a 2 GiB lora_A factor',
  heavy: true,
  async prepare(dir) {
    const tensors: SparseTensor[] = [
      { name: `${PREFIX(0)}.lora_A.weight`, dtype: 'F32', shape: [1, PAST_2GIB] },
      { name: `${PREFIX(0)}.lora_B.weight`, dtype: 'F32', shape: [4, 1], data: encodeFloat32([1, 2, 3, 4]) },
    ];
    await writeSparseSafetensors(join(dir, 'adapter_model.safetensors'), tensors, [{ tensor: tensors[0].name, offset: 2 ** 31 + 2, value: 0x80 }]);
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ ...LORA_CONFIG, r: 1, lora_alpha: 1 }));
    return inspectAnswer(dir, (report) => {
      const m = report.modules[0];
      // One nonzero A value past 2 GiB: the poked byte sets element 2^29's lowest exponent bit (2^-126).
      return m?.status === 'ok' && (m.frobenius ?? 0) > 0 ? undefined : `module ${m?.name}: ${m?.status}, ‖ΔW‖F ${m?.frobenius}`;
    });
  },
};

/** A base model (`model.safetensors`, transformers' names) with a BF16 q_proj of 32768×32768 (2 GiB), against a rank-1 LoRA on it. */
const sparseBase: FuzzCase = {
  category: 'load',
  name: 'a 32768×32768 BF16 base weight for --base',
  heavy: true,
  async prepare(dir) {
    const size = 32768;
    await mkdir(join(dir, 'base'));
    await mkdir(join(dir, 'adapter'));
    await writeSparseSafetensors(
      join(dir, 'base', 'model.safetensors'),
      [{ name: 'model.layers.0.self_attn.q_proj.weight', dtype: 'BF16', shape: [size, size] }],
      [{ tensor: 'model.layers.0.self_attn.q_proj.weight', offset: 2 ** 31 - 2, value: 0x3f }],
    );
    const ones = (n: number) => encodeFloat32(new Float32Array(n).fill(1 / Math.sqrt(n)));
    await writeSparseSafetensors(join(dir, 'adapter', 'adapter_model.safetensors'), [
      { name: `${PREFIX(0)}.lora_A.weight`, dtype: 'F32', shape: [1, size], data: ones(size) },
      { name: `${PREFIX(0)}.lora_B.weight`, dtype: 'F32', shape: [size, 1], data: ones(size) },
    ]);
    await writeFile(join(dir, 'adapter', 'adapter_config.json'), JSON.stringify({ ...LORA_CONFIG, r: 1, lora_alpha: 1 }));
    // The base analysis makes about ten passes over the 2 GiB weight (randomized SVD, alignment,
    // intruders), each read and decoded in blocks: minutes on a busy 2-core machine, not a hang.
    return { args: ['inspect', join(dir, 'adapter'), '--base', join(dir, 'base'), '--k', '1', '--json'], json: true, expect: 'answer', guardMs: 900_000 };
  },
};

export const LOAD_CASES: readonly FuzzCase[] = [
  many('130k modules, text report', (dir) => ['inspect', dir], false),
  many('130k modules, --json', (dir) => ['inspect', dir, '--json'], true),
  many('130k modules, resize --dry-run', (dir) => ['resize', join(dir, 'adapter_model.safetensors'), '--method', 'fixed', '--param', '1', '--dry-run', '--json'], true),
  sparseExtraPlan,
  sparseExtra,
  sparseFactor,
  sparseBase,
];
