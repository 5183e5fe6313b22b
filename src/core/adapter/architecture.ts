import type { AdaptedModule } from './model';

/** Model families a diffusion LoRA can be told apart by from its module names and shapes. */
export type Family = 'FLUX.1' | 'SD3' | 'SDXL' | 'SD 2.x' | 'SD 1.x';

/**
 * The family an image-model LoRA was trained on, read from its modules: FLUX's single/double
 * stream blocks, SD3's joint blocks, and for UNets the cross-attention width (the text
 * encoder's hidden size: 768 for SD 1.x, 1024 for SD 2.x, 2048 for SDXL). Null for other models.
 */
function inferFamily(modules: readonly AdaptedModule[]): Family | null {
  const names = modules.map((m) => m.name);
  // HunyuanVideo has FLUX's block names too; its dotted names keep `img_attn_qkv` whole
  // (ComfyUI comfy/lora.py HunyuanVideo key map) and it has token refiners FLUX lacks.
  if (names.some((n) => /\.img_attn_qkv$|individual_token_refiner/.test(n))) return null;
  if (names.some((n) => /single_transformer_blocks|double_blocks|single_blocks/.test(n))) return 'FLUX.1';
  if (names.some((n) => /joint_blocks|context_block/.test(n))) return 'SD3';
  const crossKey = modules.find((m) => /attn2[._]to_k$/.test(m.name));
  if (!crossKey) return null;
  switch (crossKey.shape[1]) {
    case 768:
      return 'SD 1.x';
    case 1024:
      return 'SD 2.x';
    case 2048:
      return 'SDXL';
    default:
      return null;
  }
}

/** The family a base-model string names, when it names one. */
export function familyOf(text: string): Family | null {
  const t = text.toLowerCase();
  if (t.includes('flux')) return 'FLUX.1';
  if (/sd3|stable-diffusion-3/.test(t)) return 'SD3';
  if (/sdxl|sd_xl|stable-diffusion-xl/.test(t)) return 'SDXL';
  if (/sd_?v?2|stable-diffusion-2/.test(t)) return 'SD 2.x';
  if (/sd_?v?1|stable-diffusion-v1|sd1\.|sd_1/.test(t)) return 'SD 1.x';
  return null;
}

/** Compares what the file says with what its modules show; returns the base model and warnings. */
export function checkBaseModel(stated: string | null, modules: readonly AdaptedModule[]): { baseModel: string | null; warnings: string[] } {
  const inferred = inferFamily(modules);
  if (!inferred) return { baseModel: stated, warnings: [] };
  if (!stated) return { baseModel: `${inferred} (inferred from module names)`, warnings: [] };
  const claimed = familyOf(stated);
  if (claimed && claimed !== inferred) {
    return {
      baseModel: `${inferred} (inferred from module names)`,
      warnings: [`the metadata names the base model "${stated}" (${claimed}), but the module names and shapes are ${inferred}'s; ${inferred} is shown`],
    };
  }
  return { baseModel: claimed ? stated : `${stated} (${inferred})`, warnings: [] };
}
