import type { HealthThresholds } from '../../core/check/thresholds';

/**
 * The `loraLens.check.*` settings that set the health thresholds (thresholds.ts says why each
 * default is what it is). The bounds are the manifest's minimum and maximum, applied again here
 * since a settings file may hold anything.
 */
export interface ThresholdSetting {
  readonly key: keyof HealthThresholds;
  readonly integer: boolean;
  readonly minimum: number;
  readonly maximum: number;
}

export const THRESHOLD_SETTINGS: readonly ThresholdSetting[] = [
  { key: 'negligibleRatio', integer: false, minimum: 0, maximum: 0.5 },
  { key: 'spikeMads', integer: true, minimum: 1, maximum: 100 },
  { key: 'spikeMinRatio', integer: true, minimum: 2, maximum: 1_000_000 },
  { key: 'spikeMinPeers', integer: true, minimum: 3, maximum: 100_000 },
  { key: 'f16OverflowFraction', integer: false, minimum: 0.01, maximum: 1 },
  { key: 'lowUtilizationFraction', integer: false, minimum: 0, maximum: 1 },
  { key: 'lowUtilizationMinRank', integer: true, minimum: 0, maximum: 65_536 },
  { key: 'alphaTolerance', integer: false, minimum: 0, maximum: 1 },
  { key: 'baseSpectralRatio', integer: false, minimum: 0.01, maximum: 1000 },
  { key: 'amplificationMads', integer: true, minimum: 1, maximum: 100 },
  { key: 'amplificationMinFold', integer: true, minimum: 2, maximum: 1_000_000 },
  { key: 'amplificationMinPeers', integer: true, minimum: 3, maximum: 100_000 },
  { key: 'intruderEpsilon', integer: false, minimum: 0.01, maximum: 0.99 },
  { key: 'intruderMinCount', integer: true, minimum: 1, maximum: 65_536 },
];

/** The settings section's prefix: `loraLens.check.<key>`. */
export const CHECK_SECTION = 'check';

/** What the check settings ask for. */
export interface CheckSettings {
  readonly enabled: boolean;
  readonly thresholds: Partial<HealthThresholds>;
}

/**
 * The check settings from `get` (a setting's value by its name under `loraLens.`, undefined when
 * unset): a value that is not a finite number is left out (the default applies), one out of its
 * bounds is brought to the nearest bound, and a whole-number setting is rounded.
 */
export function checkSettingsFrom(get: (name: string) => unknown): CheckSettings {
  const thresholds: Partial<Record<keyof HealthThresholds, number>> = {};
  for (const s of THRESHOLD_SETTINGS) {
    const value = get(`${CHECK_SECTION}.${s.key}`);
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const bounded = Math.min(s.maximum, Math.max(s.minimum, value));
    thresholds[s.key] = s.integer ? Math.round(bounded) : bounded;
  }
  return { enabled: get(`${CHECK_SECTION}.enabled`) !== false, thresholds };
}
