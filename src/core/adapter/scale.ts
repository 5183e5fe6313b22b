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

/** PEFT LoRA: s = α/r, or α/√r with rsLoRA. */
export function peftScale(alpha: number, r: number, rslora: boolean): ScaleResult {
  if (rslora) return { scale: alpha / Math.sqrt(r), alpha, rule: `lora_alpha / √r = ${fmt(alpha)} / √${fmt(r)} (rsLoRA)`, known: true };
  return { scale: alpha / r, alpha, rule: `lora_alpha / r = ${fmt(alpha)} / ${fmt(r)}`, known: true };
}

/** kohya / LyCORIS: s = alpha/dim, where a missing or zero alpha means alpha = dim (s = 1). */
export function kohyaScale(alpha: number | undefined, dim: number): ScaleResult {
  if (alpha === undefined) return { scale: 1, alpha: dim, rule: `no alpha stored, so alpha = dim = ${fmt(dim)} and s = 1`, known: true };
  if (alpha === 0) return { scale: 1, alpha: dim, rule: `alpha is 0, which means alpha = dim = ${fmt(dim)}, so s = 1`, known: true };
  return { scale: alpha / dim, alpha, rule: `alpha / dim = ${fmt(alpha)} / ${fmt(dim)}`, known: true };
}

/** A scale nobody recorded: 1 is assumed and flagged. */
export function unknownScale(reason: string): ScaleResult {
  return { scale: 1, alpha: null, rule: `unknown (${reason}); 1 assumed`, known: false };
}

/** An absolute scale stored as such (mlx-lm's `scale`). */
export function absoluteScale(scale: number, source: string): ScaleResult {
  return { scale, alpha: null, rule: `${source} = ${fmt(scale)}`, known: true };
}
