/** Stable finding codes of the health check (SARIF rule ids and the Problems panel use them). */
export const HEALTH_CODES = {
  nonFinite: 'HEALTH_NON_FINITE',
  negligible: 'HEALTH_NEGLIGIBLE_MODULE',
  spike: 'HEALTH_RANK1_SPIKE',
  f16Overflow: 'HEALTH_F16_NEAR_OVERFLOW',
  alphaMismatch: 'HEALTH_ALPHA_MISMATCH',
  patternUnmatched: 'HEALTH_PATTERN_UNMATCHED',
  targetUnmatched: 'HEALTH_TARGET_UNMATCHED',
  rankMismatch: 'HEALTH_CONFIG_RANK_MISMATCH',
  duplicate: 'HEALTH_DUPLICATE_MODULE',
  lowUtilization: 'HEALTH_LOW_UTILIZATION',
} as const;

/** Modules named one by one in a message; the rest are counted. */
const NAMED_IN_MESSAGE = 5;

export function countModules(count: number): string {
  return `${count} module${count === 1 ? '' : 's'}`;
}

export function nameList(names: readonly string[]): string {
  const shown = names.slice(0, NAMED_IN_MESSAGE).join(', ');
  return names.length > NAMED_IN_MESSAGE ? `${shown} and ${names.length - NAMED_IN_MESSAGE} more` : shown;
}
