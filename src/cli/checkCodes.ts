/**
 * What each finding code means, one line each: the SARIF rules' short descriptions and the
 * table in `lora-lens check --help` (docs/cli.md carries the same table).
 */
export const FINDING_DESCRIPTIONS: Readonly<Record<string, string>> = {
  NO_MODULES: 'the file reads, but holds no adapted module: nothing it would change in a model',
  NON_FINITE: 'modules whose factors hold NaN or infinite values: their update is undefined and poisons the model',
};
