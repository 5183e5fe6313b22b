import { JsonTooDeepError, parseBoundedJson } from '../io/boundedJson';
import { textSafe } from '../report/escape';
import { unrecognizedTensors, type BuildContext, type BuildResult } from './build';
import { kohyaBaseModel } from './kohya';
import { MAX_PARSED_LENGTH } from './metadata';
import type { AdaptedModule } from './model';
import { checkedPeftConfig, peftScaleRule } from './peft';
import { kohyaScale, type ScaleResult } from './scale';
import { describeModule } from './structure';
import { toModule } from './toModule';

/**
 * diffusers pipelines' LoRAs: component-prefixed names (`unet.`, `text_encoder.`,
 * `transformer.`) with `lora.down/up`, `lora_linear_layer.down/up`, the old attention-processor
 * names, or PEFT-style `lora_A/lora_B`. When no alpha is stored diffusers loads the LoRA with
 * α = r, so s = 1; a stored `.alpha` (files converted from kohya) gives s = alpha / r; newer
 * diffusers saves the PEFT LoraConfig as JSON in the `lora_adapter_metadata` metadata value
 * (flat, or with keys prefixed by the component for pipeline saves), and PEFT's rule applies.
 */
export function buildDiffusers(ctx: BuildContext): BuildResult {
  const warnings: string[] = [];
  const configs = adapterMetadataConfigs(ctx.header.metadata, warnings);
  const rules = new Map(
    [...configs].map(([component, values]) => [
      component,
      peftScaleRule(
        checkedPeftConfig(values, component ? `lora_adapter_metadata (${textSafe(JSON.stringify(component.slice(0, 60)))})` : 'lora_adapter_metadata', warnings),
        'LORA',
        warnings,
      ),
    ]),
  );
  const modules: AdaptedModule[] = ctx.grouped.modules.map((parts) => {
    const structure = describeModule(parts, 'standard');
    const alphaTensor = parts.parts.get('alpha');
    const alpha = alphaTensor ? ctx.scalars.get(alphaTensor.name) : undefined;
    const dot = parts.module.indexOf('.');
    const component = dot > 0 ? parts.module.slice(0, dot) : '';
    const rule = rules.get(component) ?? rules.get('');
    let scale: ScaleResult;
    if (alphaTensor) scale = kohyaScale(alpha, structure.rank);
    else if (rule) scale = rule(rules.has(component) && component ? parts.module.slice(dot + 1) : parts.module, structure);
    else scale = { scale: 1, alpha: null, rule: 'no alpha stored: diffusers loads it with alpha = r, so s = 1', known: true };
    return toModule(parts.module, structure, scale);
  });
  const otherTensors = unrecognizedTensors(ctx, warnings);
  return {
    formatDetail: diffusersDetail(ctx),
    peftType: null,
    baseModel: kohyaBaseModel(ctx.header.metadata),
    modules,
    otherTensors,
    analysable: true,
    warnings,
  };
}

function diffusersDetail(ctx: BuildContext): string {
  const styles = new Set<string>();
  for (const parts of ctx.grouped.modules) {
    const key = parts.parts.get('A')?.name ?? parts.parts.get('B')?.name ?? '';
    if (key.includes('.processor.')) styles.add('attention-processor keys');
    else if (key.includes('lora_linear_layer')) styles.add('lora_linear_layer keys');
    else if (key.includes('.lora.down') || key.includes('.lora.up')) styles.add('lora.down/up keys');
    else styles.add('PEFT-style keys');
  }
  const writer = softwareName(ctx.header.metadata);
  return `diffusers LoRA (${[...styles].join(', ')}${writer ? `; written by ${writer}` : ''})`;
}

/**
 * The LoraConfig(s) in diffusers' `lora_adapter_metadata`: '' for a flat config; otherwise one
 * per component prefix (`transformer.r` → component `transformer`, key `r`).
 */
function adapterMetadataConfigs(metadata: Readonly<Record<string, string>> | null, warnings: string[]): Map<string, Record<string, unknown>> {
  const configs = new Map<string, Record<string, unknown>>();
  const raw = metadata?.lora_adapter_metadata;
  if (!raw) return configs;
  if (raw.length > MAX_PARSED_LENGTH) {
    warnings.push(`lora_adapter_metadata is ${raw.length} characters long, more than the ${MAX_PARSED_LENGTH} a LoraConfig could need; ignored`);
    return configs;
  }
  let parsed: unknown;
  try {
    parsed = parseBoundedJson(raw);
  } catch (error) {
    warnings.push(error instanceof JsonTooDeepError ? `lora_adapter_metadata is not read: ${error.message}; ignored` : 'lora_adapter_metadata is not valid JSON; ignored');
    return configs;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return configs;
  const values = parsed as Record<string, unknown>;
  if ('r' in values || 'lora_alpha' in values) {
    configs.set('', values);
    return configs;
  }
  for (const [key, value] of Object.entries(values)) {
    const dot = key.indexOf('.');
    if (dot <= 0) continue;
    const component = key.slice(0, dot);
    const config = configs.get(component) ?? {};
    config[key.slice(dot + 1)] = value;
    configs.set(component, config);
  }
  return configs;
}

/** Some trainers (ai-toolkit) record themselves as JSON in a `software` metadata value. */
function softwareName(metadata: Readonly<Record<string, string>> | null): string | null {
  const raw = metadata?.software;
  if (!raw) return null;
  try {
    if (raw.length > MAX_PARSED_LENGTH) throw new RangeError('too long to be a name');
    const parsed: unknown = parseBoundedJson(raw);
    if (parsed && typeof parsed === 'object' && typeof (parsed as { name?: unknown }).name === 'string') {
      const { name, version } = parsed as { name: string; version?: unknown };
      return typeof version === 'string' ? `${name} ${version}` : name;
    }
  } catch {
    // A plain string names the software itself.
  }
  return raw.slice(0, 80);
}
