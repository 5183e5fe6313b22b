import { strict as assert } from 'node:assert';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { rowPermutedModules } from '../../../src/core/adapter/gguf';
import { describeAdapter, type OpenedAdapter } from '../../../src/core/adapter/load';
import type { Adapter } from '../../../src/core/adapter/model';
import { analyzeAdapter, type ModuleResult } from '../../../src/core/analysis/analyze';
import { openTensorSource } from '../../../src/core/container/open';
import type { SafetensorsFile } from '../../../src/core/safetensors/reader';
import { baseModuleKey } from '../../../src/core/subspace/names';
import { transposeDense } from '../../helpers/factors';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { ggufBytes, loraKv, storedValues, type GgufTensorSpec, type KvValue } from '../../helpers/ggufWriter';
import { assertSpectrum } from '../../helpers/layoutCheck';
import { Rng } from '../../helpers/random';
import { materialize, type Dense } from '../../helpers/referenceSvd';

/**
 * llama.cpp GGUF LoRA adapters as convert_lora_to_gguf.py writes them: `X.weight.lora_a` is
 * PEFT's lora_A [r, in], `X.weight.lora_b` lora_B [out, r], token_embd's lora_a transposed.
 */

interface Pair {
  readonly stem: string;
  readonly a: GgufTensorSpec;
  readonly b: GgufTensorSpec;
}

/**
 * The converter quantizes a factor only when its rows are whole blocks (lora_a's `in`, lora_b's
 * `r`), so a small-rank lora_b stays a float type beside a quantized lora_a.
 */
function pair(rng: Rng, stem: string, out: number, inner: number, r: number, type: GgufTensorSpec['type'], typeB = type): Pair {
  const a = { name: `${stem}.weight.lora_a`, shape: [r, inner], type, values: rng.gaussians(r * inner).map((x) => x * 0.1) };
  const b = { name: `${stem}.weight.lora_b`, shape: [out, r], type: typeB, values: rng.gaussians(out * r).map((x) => x * 0.1) };
  return { stem, a, b };
}

const dense = (spec: GgufTensorSpec): Dense => ({ rows: spec.shape[0], cols: spec.shape[1], data: storedValues(spec) });

async function opened(dir: string, name: string, kv: readonly (readonly [string, KvValue])[], tensors: readonly GgufTensorSpec[]): Promise<OpenedAdapter> {
  const path = join(dir, name);
  await writeFile(path, ggufBytes({ kv, tensors }));
  const source = await openTensorSource(path);
  try {
    // The analysis reads factors only through the TensorSource methods a SafetensorsFile shares.
    return { adapter: await describeAdapter(source), file: source as unknown as SafetensorsFile };
  } catch (error) {
    await source.close();
    throw error;
  }
}

async function analysed(o: OpenedAdapter): Promise<Map<string, ModuleResult>> {
  const analysis = await analyzeAdapter(o);
  return new Map(analysis.modules.map((r) => [r.name, r]));
}

function moduleOf(adapter: Adapter, name: string): Adapter['modules'][number] {
  const m = adapter.modules.find((x) => x.name === name);
  assert.ok(m, `${name} missing; have ${adapter.modules.map((x) => x.name).join(', ')}`);
  return m;
}

