import type { ModuleParts } from './group';
import type { FactorRef } from './model';
import { expertModuleName } from './moduleNames';
import type { ModuleStructure } from './structure';

/** One expert's (or a 2-D parameter's) module of a PEFT `target_parameters` wrapper. */
export interface ParamModule {
  readonly name: string;
  readonly structure: ModuleStructure;
  readonly expert?: number;
}

const WRAPPED = '.base_layer';

/**
 * The parameter a PEFT ParamWrapper adapts, from the config's `target_parameters` (PEFT
 * src/peft/tuners/lora/model.py `_create_and_replace` for target_parameters: a parameter is
 * targeted when its full name equals an entry or ends with "." + entry). Several parameters of
 * one module are wrapped in turn, each wrapper the `base_layer` of the next, so the saved keys
 * of the inner ones carry `.base_layer` segments; which entry a depth holds is taken in config
 * order (flagged). Returns null when no entry names a parameter of this module.
 */
export function targetParameterOf(module: string, targets: readonly string[]): { owner: string; param: string; qualified: boolean; warning?: string } | null {
  let owner = module;
  let depth = 0;
  while (owner.endsWith(WRAPPED) && depth < 64) {
    owner = owner.slice(0, -WRAPPED.length);
    depth++;
  }
  const hits = targets.filter((t) => {
    const dot = t.lastIndexOf('.');
    const prefix = dot >= 0 ? t.slice(0, dot) : '';
    return prefix === '' || owner === prefix || owner.endsWith(`.${prefix}`);
  });
  if (hits.length === 0) return null;
  const ordered = [...hits].reverse();
  const hit = ordered[Math.min(depth, ordered.length - 1)];
  const param = hit.slice(hit.lastIndexOf('.') + 1);
  const warning =
    hits.length > 1
      ? `${hits.length} target_parameters entries fit ${owner} (${hits.join(', ')}); PEFT nests one wrapper per parameter and this one is read as ${param} by its nesting depth`
      : undefined;
  return { owner, param, qualified: hit.includes('.'), ...(warning ? { warning } : {}) };
}

/**
 * PEFT `target_parameters` (src/peft/tuners/lora/layer.py ParamWrapper): for a 3-D parameter
 * [E, in, out] (MoE experts) lora_A is an nn.Linear(in, r·E) saved as [r·E, in] and lora_B an
 * nn.Linear(r·E, out) saved as [out, r·E]; get_delta_weight reads A as [E, r, in] and B as
 * [out, r, E] and forms ΔW[e] = scaling · (B[:, :, e] · A[e])ᵀ, the [in, out] slice of the
 * parameter. Expert e is therefore ΔW_e = s·B_e·A_e (out×in) with A_e rows e·r…e·r+r−1 of
 * lora_A and B_e the columns k·E + e of lora_B: one module per expert, named by the names
 * table. A 2-D parameter ([out, in]) is a plain B·A (Linear.get_delta_weight).
 */
export function paramWrapperModules(parts: ModuleParts, r: number | undefined, targets: readonly string[]): ParamModule[] | null {
  const target = targetParameterOf(parts.module, targets);
  const A = parts.parts.get('A');
  const B = parts.parts.get('B');
  if (!target || !A || !B || A.shape.length !== 2 || B.shape.length !== 2) return null;
  const stack = `${target.owner}.${target.param}`;
  const warnings = target.warning ? [target.warning] : [];
  const [rows, n] = A.shape;
  const [m, width] = B.shape;
  const tensors = { A: A.name, B: B.name };
  if (r === undefined || !Number.isInteger(r) || r <= 0 || rows % r !== 0 || width !== rows) {
    const why = `target_parameters factors [${A.shape}] and [${B.shape}] do not split into experts of the config's rank ${r ?? '(none)'}; not analysed`;
    return [{ name: stack, structure: { kind: 'linear', shape: [m, n], rank: r ?? 0, maxRank: 0, algorithm: 'LoRA', factors: null, tensors, warnings: [...warnings, why] } }];
  }
  const experts = rows / r;
  // A bare entry ("down_proj") names no module, so a plain LoRA pair of some other target
  // module would fit it too: only stacked experts are taken as its wrapper.
  if (experts === 1 && !target.qualified) return null;
  if (experts === 1) {
    const factors = { type: 'lowRank' as const, B: { tensor: B.name, transposed: false }, A: { tensor: A.name, transposed: false } };
    return [{ name: stack, structure: { kind: 'linear', shape: [m, n], rank: r, maxRank: Math.min(m, n, r), algorithm: 'LoRA', factors, tensors, warnings } }];
  }
  const out: ParamModule[] = [];
  for (let e = 0; e < experts; e++) {
    const a: FactorRef = { tensor: A.name, transposed: false, block: { index: e, count: experts } };
    const b: FactorRef = { tensor: B.name, transposed: false, block: { index: e, count: experts, interleaved: true } };
    const structure: ModuleStructure = {
      kind: 'linear',
      shape: [m, n],
      rank: r,
      maxRank: Math.min(m, n, r),
      algorithm: 'LoRA',
      factors: { type: 'lowRank', B: b, A: a },
      tensors,
      warnings: [...warnings],
    };
    out.push({ name: expertModuleName(stack, e), structure, expert: e });
  }
  return out;
}

/**
 * Notes on parts of a PEFT LoRA module that are not B·A: `lora_B.bias` (LoraConfig
 * `lora_bias=True`, src/peft/tuners/lora/layer.py update_layer: nn.Linear(r, out, bias=True))
 * adds a full bias update beside ΔW; KaSA's `lora_diag` (use_kasa) sits between B and A, and
 * KaSA also truncated the base weight's smallest singular directions at initialization, which
 * the adapter file does not hold.
 */
export function peftExtraNotes(parts: ModuleParts): string[] {
  const notes: string[] = [];
  const bias = parts.parts.get('biasB');
  if (bias) notes.push(`${bias.name} (lora_bias): a bias update of ${bias.elements} values is saved beside B·A; it adds to the layer's bias and is not part of ΔW's spectrum`);
  if (parts.parts.get('E')?.name.includes('lora_diag'))
    notes.push("KaSA: ΔW = s·B·diag(lora_diag)·A is shown; KaSA also removed the base weight's smallest singular directions when training began, which is not in the file");
  return notes;
}
