/**
 * What each finding code means, one line each: the SARIF rules' short descriptions and the
 * table in `lora-lens check --help` (docs/cli.md carries the same table).
 */
export const FINDING_DESCRIPTIONS: Readonly<Record<string, string>> = {
  LOAD_DROPS_KEYS: 'a loader that fits the file (or one asked with --target) would skip some of its keys: the modules named, with the rule that drops each',
  LOAD_REFUSED: 'a loader that fits the file (or one asked with --target) refuses the whole file (its container, adapter type or dtype)',
  LOAD_TARGET_UNFIT: 'a loader asked with --target is not one a user of this architecture would load the file with',
  NO_MODULES: 'the file reads, but holds no adapted module: nothing it would change in a model',
  METADATA_CONTRADICTS_TENSORS: 'metadata (ss_base_model_version, modelspec.architecture, base_model_name_or_path) names a model the tensors contradict',
  HEALTH_NON_FINITE: 'modules whose factors hold NaN or infinite values (or whose update overflows): their update is undefined and poisons the model',
  HEALTH_DUPLICATE_MODULE: 'one module held under two keys: a loader applies both or one silently replaces the other',
  HEALTH_NEGLIGIBLE_MODULE: 'modules whose update is zero or negligible against their peers: never trained',
  HEALTH_RANK1_SPIKE: 'modules whose σ1/σ2 stands far out from their peers: rank-1 spikes that break LoRA stacking',
  HEALTH_F16_NEAR_OVERFLOW: 'F16 factors holding values past half the F16 range: products overflow in half precision',
  HEALTH_ALPHA_MISMATCH: 'stored alpha tensors that disagree with the declared alpha',
  HEALTH_PATTERN_UNMATCHED: 'rank_pattern or alpha_pattern keys that match no module',
  HEALTH_TARGET_UNMATCHED: 'target_modules entries that match no module',
  HEALTH_CONFIG_RANK_MISMATCH: "the config's r disagrees with the tensors' rank",
  HEALTH_LOW_UTILIZATION: 'modules whose energy sits in far fewer directions than their rank: a resize to r95 loses little',
  HEALTH_BASE_SHAPE_MISMATCH: "with --base: the base weight's shape contradicts the adapter's: it was not trained on this base model",
  HEALTH_BASE_MISSING: 'with --base: adapted modules with no base weight (or no single one) in the base model',
  HEALTH_BASE_AMPLIFICATION: 'with --base: updates larger than their base weight (‖ΔW‖₂ / ‖W0‖₂), or whose amplification (Hu et al.) stands far out from their peers',
  HEALTH_INTRUDER_DIMENSIONS: 'with --base: top singular vectors of W0 + ΔW that match none of W0 (intruder dimensions, Shuttleworth et al. 2024)',
};
