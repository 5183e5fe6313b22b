import type { BuildContext, BuildResult } from './build';
import { numberField, objectField, stringField } from './config';
import type { ModuleParts } from './group';
import type { AdaptedModule, OtherTensor } from './model';
import { toModule } from './peft';
import { absoluteScale, unknownScale, type ScaleResult } from './scale';
import { describeModule } from './structure';

/**
 * mlx-lm's default LoRA scale, used when its config names no scale (LoRALinear's `scale`
 * argument defaults to 20.0).
 */
export const MLX_DEFAULT_SCALE = 20.0;

/**
 * mlx-lm adapters: `…q_proj.lora_a` stored n×r and `lora_b` r×m (transposed against PEFT), and
 * y = W x + scale · (x·lora_a)·lora_b with an absolute `scale` from adapter_config.json's
 * `lora_parameters`. Stacked MoE factors carry a leading expert axis; each expert is a module.
 */
export function buildMlx(ctx: BuildContext): BuildResult {
  const warnings: string[] = [];
  const scale = mlxScale(ctx);
  const configRank = ctx.config ? numberField(objectField(ctx.config.values, 'lora_parameters') ?? {}, 'rank') : undefined;
  const modules: AdaptedModule[] = [];
  for (const parts of ctx.grouped.modules) {
    const experts = expertCount(parts);
    if (experts === null) {
      const structure = describeModule(parts, 'transposed');
      if (configRank !== undefined && structure.factors && structure.rank !== configRank) {
        structure.warnings.push(`the config says rank ${configRank} but the tensors have rank ${structure.rank}`);
      }
      modules.push(toModule(parts.module, structure, scale));
      continue;
    }
    for (let e = 0; e < experts; e++) {
      modules.push(toModule(`${parts.module}[expert ${e}]`, describeModule(parts, 'transposed', e), scale, e));
    }
  }
  const otherTensors: OtherTensor[] = ctx.grouped.unclassified.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, role: 'unrecognized' }));
  const values = ctx.config?.values ?? {};
  const fineTune = stringField(values, 'fine_tune_type');
  return {
    formatDetail: `mlx-lm ${fineTune === 'dora' || modules.some((m) => m.magnitude) ? 'DoRA' : 'LoRA'}${ctx.config ? '' : ' (no adapter_config.json: scale unknown)'}`,
    peftType: null,
    baseModel: stringField(values, 'model') ?? null,
    modules,
    otherTensors,
    analysable: true,
    warnings,
  };
}

function mlxScale(ctx: BuildContext): ScaleResult {
  if (!ctx.config) return unknownScale('no adapter_config.json beside the weights');
  const params = objectField(ctx.config.values, 'lora_parameters');
  const scale = params ? numberField(params, 'scale') : undefined;
  if (scale !== undefined) return absoluteScale(scale, 'lora_parameters.scale');
  return absoluteScale(MLX_DEFAULT_SCALE, 'no scale in the config: mlx-lm default scale');
}

/** Number of experts when both factors carry a leading expert axis, else null. */
function expertCount(parts: ModuleParts): number | null {
  const A = parts.parts.get('A');
  const B = parts.parts.get('B');
  if (!A || !B || A.shape.length !== 3 || B.shape.length !== 3 || A.shape[0] !== B.shape[0]) return null;
  return A.shape[0];
}