test('a llama adapter with factors of every type: Hugging Face names, alpha / r, exact spectra', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const alpha = 16;
  const pairs = [
    pair(rng, 'blk.0.attn_q', 32, 32, 4, 'F32'),
    pair(rng, 'blk.0.attn_k', 16, 32, 4, 'F16'),
    pair(rng, 'blk.0.attn_v', 16, 32, 4, 'BF16'),
    pair(rng, 'blk.0.attn_output', 32, 32, 4, 'Q8_0', 'F16'),
    pair(rng, 'blk.1.ffn_gate', 48, 32, 4, 'Q4_0', 'F32'),
    pair(rng, 'blk.1.ffn_up', 48, 32, 4, 'Q4_1', 'BF16'),
    pair(rng, 'blk.1.ffn_down', 32, 64, 4, 'Q5_0', 'F32'),
    pair(rng, 'blk.2.attn_q', 32, 32, 32, 'Q5_1'),
    pair(rng, 'blk.2.attn_k', 16, 32, 32, 'Q8_0'),
  ];
  // token_embd: lora_a stored transposed, [vocab, r]; lora_b [dim, r].
  const embA: GgufTensorSpec = { name: 'token_embd.weight.lora_a', shape: [40, 4], type: 'F32', values: rng.gaussians(160) };
  const embB: GgufTensorSpec = { name: 'token_embd.weight.lora_b', shape: [32, 4], type: 'F32', values: rng.gaussians(128) };
  const tensors = [...pairs.flatMap((p) => [p.a, p.b]), embA, embB];
  const o = await opened(dir, 'llama-lora.gguf', loraKv('llama', alpha), tensors);
  try {
    const { adapter } = o;
    assert.equal(adapter.format, 'gguf');
    assert.equal(adapter.formatDetail, 'llama.cpp GGUF LoRA (llama)');
    assert.equal(adapter.analysable, true);
    const names: Record<string, string> = {
      'blk.0.attn_q': 'model.layers.0.self_attn.q_proj',
      'blk.0.attn_k': 'model.layers.0.self_attn.k_proj',
      'blk.0.attn_v': 'model.layers.0.self_attn.v_proj',
      'blk.0.attn_output': 'model.layers.0.self_attn.o_proj',
      'blk.1.ffn_gate': 'model.layers.1.mlp.gate_proj',
      'blk.1.ffn_up': 'model.layers.1.mlp.up_proj',
      'blk.1.ffn_down': 'model.layers.1.mlp.down_proj',
      'blk.2.attn_q': 'model.layers.2.self_attn.q_proj',
      'blk.2.attn_k': 'model.layers.2.self_attn.k_proj',
    };
    const results = await analysed(o);
    for (const p of pairs) {
      const name = names[p.stem];
      const m = moduleOf(adapter, name);
      const r = p.a.shape[0];
      assert.equal(m.rank, r, name);
      assert.deepEqual(m.shape, [p.b.shape[0], p.a.shape[1]], name);
      assert.equal(m.scale, alpha / r, name);
      assert.match(m.scaleRule, new RegExp(`adapter.lora.alpha / r = 16 / ${r}`));
      assert.deepEqual(baseModuleKey(name), baseModuleKey(`base_model.model.${name}`), 'lines up with the PEFT name');
      assertSpectrum(results, name, materialize(alpha / r, dense(p.b), dense(p.a)), rng);
    }
    const embed = moduleOf(adapter, 'model.embed_tokens');
    assert.equal(embed.kind, 'embedding');
    assert.deepEqual(embed.shape, [40, 32]);
    assertSpectrum(results, 'model.embed_tokens', materialize(alpha / 4, dense(embA), transposeDense(dense(embB))), rng);
    assert.ok(adapter.warnings.some((w) => /permutes the rows of attn_q and attn_k/.test(w)));
    assert.deepEqual(
      rowPermutedModules(adapter)
        .map((m) => m.name)
        .sort(),
      ['model.layers.0.self_attn.k_proj', 'model.layers.0.self_attn.q_proj', 'model.layers.2.self_attn.k_proj', 'model.layers.2.self_attn.q_proj'],
    );
  } finally {
    await o.file.close();
    await removeDir(dir);
  }
});

