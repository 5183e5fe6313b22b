/**
 * Tensor counts of the real corpus adapters, from the corpus MANIFEST and checked independently
 * (a few lines of Python reading each header) when the tests were written.
 */
export const TENSOR_COUNTS: Readonly<Record<string, number>> = {
  'peft-tinygpt2/adapter_model.safetensors': 12,
  'peft-gpt2-a/adapter_model.safetensors': 25,
  'peft-opt125m-bf16/adapter_model.safetensors': 48,
  'peft-qwen25-muzammel/adapter_model.safetensors': 96,
  'peft-bert-seqcls/adapter_model.safetensors': 50,
  'peft-roberta-mrpc-ckpts/checkpoint-230/adapter_model.safetensors': 52,
  'peft-roberta-mrpc-ckpts/checkpoint-460/adapter_model.safetensors': 52,
  'peft-opencalm1b-r1/adapter_model.safetensors': 48,
  'peft-unilora-roberta/adapter_model.safetensors': 1,
  'mlx-cli-adapters/0000100_adapters.safetensors': 16,
  'mlx-cli-adapters/adapters.safetensors': 16,
  'diffusers-sd15-unetprefix/2100-lora.safetensors': 256,
  'lycoris-lokr-r4/smart_falcon_4_lokr.safetensors': 1750,
  'aitoolkit-flux-sparse/lora.safetensors': 8,
};
