import type { Adapter } from '../adapter/model';
import { CONFIG_KEY_TYPES, shortValue } from './configTypes';
import type { WrittenModule } from './writePlan';

/** AdaLoRA's own config fields: meaningless once E is folded and the adapter is plain LoRA. */
const ADALORA_FIELDS = ['init_r', 'target_r', 'tinit', 'tfinal', 'deltaT', 'beta1', 'beta2', 'orth_reg_weight', 'total_step'];

/** The most frequent value (the smallest among equally frequent ones, so the choice is stable). */
function mode(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0] ?? 0;
  let bestCount = 0;
  for (const [v, c] of counts) if (c > bestCount || (c === bestCount && v < best)) [best, bestCount] = [v, c];
  return best;
}

/** The output's adapter_config.json values and what was not copied from the input's, in words. */
export interface OutputConfig {
  readonly values: Record<string, unknown>;
  readonly warnings: readonly string[];
}

/** Keys the resize writes itself, whatever the input held. */
const WRITTEN_KEYS = new Set(['peft_type', 'r', 'lora_alpha', 'use_rslora', 'rank_pattern', 'alpha_pattern']);

/**
 * adapter_config.json for a PEFT output: the input's PEFT config when there is one (target
 * modules, task type, base model kept), else a minimal LoRA config. `r` and `lora_alpha` are the
 * most common kept rank and α'; every other module is listed by its full name in rank_pattern /
 * alpha_pattern (PEFT matches `(.*\.)?name$`, and a full name matches only itself). rsLoRA is
 * switched off because α' is chosen so that α'/k is the module's scale. An input value of a type
 * PEFT does not accept (CONFIG_KEY_TYPES) is not copied: target_modules is replaced by the
 * written modules' names, any other such key left out so that PEFT's default applies; each is a
 * warning. Every other key is kept as it was.
 */
export function peftConfig(adapter: Adapter, modules: readonly WrittenModule[]): OutputConfig {
  const input = adapter.format === 'peft' && adapter.config ? { ...adapter.config.values } : {};
  for (const key of ADALORA_FIELDS) delete input[key];
  const r = mode(modules.map((m) => m.kept));
  const alpha = mode(modules.map((m) => m.alpha));
  const rankPattern: Record<string, number> = {};
  const alphaPattern: Record<string, number> = {};
  for (const m of modules) {
    if (m.kept !== r) rankPattern[m.names.patternKey] = m.kept;
    if (m.alpha !== alpha) alphaPattern[m.names.patternKey] = m.alpha;
  }
  const targets = [...new Set(modules.map((m) => m.names.patternKey.split('.').at(-1) ?? m.names.patternKey))].sort();
  const warnings: string[] = [];
  for (const [key, type] of Object.entries(CONFIG_KEY_TYPES)) {
    if (!Object.hasOwn(input, key) || type.check(input[key])) continue;
    const found = `adapter_config.json: ${key} is ${shortValue(input[key])}, not ${type.expected}`;
    if (WRITTEN_KEYS.has(key)) warnings.push(`${found}; the output's is written from the resize`);
    else if (key === 'target_modules') {
      input[key] = targets;
      warnings.push(`${found}; the output lists the modules written (${shortValue(targets)})`);
    } else {
      delete input[key];
      warnings.push(`${found}; it is left out of the output, so PEFT's default applies`);
    }
  }
  const mlxBase = adapter.format === 'mlx' && typeof adapter.config?.values.model === 'string' ? adapter.config.values.model : null;
  const values = {
    ...(adapter.format === 'peft' ? {} : { base_model_name_or_path: mlxBase ?? adapter.baseModel, target_modules: targets, bias: 'none', task_type: null }),
    ...input,
    peft_type: 'LORA',
    r,
    lora_alpha: alpha,
    use_rslora: false,
    rank_pattern: rankPattern,
    alpha_pattern: alphaPattern,
  };
  return { values, warnings };
}

/** Metadata keys that describe the input file's bytes and would be wrong for the output. */
const STALE_KEYS = ['sshs_model_hash', 'sshs_legacy_hash'];

/**
 * The output's `__metadata__`: the input's, minus stale hashes, plus provenance
 * (`lora_lens.*`) and, for kohya, ss_network_dim / ss_network_alpha = "Dynamic" as kohya's
 * resize script writes for per-module ranks. PEFT files keep `format: pt`, which transformers
 * expects.
 */
export function outputMetadata(input: Readonly<Record<string, string>> | null, layout: 'peft' | 'kohya', provenance: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = { ...(input ?? {}) };
  for (const key of STALE_KEYS) delete out[key];
  if (layout === 'peft' && out.format === undefined) out.format = 'pt';
  if (layout === 'kohya') {
    out.ss_network_dim = 'Dynamic';
    out.ss_network_alpha = 'Dynamic';
  }
  return { ...out, ...provenance };
}