test('qwen2 and phi3 names, an unmapped architecture, alpha 0, broken pairs and mergekit norms', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const qwen = await opened(dir, 'qwen.gguf', loraKv('qwen2', 0), [pair(rng, 'blk.3.attn_v', 8, 16, 2, 'F32').a, pair(rng, 'blk.3.attn_v', 8, 16, 2, 'F32').b]);
  try {
    const m = moduleOf(qwen.adapter, 'model.layers.3.self_attn.v_proj');
    assert.equal(m.scale, 1);
    assert.match(m.scaleRule, /alpha is 0/);
    assert.deepEqual(rowPermutedModules(qwen.adapter), []);
    assert.ok(!qwen.adapter.warnings.some((w) => /permutes/.test(w)));
  } finally {
    await qwen.file.close();
  }
  const qkv = pair(rng, 'blk.0.attn_qkv', 48, 16, 2, 'F32');
  const up = pair(rng, 'blk.0.ffn_up', 64, 16, 2, 'F32');
  const phi = await opened(dir, 'phi.gguf', loraKv('phi3', 4), [qkv.a, qkv.b, up.a, up.b]);
  try {
    assert.deepEqual(phi.adapter.modules.map((m) => m.name).sort(), ['model.layers.0.mlp.gate_up_proj', 'model.layers.0.self_attn.qkv_proj']);
  } finally {
    await phi.file.close();
  }
  const lone = pair(rng, 'blk.0.attn_q', 8, 16, 2, 'F32');
  const mismatched = pair(rng, 'blk.0.attn_k', 8, 16, 2, 'F32');
  const norm: GgufTensorSpec = { name: 'blk.0.attn_norm.weight', shape: [16], type: 'F32', values: rng.gaussians(16) };
  const other = await opened(dir, 'other.gguf', loraKv('starcoder2', 8), [lone.a, mismatched.a, { ...mismatched.b, shape: [8, 3], values: rng.gaussians(24) }, norm]);
  try {
    const { adapter } = other;
    assert.ok(adapter.warnings.some((w) => /"starcoder2" are not mapped/.test(w)));
    assert.equal(moduleOf(adapter, 'blk.0.attn_q').factors, null);
    assert.ok(moduleOf(adapter, 'blk.0.attn_q').warnings.some((w) => /missing/.test(w)));
    assert.ok(moduleOf(adapter, 'blk.0.attn_k').warnings.some((w) => /rank mismatch/.test(w)));
    assert.deepEqual(adapter.otherTensors, [{ name: norm.name, dtype: 'F32', shape: [16], role: 'non-low-rank parameter' }]);
  } finally {
    await other.file.close();
    await removeDir(dir);
  }
});

test('a GGUF that is a full model is listed as one, with a note, not refused', async () => {
  const rng = Rng.fresh();
  const dir = await tempDir();
  const kv: [string, KvValue][] = [
    ['general.architecture', { type: 'STRING', value: 'llama' }],
    ['general.name', { type: 'STRING', value: 'Tiny Llama' }],
    ['llama.block_count', { type: 'UINT32', value: 1 }],
    ['tokenizer.ggml.tokens', { type: 'ARRAY', itemType: 'STRING', items: [{ type: 'STRING', value: '<s>' }] }],
  ];
  const tensors: GgufTensorSpec[] = [
    { name: 'token_embd.weight', shape: [4, 64], type: 'Q8_0', values: rng.gaussians(256) },
    { name: 'blk.0.attn_q.weight', shape: [64, 64], type: 'Q4_0', values: rng.gaussians(4096) },
    { name: 'blk.0.attn_k.weight', shape: [2, 256], type: 'F32', typeId: 12, values: rng.gaussians((144 * 2) / 4) },
    { name: 'output_norm.weight', shape: [64], type: 'F32', values: rng.gaussians(64) },
  ];
  const o = await opened(dir, 'model.gguf', kv, tensors);
  try {
    const { adapter } = o;
    assert.equal(adapter.format, 'gguf');
    assert.equal(adapter.analysable, false);
    assert.equal(adapter.modules.length, 0);
    assert.match(adapter.formatDetail, /GGUF llama model \(not an adapter\)/);
    assert.deepEqual(
      adapter.otherTensors.map((t) => [t.name, t.role]),
      tensors.map((t) => [t.name, 'full weight']),
    );
    assert.ok(adapter.warnings.some((w) => /full llama model \(general.type is absent, not "adapter"\), not a LoRA adapter: its 4 tensors are listed/.test(w)));
    assert.equal(adapter.header.metadata?.['general.name'], 'Tiny Llama');
  } finally {
    await o.file.close();
  }
  const direction: GgufTensorSpec = { name: 'direction.1', shape: [64], type: 'F32', values: rng.gaussians(64) };
  const cvec = await opened(dir, 'control.gguf', [['general.architecture', { type: 'STRING', value: 'controlvector' }]], [direction]);
  try {
    assert.equal(cvec.adapter.formatDetail, 'llama.cpp control vector (GGUF)');
    assert.equal(cvec.adapter.analysable, false);
    assert.deepEqual(
      cvec.adapter.otherTensors.map((t) => t.name),
      ['direction.1'],
    );
    assert.ok(cvec.adapter.warnings.some((w) => /control vector/.test(w)));
  } finally {
    await cvec.file.close();
    await removeDir(dir);
  }
});
