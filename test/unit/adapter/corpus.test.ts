import { strict as assert } from 'node:assert';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { AdapterError } from '../../../src/core/adapter/errors';
import { openAdapter } from '../../../src/core/adapter/load';
import type { Adapter } from '../../../src/core/adapter/model';
import { analyzeAdapter } from '../../../src/core/analysis/analyze';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import { corpusPath } from '../../helpers/fixtures';

/**
 * Every real adapter in the shared corpus, with the values read by hand from its header and
 * config: format, module count, rank, scale, shapes. Each is also analysed in full.
 */
interface Expected {
  readonly path: string[];
  readonly format: Adapter['format'];
  readonly modules: number;
  readonly rank: number;
  readonly scale: number;
  readonly baseModel: string | RegExp;
  readonly shapes?: Readonly<Record<string, readonly [number, number]>>;
  readonly other?: Readonly<Record<string, string>>;
  readonly detail?: RegExp;
  readonly warning?: RegExp;
  readonly maxRank?: number;
  /** Modules whose ΔW is exactly zero in the file (an all-zero factor), found independently. */
  readonly zero?: readonly string[];
}

const CASES: readonly Expected[] = [
  {
    path: ['peft-tinygpt2'],
    format: 'peft',
    modules: 6,
    rank: 4,
    scale: 1 / 4,
    baseModel: 'sshleifer/tiny-gpt2',
    shapes: { 'transformer.h.0.attn.c_attn': [6, 2], 'transformer.h.0.attn.c_proj': [2, 2], 'transformer.h.1.mlp.c_proj': [2, 8] },
    detail: /fan_in_fan_out/,
    maxRank: 2,
  },
  {
    path: ['peft-gpt2-a'],
    format: 'peft',
    modules: 12,
    rank: 8,
    scale: 1,
    baseModel: 'gpt2',
    shapes: { 'transformer.h.11.attn.c_attn': [2304, 768] },
    other: { 'base_model.model.score.weight': 'full weight' },
    warning: /not listed in modules_to_save/,
  },
  {
    path: ['peft-opt125m-bf16'],
    format: 'peft',
    modules: 24,
    rank: 16,
    scale: 2,
    baseModel: 'facebook/opt-125m',
    shapes: { 'model.decoder.layers.11.self_attn.v_proj': [768, 768] },
  },
  {
    path: ['peft-qwen25-muzammel'],
    format: 'peft',
    modules: 48,
    rank: 8,
    scale: 2,
    baseModel: 'Qwen/Qwen2.5-0.5B-Instruct',
    shapes: { 'model.layers.0.self_attn.q_proj': [896, 896], 'model.layers.23.self_attn.v_proj': [128, 896] },
  },
  {
    path: ['peft-bert-seqcls'],
    format: 'peft',
    modules: 24,
    rank: 8,
    scale: 4,
    baseModel: 'bert-base-uncased',
    other: { 'base_model.model.classifier.weight': 'modules_to_save', 'base_model.model.classifier.bias': 'modules_to_save' },
  },
  {
    path: ['peft-roberta-mrpc-ckpts', 'checkpoint-230'],
    format: 'peft',
    modules: 24,
    rank: 8,
    scale: 2,
    baseModel: 'roberta-base',
    other: { 'base_model.model.classifier.dense.weight': 'modules_to_save', 'base_model.model.classifier.out_proj.bias': 'modules_to_save' },
  },
  { path: ['peft-roberta-mrpc-ckpts', 'checkpoint-460'], format: 'peft', modules: 24, rank: 8, scale: 2, baseModel: 'roberta-base' },
  {
    path: ['peft-opencalm1b-r1'],
    format: 'peft',
    modules: 24,
    rank: 1,
    scale: 32,
    baseModel: 'cyberagent/open-calm-1b',
    shapes: { 'gpt_neox.layers.0.attention.query_key_value': [6144, 2048] },
  },
  {
    path: ['mlx-cli-adapters', 'adapters.safetensors'],
    format: 'mlx',
    modules: 8,
    rank: 8,
    scale: 10,
    baseModel: /Qwen2\.5-0\.5B-Instruct$/,
    shapes: { 'model.layers.20.self_attn.q_proj': [896, 896], 'model.layers.23.self_attn.v_proj': [128, 896] },
  },
  { path: ['mlx-cli-adapters', '0000100_adapters.safetensors'], format: 'mlx', modules: 8, rank: 8, scale: 10, baseModel: /Qwen2\.5-0\.5B-Instruct$/ },
  {
    path: ['diffusers-sd15-unetprefix'],
    format: 'diffusers',
    modules: 128,
    rank: 4,
    scale: 1,
    baseModel: /SD 1\.x/,
    shapes: { 'unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k': [320, 768], 'unet.mid_block.attentions.0.transformer_blocks.0.attn1.to_out.0': [1280, 1280] },
  },
  {
    path: ['lycoris-lokr-r4'],
    format: 'lycoris',
    modules: 350,
    rank: 4,
    scale: 1,
    baseModel: /animefull-final-pruned/,
    detail: /LoKr/,
    shapes: { lora_te_text_model_encoder_layers_0_mlp_fc1: [3072, 768] },
    maxRank: 16,
    // lokr_w2_a is all zeros in these three: the first down block was never trained.
    zero: ['lora_unet_down_blocks_0_resnets_0_conv1', 'lora_unet_down_blocks_0_resnets_0_conv2', 'lora_unet_down_blocks_0_resnets_0_time_emb_proj'],
  },
  {
    path: ['aitoolkit-flux-sparse'],
    format: 'diffusers',
    modules: 4,
    rank: 16,
    scale: 1,
    baseModel: /FLUX\.1/,
    detail: /ai-toolkit/,
    shapes: { 'transformer.single_transformer_blocks.7.proj_out': [3072, 15360] },
    warning: /sd_1\.5.*FLUX\.1/,
  },
];

