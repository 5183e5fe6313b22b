import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import type { Identity } from '../../../src/core/check/finding';
import { identify } from '../../../src/core/check/identify';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { ggufBytes, loraKv, type GgufTensorSpec, type KvValue } from '../../helpers/ggufWriter';
import { values } from './identifyFixtures';

/**
 * llama.cpp GGUF LoRA adapters as convert_lora_to_gguf.py writes them: `blk.N.<name>.weight.lora_a`
 * [r, in] and `.lora_b` [out, r] in llama.cpp's tensor names (gguf-py/gguf/tensor_mapping.py),
 * with the base model's `general.architecture`.
 */
function loraPair(stem: string, out: number, inp: number): GgufTensorSpec[] {
  return [
    { name: `${stem}.weight.lora_a`, shape: [1, inp], type: 'F32', values: values(inp) },
    { name: `${stem}.weight.lora_b`, shape: [out, 1], type: 'F32', values: values(out) },
  ];
}

async function identified(architecture: string, tensors: readonly GgufTensorSpec[], extra: readonly [string, KvValue][] = []): Promise<Identity> {
  const dir = await tempDir();
  try {
    const path = join(dir, 'adapter.gguf');
    await writeFile(path, ggufBytes({ kv: [...loraKv(architecture, 2), ...extra], tensors }));
    const { adapter, file } = await openAdapter(path);
    await file.close();
    return identify(adapter);
  } finally {
    await removeDir(dir);
  }
}

const LLAMA_LAYER = [...loraPair('blk.0.attn_q', 4096, 4096), ...loraPair('blk.0.attn_v', 1024, 4096)];

test('identify GGUF: general.architecture narrows the candidates to its family; the shapes pick the size', async () => {
  // One layer of q/v at 4096 / 1024 fits Llama 3 8B, Mistral 7B and Qwen3 8B; `llama` leaves the first two.
  const id = await identified('llama', LLAMA_LAYER);
  assert.equal(id.writer?.name, 'llama.cpp');
  assert.equal(id.architecture?.name, 'Llama 3 8B or Mistral 7B');
  assert.ok(id.architecture?.evidence.includes('GGUF general.architecture = llama'));
  assert.equal((await identified('qwen3', LLAMA_LAYER)).architecture?.name, 'Qwen3 8B');
  // Shapes that no model of the named family has identify nothing, rather than another family.
  assert.equal((await identified('gemma2', LLAMA_LAYER)).architecture, null);
});

test("identify GGUF: the converter's base-model record decides between same-sized models (Qwen2 and Qwen2.5 0.5B)", async () => {
  const tensors = [...loraPair('blk.23.attn_q', 896, 896), ...loraPair('blk.23.attn_v', 128, 896)];
  assert.equal((await identified('qwen2', tensors)).architecture?.name, 'Qwen2.5 0.5B or Qwen2 0.5B');
  // gguf-py/gguf/metadata.py writes general.base_model.0.repo_url from the model card.
  const named = await identified('qwen2', tensors, [['general.base_model.0.repo_url', { type: 'STRING', value: 'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct' }]]);
  assert.equal(named.architecture?.name, 'Qwen2.5 0.5B');
});

test('identify GGUF: blk.N names of architectures the reader keeps in llama.cpp names (gpt2, qwen3moe) are matched as their Hugging Face modules', async () => {
  // GPT-2: attn_qkv is c_attn [3·768, 768], ffn_up is c_fc [4·768, 768]; 12 blocks.
  const gpt2 = [...loraPair('blk.0.attn_qkv', 2304, 768), ...loraPair('blk.11.ffn_up', 3072, 768)];
  assert.equal((await identified('gpt2', gpt2)).architecture?.name, 'GPT-2 (124M)');
  // Qwen3-30B-A3B: q 32 heads × 128 over hidden 2048, k 4 kv heads × 128; 48 blocks.
  const moe = [...loraPair('blk.47.attn_q', 4096, 2048), ...loraPair('blk.47.attn_k', 512, 2048)];
  assert.equal((await identified('qwen3moe', moe)).architecture?.name, 'Qwen3 30B-A3B (MoE)');
});
