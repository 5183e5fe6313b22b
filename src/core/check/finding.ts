/** How much a finding matters: an error means the file will not do what its owner expects. */
export type Severity = 'error' | 'warning' | 'note';

/** Severities from most to least serious (for `--fail-on` and sorting). */
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'note'];

/**
 * One thing `lora-lens check` found about a file. `code` is stable (documented in docs/cli.md,
 * used by SARIF rule ids and the Problems panel); `modules` names the modules it concerns (empty
 * for a file-wide finding); `configKey` names the `adapter_config.json` key it is about, when the
 * cause is there, so the editor can point at that line.
 */
export interface Finding {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly modules: readonly string[];
  readonly configKey?: string;
  /**
   * The config value that removes the finding, where it is certain (every module agrees): the
   * editor offers it as a quick fix on `configKey`'s value.
   */
  readonly fix?: ConfigFix;
}

/** Set the top-level `adapter_config.json` key `configKey` to `value`. */
export interface ConfigFix {
  readonly configKey: string;
  readonly value: number;
}

/** What a file is: container, algorithm, writer and base architecture, each with its evidence. */
export interface Identity {
  readonly container: string;
  /** LoRA, LoCon, LoHa, LoKr, DoRA, rsLoRA, AdaLoRA, MoSLoRA, VeRA, IA3, OFT, … */
  readonly algorithm: string;
  /** The trainer or writer when the evidence shows it (PEFT, kohya sd-scripts, …), else null. */
  readonly writer: { readonly name: string; readonly evidence: string } | null;
  /** The inferred base architecture (SDXL, Llama 3 8B, …) with a confidence in [0, 1], else null. */
  readonly architecture: { readonly name: string; readonly confidence: number; readonly evidence: readonly string[] } | null;
}
