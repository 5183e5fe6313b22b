import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { openAdapter } from '../../../src/core/adapter/load';
import { metadataContradictions } from '../../../src/core/check/contradictions';
import { identify } from '../../../src/core/check/identify';
import { corpusPath } from '../../helpers/fixtures';

/**
 * The real corpus adapters, each with the identity read by hand from its SOURCE (MANIFEST.tsv:
 * repository, config and metadata): container, algorithm, writer, base architecture.
 */
interface Expected {
  readonly path: string[];
  readonly container: string;
  readonly algorithm: string;
  readonly writer: string | null;
  readonly architecture: string | null;
  /** Contradiction findings expected (only the ai-toolkit file's `ss_base_model_version` is wrong). */
  readonly contradictions?: number;
}

const CASES: readonly Expected[] = [
  // anirudh-ak/peft-gpt2: PEFT LoRA on gpt2 c_attn, 12 layers.
  { path: ['peft-gpt2-a'], container: 'safetensors', algorithm: 'LoRA', writer: 'PEFT', architecture: 'GPT-2 (124M)' },
  // guilhermmeabreu/lab_08: PEFT LoRA on facebook/opt-125m q_proj/v_proj.
  { path: ['peft-opt125m-bf16'], container: 'safetensors', algorithm: 'LoRA', writer: 'PEFT', architecture: 'OPT 125M' },
  // huggingface/peft monteclora example: roberta-base query/value.
  { path: ['peft-roberta-mrpc-ckpts', 'checkpoint-230'], container: 'safetensors', algorithm: 'LoRA', writer: 'PEFT', architecture: 'RoBERTa base' },
  // Hareshjethani/BERT-GPT2-Multitask-Finetuning: bert-base-uncased SEQ_CLS.
  { path: ['peft-bert-seqcls'], container: 'safetensors', algorithm: 'LoRA', writer: 'PEFT', architecture: 'BERT base' },
  // MuzammelMokhtar/…QWEN-2.5: Qwen/Qwen2.5-0.5B-Instruct q_proj/v_proj (GQA v_proj out 128).
  { path: ['peft-qwen25-muzammel'], container: 'safetensors', algorithm: 'LoRA', writer: 'PEFT', architecture: 'Qwen2.5 0.5B' },
  // cyberagent/open-calm-1b (GPT-NeoX) query_key_value.
  { path: ['peft-opencalm1b-r1'], container: 'safetensors', algorithm: 'LoRA', writer: 'PEFT', architecture: 'GPT-NeoX (OpenCALM 1B)' },
  // wyek1n/MLX-CLI: mlx-lm LoRA on the last 4 layers of Qwen2.5-0.5B-Instruct.
  { path: ['mlx-cli-adapters', 'adapters.safetensors'], container: 'safetensors', algorithm: 'LoRA', writer: 'mlx-lm', architecture: 'Qwen2.5 0.5B' },
  // timohavdk/sd-lora: diffusers `unet.….lora.down.weight`, SD 1.5 (cross-attention 768).
  { path: ['diffusers-sd15-unetprefix', '2100-lora.safetensors'], container: 'safetensors', algorithm: 'LoRA', writer: 'diffusers', architecture: 'SD 1.x' },
  // leighwoods/public-loras: ai-toolkit FLUX.1 LoRA whose metadata wrongly says sd_1.5.
  {
    path: ['aitoolkit-flux-sparse', 'lora.safetensors'],
    container: 'safetensors',
    algorithm: 'LoRA',
    writer: 'ai-toolkit',
    architecture: 'FLUX.1',
    contradictions: 1,
  },
  // KohakuBlueleaf/LyCORIS: LoKr through kohya sd-scripts (ss_network_module lycoris.kohya) on an SD 1.x model.
  { path: ['lycoris-lokr-r4', 'smart_falcon_4_lokr.safetensors'], container: 'safetensors', algorithm: 'LoKr', writer: 'LyCORIS', architecture: 'SD 1.x' },
  // huggingface/peft tests/regression lora_conv2d: a pickled PEFT LoRA on a toy conv model (no known base).
  { path: ['pickle-peft-regression-lora_conv2d'], container: 'pytorch-zip', algorithm: 'LoRA', writer: 'PEFT', architecture: null },
  // ironhack-labs: sshleifer/tiny-gpt2 (hidden 2) is no model of the table.
  { path: ['peft-tinygpt2'], container: 'safetensors', algorithm: 'LoRA', writer: 'PEFT', architecture: null },
];

for (const c of CASES) {
  test(`identify: corpus ${c.path.join('/')}`, async () => {
    const { adapter, file } = await openAdapter(corpusPath(...c.path));
    await file.close();
    const identity = identify(adapter);
    assert.equal(identity.container, c.container);
    assert.equal(identity.algorithm, c.algorithm);
    assert.equal(identity.writer?.name ?? null, c.writer);
    if (c.writer !== null) assert.ok((identity.writer?.evidence.length ?? 0) > 0);
    assert.equal(identity.architecture?.name ?? null, c.architecture);
    if (identity.architecture) {
      assert.ok(identity.architecture.confidence >= 0.6, `confidence ${identity.architecture.confidence}`);
      assert.ok(identity.architecture.evidence.some((e) => / is \[\d+, \d+\] as in /.test(e)));
    }
    const findings = metadataContradictions(adapter, identity);
    assert.equal(findings.length, c.contradictions ?? 0, JSON.stringify(findings));
    for (const f of findings) {
      assert.equal(f.code, 'METADATA_CONTRADICTS_TENSORS');
      assert.equal(f.severity, 'warning');
      assert.match(f.message, /ss_base_model_version = "sd_1\.5" names SD 1\.x, but .* FLUX\.1's/);
    }
  });
}