for (const c of CASES) {
  test(`corpus ${c.path.join('/')}: ${c.format}, ${c.modules} modules, rank ${c.rank}, scale ${c.scale}`, async () => {
    const opened = await openAdapter(corpusPath(...c.path));
    try {
      const a = opened.adapter;
      assert.equal(a.format, c.format);
      assert.equal(a.modules.length, c.modules);
      assert.ok(a.analysable);
      if (typeof c.baseModel === 'string') assert.equal(a.baseModel, c.baseModel);
      else assert.match(a.baseModel ?? '', c.baseModel);
      for (const m of a.modules) {
        assert.equal(m.rank, c.rank, m.name);
        assert.ok(Math.abs(m.scale - c.scale) <= 1e-12 * c.scale, `${m.name}: scale ${m.scale}`);
        assert.ok(m.scaleKnown, m.name);
        assert.ok(m.factors, `${m.name} has factors`);
        if (c.maxRank) assert.ok(m.maxRank <= c.maxRank, `${m.name}: maxRank ${m.maxRank}`);
      }
      for (const [name, shape] of Object.entries(c.shapes ?? {})) {
        assert.deepEqual(a.modules.find((m) => m.name === name)?.shape, shape, name);
      }
      for (const [name, role] of Object.entries(c.other ?? {})) {
        assert.equal(a.otherTensors.find((t) => t.name === name)?.role, role, name);
      }
      if (c.detail) assert.match(a.formatDetail, c.detail);
      if (c.warning)
        assert.ok(
          a.warnings.some((w) => c.warning?.test(w)),
          a.warnings.join(' | '),
        );
      const analysis = await analyzeAdapter(opened);
      for (const [i, r] of analysis.modules.entries()) {
        assert.equal(r.status, 'ok', `${r.name}: ${r.status === 'skipped' ? r.reason : ''}`);
        if (r.status !== 'ok') continue;
        const sv = r.singularValues;
        assert.ok(sv.length >= 1 && sv.length <= a.modules[i].maxRank, r.name);
        for (let k = 1; k < sv.length; k++) assert.ok(sv[k] <= sv[k - 1] && sv[k] >= 0, `${r.name} descending`);
        const zero = c.zero?.includes(r.name) ?? false;
        assert.equal(r.metrics.frobenius === 0, zero, `${r.name}: ‖ΔW‖ = ${r.metrics.frobenius}`);
        if (zero) assert.match(r.warnings.join(' '), /exactly zero/);
      }
    } finally {
      await opened.file.close();
    }
  });
}

test('corpus peft-unilora-roberta: a PEFT type that is not low-rank is reported, not analysed', async () => {
  const opened = await openAdapter(corpusPath('peft-unilora-roberta'));
  try {
    const a = opened.adapter;
    assert.equal(a.peftType, 'UNILORA');
    assert.equal(a.analysable, false);
    assert.equal(a.modules.length, 0);
    assert.deepEqual(
      a.otherTensors.map((t) => [t.name, t.role]),
      [['base_model.unilora_theta_d', 'non-low-rank parameter']],
    );
    assert.match(a.warnings.join(' '), /UNILORA is not a low-rank adapter/);
  } finally {
    await opened.file.close();
  }
});

test('corpus negatives: files named .safetensors that are something else say what they are', async () => {
  const expected: Readonly<Record<string, RegExp>> = {
    'crlf-2bytes.safetensors': /2 bytes of text \(CR LF\)/,
    'git-lfs-pointer.safetensors': /Git LFS pointer.*size \d+ bytes/,
    'text-placeholder-utf8.safetensors': /text file of 157 bytes.*begins: "由於檔案過大/,
  };
  const names = (await readdir(corpusPath('_negative'))).filter((n) => n.endsWith('.safetensors')).sort();
  assert.deepEqual(names, Object.keys(expected).sort());
  for (const name of names) {
    await assert.rejects(openAdapter(corpusPath('_negative', name)), (error: unknown) => {
      assert.ok(error instanceof SafetensorsError, name);
      assert.equal(error.code, 'NOT_SAFETENSORS', name);
      assert.match(error.message, expected[name], name);
      return true;
    });
  }
});

test('a folder holding several candidate files asks which one', async () => {
  await assert.rejects(
    openAdapter(corpusPath('_negative')),
    (error: unknown) => error instanceof AdapterError && error.code === 'NO_ADAPTER_FILE' && /3 \.safetensors files/.test(error.message),
  );
});
