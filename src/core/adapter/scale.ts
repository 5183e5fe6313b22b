/** The scale s of ΔW = s·B·M·A for one module, and how it was found. */
export interface ScaleResult {
  readonly scale: number;
  readonly alpha: number | null;
  /** In words with the numbers, e.g. "lora_alpha / r = 16 / 8". */
  readonly rule: string;
  /** False when nothing in the file or config says, and 1 was assumed. */
  readonly known: boolean;
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(6))));

/**
 * A scale that cannot be used: NaN, with the rule saying why. The analysis skips a module whose
 * scale is not finite, giving this rule as the reason, and analyses the others.
 */
export function invalidScale(alpha: number | null, rule: string, why: string): ScaleResult {
  return { scale: Number.NaN, alpha, rule: `${rule}, which is invalid: ${why}`, known: true };
}

/** Whether a module's scale can be used: a finite number (an invalid rule gives NaN). */
export function isUsableScale(scale: number): boolean {
  return Number.isFinite(scale);
}

/** The rule's result, or an invalid scale when a finite α and r gave an infinite s. */
function checked(result: ScaleResult): ScaleResult {
  return isUsableScale(result.scale) ? result : invalidScale(result.alpha, result.rule, 'the scale is not a finite number');
}

/** PEFT LoRA: s = α/r, or α/√r with rsLoRA. r must be a positive number (0 and −0 divide by zero). */
export function peftScale(alpha: number, r: number, rslora: boolean): ScaleResult {
  const rule = rslora ? `lora_alpha / √r = ${fmt(alpha)} / √${fmt(r)} (rsLoRA)` : `lora_alpha / r = ${fmt(alpha)} / ${fmt(r)}`;
  if (!(r > 0) || !Number.isFinite(r)) return invalidScale(alpha, rule, 'r must be a positive number');
  if (!Number.isFinite(alpha)) return invalidScale(alpha, rule, 'lora_alpha must be a finite number');
  return checked({ scale: rslora ? alpha / Math.sqrt(r) : alpha / r, alpha, rule, known: true });
}

/**
 * AdaLoRA: s = α / (ranknum + 1e-5) exactly as PEFT computes it, with ranknum = init_r, which
 * must be positive (a ranknum near −1e-5 would divide by almost zero).
 */
export function adaloraScale(alpha: number, ranknum: number): ScaleResult {
  const rule = `lora_alpha / (ranknum + 1e-5) = ${fmt(alpha)} / (${fmt(ranknum)} + 1e-5), ranknum = init_r (AdaLoRA)`;
  if (!(ranknum > 0) || !Number.isFinite(ranknum)) return invalidScale(alpha, rule, 'init_r must be a positive number');
  if (!Number.isFinite(alpha)) return invalidScale(alpha, rule, 'lora_alpha must be a finite number');
  return checked({ scale: alpha / (ranknum + 1e-5), alpha, rule, known: true });
}

/** kohya / LyCORIS: s = alpha/dim, where a missing or zero alpha means alpha = dim (s = 1). */
export function kohyaScale(alpha: number | undefined, dim: number): ScaleResult {
  if (alpha === undefined) return { scale: 1, alpha: dim, rule: `no alpha stored, so alpha = dim = ${fmt(dim)} and s = 1`, known: true };
  if (alpha === 0) return { scale: 1, alpha: dim, rule: `alpha is 0, which means alpha = dim = ${fmt(dim)}, so s = 1`, known: true };
  const rule = `alpha / dim = ${fmt(alpha)} / ${fmt(dim)}`;
  if (!Number.isFinite(alpha)) return invalidScale(alpha, rule, 'alpha must be a finite number');
  return checked({ scale: alpha / dim, alpha, rule, known: true });
}

/** A scale nobody recorded: 1 is assumed and flagged. */
export function unknownScale(reason: string): ScaleResult {
  return { scale: 1, alpha: null, rule: `unknown (${reason}); 1 assumed`, known: false };
}

/** An absolute scale stored as such (mlx-lm's `scale`). */
export function absoluteScale(scale: number, source: string): ScaleResult {
  const rule = `${source} = ${fmt(scale)}`;
  if (!Number.isFinite(scale)) return invalidScale(null, rule, 'the scale must be a finite number');
  return { scale, alpha: null, rule, known: true };
}
