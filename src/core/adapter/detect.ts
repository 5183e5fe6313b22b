import type { ContainerKind } from '../container/source';
import type { GroupedKeys } from './group';
import type { KeyScheme } from './keys';
import type { AdapterConfig, AdapterFormat } from './model';
import { diffusersComponentOf } from './moduleNames';

/** Config fields only mlx-lm writes. */
const MLX_CONFIG_FIELDS = ['lora_parameters', 'fine_tune_type', 'lora_layers'];

/**
 * Decides which tool wrote the adapter: a PEFT config is decisive; otherwise the key scheme
 * most modules use, refined by prefixes (diffusers components) and metadata (LyCORIS). A GGUF
 * file is llama.cpp's, adapter or not (its builder tells them apart).
 */
export function detectFormat(grouped: GroupedKeys, config: AdapterConfig | null, metadata: Readonly<Record<string, string>> | null, container?: ContainerKind): AdapterFormat {
  if (container === 'gguf') return 'gguf';
  if (config && typeof config.values.peft_type === 'string') return 'peft';
  const scheme = majorityScheme(grouped);
  if (scheme === null) return 'unknown';
  switch (scheme) {
    case 'mlx':
      return 'mlx';
    case 'torchtune':
      return 'torchtune';
    case 'diffusers':
    case 'cloneofsimo':
    case 'xlabs':
      return 'diffusers';
    case 'kohya':
      return isLycoris(grouped, metadata) ? 'lycoris' : 'kohya';
    case 'peft': {
      if (config && MLX_CONFIG_FIELDS.some((f) => f in config.values)) return 'mlx';
      // PEFT-style keys under a diffusers pipeline component are a diffusers LoRA.
      const component = grouped.modules.filter((m) => diffusersComponentOf(m.module) !== null).length;
      return component > grouped.modules.length / 2 ? 'diffusers' : 'peft';
    }
  }
}

function majorityScheme(grouped: GroupedKeys): KeyScheme | null {
  const counts = new Map<KeyScheme, number>();
  for (const m of grouped.modules) counts.set(m.scheme, (counts.get(m.scheme) ?? 0) + 1);
  let best: KeyScheme | null = null;
  let bestCount = 0;
  for (const [scheme, count] of counts) {
    if (count > bestCount) {
      best = scheme;
      bestCount = count;
    }
  }
  return best;
}

const LYCORIS_ROLES = ['hada_w1_a', 'hada_w2_a', 'lokr_w1', 'lokr_w1_a', 'lokr_w2', 'lokr_w2_a', 'mid'] as const;

function isLycoris(grouped: GroupedKeys, metadata: Readonly<Record<string, string>> | null): boolean {
  if (metadata?.ss_network_module?.toLowerCase().includes('lycoris')) return true;
  if (grouped.modules.some((m) => m.module.startsWith('lycoris_'))) return true;
  return grouped.modules.some((m) => LYCORIS_ROLES.some((role) => m.parts.has(role)));
}
