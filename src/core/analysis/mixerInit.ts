/**
 * MoSLoRA initializes its mixer `lora_AB` (an nn.Linear(r, r, bias=False)) with
 * `nn.init.kaiming_uniform_(weight, a=math.sqrt(5))` — wutaiqiang/MoSLoRA,
 * subject_driven_generation/peft/tuners/lora/layer.py `LoraLayer.reset_lora_parameters` and
 * commonsense_reasoning/peft/src/peft/tuners/lora.py `Linear.reset_parameters` (an orthogonal
 * init is left commented out there). PyTorch's kaiming_uniform_ draws U(−b, b) with
 * b = gain·√(3 / fan_in) and gain = √(2 / (1 + a²)); with a = √5 and fan_in = r, b = 1/√r.
 * So M starts random, not at I, and comparing M with I says nothing about training.
 */
export const MIXER_INIT_RULE = 'kaiming_uniform_(a=√5): M_ij ~ U(−1/√r, 1/√r) (MoSLoRA lora_AB)';

/** The stored M against the distribution of its initialization, in closed form. */
export interface MixerInitComparison {
  /** The init rule, with its source. */
  readonly rule: string;
  /** The init bound b = 1/√fan_in: every entry of an initialized M lies in [−b, b]. */
  readonly bound: number;
  /** ‖M‖_F of the stored M. */
  readonly frobenius: number;
  /** E‖M₀‖_F² = N·b²/3 over the N entries of an initialized M₀ (r/3 for r×r). */
  readonly initFrobeniusSquaredMean: number;
  /** sd(‖M₀‖_F²) = √(N·4b⁴/45), since Var(x²) = b⁴/5 − b⁴/9 for x ~ U(−b, b). */
  readonly initFrobeniusSquaredSd: number;
  /** (‖M‖_F² − E‖M₀‖_F²) / sd(‖M₀‖_F²): how many init standard deviations the stored energy is off. */
  readonly frobeniusZ: number;
  /** max |M_ij| / b: above 1 means training moved an entry outside anything the init can draw. */
  readonly maxAbsOverBound: number;
  /** Share of entries with |M_ij| > b (0 for every initialized M). */
  readonly outsideBound: number;
}

/**
 * Compares M (any order of its N entries) with U(−b, b) entries, b = 1/√fanIn. A NaN entry
 * makes every figure of the stored M NaN (none of them means anything then).
 */
export function mixerInitComparison(values: ArrayLike<number>, fanIn: number): MixerInitComparison {
  const n = values.length;
  const b = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  let energy = 0;
  let maxAbs = 0;
  let outside = 0;
  let nan = false;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(values[i]);
    energy += v * v;
    if (Number.isNaN(v)) nan = true;
    else if (v > maxAbs) maxAbs = v;
    if (v > b) outside++;
  }
  const mean = (n * b * b) / 3;
  const sd = Math.sqrt((n * 4 * b ** 4) / 45);
  return {
    rule: MIXER_INIT_RULE,
    bound: b,
    frobenius: Math.sqrt(energy),
    initFrobeniusSquaredMean: mean,
    initFrobeniusSquaredSd: sd,
    frobeniusZ: sd > 0 ? (energy - mean) / sd : 0,
    // A NaN entry leaves the maximum and the share outside the bound undefined, not merely those of the other entries.
    maxAbsOverBound: nan ? Number.NaN : b > 0 ? maxAbs / b : 0,
    outsideBound: nan ? Number.NaN : n > 0 ? outside / n : 0,
  };
}
