/**
 * What each adapter_config.json key means, in a sentence or two. The LoRA keys are LoraConfig's
 * fields (huggingface/peft src/peft/tuners/lora/config.py, whose field docs these summarise); the
 * common ones are PeftConfig's (src/peft/config.py); the scale rule is LoraLayer.update_layer
 * (src/peft/tuners/lora/layer.py).
 */
export const CONFIG_KEY_DOCS: Readonly<Record<string, string>> = {
  r: 'The LoRA rank: the inner dimension of B (out × r) and A (r × in). Modules listed in `rank_pattern` get their own rank instead.',
  lora_alpha:
    'The LoRA alpha: with `r` it sets the scale s in ΔW = s·B·A, s = lora_alpha / r (lora_alpha / √r with `use_rslora`). Modules listed in `alpha_pattern` get their own alpha.',
  use_rslora: 'Rank-stabilized LoRA (Kalajdzievski 2023): when true the scale is lora_alpha / √r instead of lora_alpha / r, so that raising r does not shrink the update.',
  use_dora:
    'Weight-Decomposed LoRA (DoRA, Liu et al. 2024): the update is split into a direction (the LoRA) and a learned magnitude per output row, stored as `lora_magnitude_vector`.',
  target_modules:
    'Which modules get a LoRA. A list matches a module whose name equals an entry or ends with `.` + the entry; a string is a regular expression matched against the whole name; `all-linear` takes every linear layer but the output head.',
  target_parameters: 'Parameters (not modules) that get a LoRA, by name: for weights held as bare nn.Parameter, such as the experts of some mixture-of-experts layers.',
  exclude_modules: 'Modules never given a LoRA, even when `target_modules` matches them: a list of names (or suffixes) or a regular expression.',
  rank_pattern: 'Per-module ranks that override `r`: keys are module names or patterns, values ranks. The first key that matches a module decides.',
  alpha_pattern: 'Per-module alphas that override `lora_alpha`: keys are module names or patterns, values alphas. The first key that matches a module decides.',
  lora_dropout: 'Dropout applied to the LoRA input during training. It does not change the saved weights or the scale.',
  modules_to_save: 'Modules trained in full (not as LoRA) and saved whole with the adapter, typically a new classification head.',
  base_model_name_or_path: 'The base model the adapter was trained on (a Hub id or a local path): what loaders fetch before applying the adapter.',
  revision: 'The revision (branch, tag or commit) of the base model.',
  peft_type: 'The PEFT method: LORA, ADALORA, LOHA, LOKR, IA3, OFT, VERA, … It decides how the saved tensors are read.',
  task_type: 'The task the model was wrapped for (CAUSAL_LM, SEQ_CLS, SEQ_2_SEQ_LM, TOKEN_CLS, QUESTION_ANS, FEATURE_EXTRACTION): which PeftModel class loads it.',
  init_lora_weights:
    'How B and A were initialized: true (A Kaiming-uniform, B zero, so ΔW starts at 0), false (both random), or a method such as gaussian, pissa, olora, eva, corda, loftq, orthogonal. The saved weights are what training made of it.',
  layers_to_transform: 'Only these layer indices get a LoRA (an index or a list); the layer is found with `layers_pattern` in the module name.',
  layers_pattern: 'The name of the layer list in the module names (`layers`, `h`, `blocks`) used with `layers_to_transform`.',
  bias: 'Which biases were trained and saved with the adapter: none, all, or lora_only (the biases of the LoRA-adapted modules).',
  lora_bias: 'When true the LoRA B has a bias of its own (saved as `lora_B.bias`).',
  fan_in_fan_out: 'True when the base layer stores its weight as in × out (GPT-2 Conv1D); the LoRA product is transposed to match.',
  inference_mode: 'Whether the adapter was saved for inference (its weights frozen). PEFT sets it on save.',
  layer_replication: 'Layer ranges to duplicate in the base model before applying the adapter (a model grown by stacking layers).',
  megatron_config: 'The Megatron-LM parallel configuration, for LoRA on Megatron tensor-parallel layers.',
  loftq_config: 'The LoftQ settings (quantization bits, iterations) used to initialize B and A against a quantized base.',
  trainable_token_indices: 'Token ids whose embedding rows were trained in full, without a LoRA on the whole embedding.',
  use_qalora: 'Quantization-aware LoRA (QA-LoRA): the LoRA input is pooled over groups of `qalora_group_size` inputs.',
  auto_mapping: 'The class that wrapped the base model when it was not a plain transformers model.',
  // AdaLoRA (src/peft/tuners/adalora/config.py AdaLoraConfig)
  init_r: 'AdaLoRA: the rank every module starts with; the scale is lora_alpha / (init_r + 1e-5) whatever rank a module keeps.',
  target_r: 'AdaLoRA: the average rank the budget is pruned down to.',
  total_step: 'AdaLoRA: the number of training steps, which the rank-allocation schedule needs.',
};
