import { unrecognizedTensors, type BuildContext, type BuildResult } from './build';
import type { AdaptedModule } from './model';
import { torchtuneToHf } from './moduleNames';
import { unknownScale } from './scale';
import { describeModule } from './structure';
import { toModule } from './toModule';

/**
 * torchtune adapters (torchtune/modules/peft/lora.py LoRALinear; dora.py DoRALinear; saved by
 * torchtune/training/checkpointing `save_checkpoint` as `adapter_N.pt` / `.safetensors`):
 * `layers.N.attn.q_proj.lora_a.weight` [r, in] and `lora_b.weight` [out, r], DoRA's
 * `magnitude` [out]; the update is (alpha / rank)·B·A with alpha and rank from the recipe's
 * config, which is not saved beside these files (torchtune's PEFT-format export writes an
 * adapter_config.json, and is then read as PEFT). Modules are named as the Hugging Face
 * checkpoint names them (the names table's torchtuneToHf), so the base model and PEFT adapters
 * of the same model line up; the torchtune names stay in each module's tensors.
 */
export function buildTorchtune(ctx: BuildContext): BuildResult {
  const warnings: string[] = [];
  let renamed = 0;
  const modules: AdaptedModule[] = ctx.grouped.modules.map((parts) => {
    const structure = describeModule(parts, 'standard');
    const hf = torchtuneToHf(parts.module);
    if (hf) renamed++;
    return toModule(hf ?? parts.module, structure, unknownScale('torchtune keeps lora_alpha / lora_rank in the recipe config, not with the adapter'));
  });
  const otherTensors = unrecognizedTensors(ctx, warnings);
  const dora = modules.some((m) => m.magnitude);
  return {
    formatDetail: `torchtune ${dora ? 'DoRA' : 'LoRA'}${renamed > 0 ? ' (module names mapped to Hugging Face names)' : ''} (no config: scale unknown)`,
    peftType: null,
    baseModel: null,
    modules,
    otherTensors,
    analysable: true,
    warnings,
  };
}
