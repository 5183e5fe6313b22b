import type { BaseNetwork, InputSource, Teacher } from './network';
import { SeededRandom } from './random';
import { LensError, registerLensError } from '../../errors';

/** One student run's settings. */
export interface TrainSettings {
  /** LoRA rank r. */
  readonly rank: number;
  /** lora_alpha; the scale is s = α / r as PEFT computes it. */
  readonly alpha: number;
  /** SGD step size η. */
  readonly learningRate: number;
  readonly steps: number;
  /** Fresh samples per step, averaged (online SGD: no sample is seen twice). */
  readonly batch: number;
  /** Where the run's inputs come from (the setting's distribution, its subpopulations). */
  readonly inputs: InputSource;
  /** Seeds A's init and the sample stream. */
  readonly seed: number;
  /** Steps after which a checkpoint of B and A is kept (step 0 is the init). */
  readonly checkpoints?: readonly number[];
  /** Held-out inputs for the loss estimates (drawn from the same source). */
  readonly evalSamples?: number;
  /** Restart a diverging run at half the step size (default true; false runs at learningRate whatever the loss does). */
  readonly divergenceCheck?: boolean;
}

/** One block's LoRA factors: ΔW = s·B·A with B h×r and A r×d, both row-major. */
export interface LoraFactors {
  readonly B: Float64Array;
  readonly A: Float64Array;
}

export interface Checkpoint {
  readonly step: number;
  /** One entry per base block. */
  readonly factors: readonly LoraFactors[];
  /** Mean ½(f_student − f_teacher)² on the held-out inputs. */
  readonly loss: number;
}

export interface TrainedLora {
  readonly settings: TrainSettings;
  readonly scale: number;
  /** Final factors per block. */
  readonly factors: readonly LoraFactors[];
  /** Held-out loss at the init (ΔW = 0: the teacher's perturbation alone) and at the end. */
  readonly initialLoss: number;
  readonly finalLoss: number;
  /** The requested checkpoints, in step order. */
  readonly checkpoints: readonly Checkpoint[];
  /** The step size the factors were trained with: settings.learningRate / 2^restarts. */
  readonly learningRate: number;
  /** Runs restarted from the init at half the step size because the loss diverged (see DIVERGENCE_FACTOR). */
  readonly restarts: number;
}

/** Held-out inputs when not set: enough for a loss estimate within a few percent. */
const DEFAULT_EVAL = 256;

/**
 * Steps per divergence check. The mean training loss over 50 steps of 8 samples has a relative
 * standard error of about 7 % (½e² with e near Gaussian has variance 2·mean²), so a healthy run
 * cannot pass DIVERGENCE_FACTOR by chance.
 */
const DIVERGENCE_WINDOW = 50;
/**
 * A window whose mean training loss exceeds this multiple of the held-out loss at the init has
 * diverged: from ΔW = 0 SGD only lowers the loss, and an overshooting run climbs far above it
 * (mixture zoo, seed 1705560182, adapter-002: 0.087 → 0.44 within 50 steps at η = 0.587).
 */
const DIVERGENCE_FACTOR = 2;
/** Halvings of η before the run is given up (η/8 is below every planned rate's stable bound measured). */
const MAX_RESTARTS = 3;

/**
 * Trains a LoRA on every block of `base` by online SGD on the squared loss
 * ½(f_student(x) − f_teacher(x))², where the student is the base with W0_b + s·B_b·A_b and the
 * teacher the base with W0_b + Σ_j θ_j·u_j·v_jᵀ. PEFT's init: A uniform in ±1/√d (kaiming-uniform
 * with a = √5, as torch's Linear and PEFT use), B = 0, so ΔW starts at exactly zero.
 *
 * Gradients per sample, with z = (W0 + s·B·A)x, e = f_s − f_t and g = e·a ⊙ tanh′(z):
 * ∂/∂B = s·g·(A x)ᵀ and ∂/∂A = s·(Bᵀ g)·xᵀ; B and A are updated together from the batch mean.
 *
 * A run whose training loss climbs past DIVERGENCE_FACTOR times the initial loss is restarted from
 * the same init and sample stream at half the step size, at most MAX_RESTARTS times (then
 * ZooTrainingError); `learningRate` and `restarts` of the result say what was used. A run that
 * never diverges does exactly the arithmetic it did without the check. Deterministic in
 * `settings.seed`.
 */
export function trainLora(base: BaseNetwork, teacher: Teacher, settings: TrainSettings): TrainedLora {
  for (let restarts = 0; restarts <= MAX_RESTARTS; restarts++) {
    const learningRate = settings.learningRate / 2 ** restarts;
    const run = trainOnce(base, teacher, settings, learningRate);
    if (run) return { ...run, learningRate, restarts };
  }
  throw new ZooTrainingError(
    `the LoRA's loss diverged at learning rate ${settings.learningRate} and at ${MAX_RESTARTS} halvings of it (rank ${settings.rank}, alpha ${settings.alpha}, seed ${settings.seed})`,
  );
}

/** One SGD run at step size `learningRate`; null once it diverges (see DIVERGENCE_FACTOR). */
function trainOnce(base: BaseNetwork, teacher: Teacher, settings: TrainSettings, learningRate: number): Omit<TrainedLora, 'learningRate' | 'restarts'> | null {
  const { rank: r, steps, batch } = settings;
  const d = base.inputs;
  const h = base.hidden;
  const scale = settings.alpha / r;
  const rng = new SeededRandom(settings.seed);
  const bound = 1 / Math.sqrt(d);
  const factors = base.blocks.map(() => ({ B: new Float64Array(h * r), A: Float64Array.from({ length: r * d }, () => rng.uniform(-bound, bound)) }));
  const evalInputs = heldOut(base, settings, new SeededRandom(rng.int(1, 2 ** 31)));
  const wanted = new Set(settings.checkpoints ?? []);
  const checkpoints: Checkpoint[] = [];
  const keep = (step: number) =>
    checkpoints.push({ step, factors: factors.map((f) => ({ B: f.B.slice(), A: f.A.slice() })), loss: meanLoss(base, teacher, factors, scale, evalInputs) });
  if (wanted.has(0)) keep(0);
  const initialLoss = meanLoss(base, teacher, factors, scale, evalInputs);
  const limit = DIVERGENCE_FACTOR * initialLoss;
  const check = settings.divergenceCheck !== false;
  const state = new StepState(base, r);
  let windowLoss = 0;
  let windowSamples = 0;
  for (let step = 1; step <= steps; step++) {
    state.clear();
    for (let i = 0; i < batch; i++) {
      settings.inputs(rng, state.x);
      windowLoss += state.accumulate(base, teacher, factors, scale);
    }
    windowSamples += batch;
    const eta = learningRate / batch;
    factors.forEach((f, b) => {
      const gB = state.gradB[b];
      const gA = state.gradA[b];
      for (let i = 0; i < f.B.length; i++) f.B[i] -= eta * gB[i];
      for (let i = 0; i < f.A.length; i++) f.A[i] -= eta * gA[i];
    });
    if (wanted.has(step)) keep(step);
    if (check && (step % DIVERGENCE_WINDOW === 0 || step === steps)) {
      // Negated so that a NaN or infinite loss counts as diverged.
      if (!(windowLoss / windowSamples <= limit)) return null;
      windowLoss = 0;
      windowSamples = 0;
    }
  }
  return { settings, scale, factors, initialLoss, finalLoss: meanLoss(base, teacher, factors, scale, evalInputs), checkpoints };
}

/** A zoo student diverged at every step size tried; a bug in the plan's rates, not the user's input. */
export class ZooTrainingError extends LensError {
  override readonly name = 'ZooTrainingError';
  readonly inputError = false;
  readonly code = 'ZOO_TRAINING_DIVERGED';
}
registerLensError('ZooTrainingError', ZooTrainingError);

/** Buffers of one SGD step, allocated once per run. */
class StepState {
  readonly x: Float64Array;
  readonly gradB: Float64Array[];
  readonly gradA: Float64Array[];
  private readonly ax: Float64Array;
  private readonly z: Float64Array[];
  private readonly g: Float64Array;
  private readonly btg: Float64Array;

  constructor(
    base: BaseNetwork,
    private readonly r: number,
  ) {
    this.x = new Float64Array(base.inputs);
    this.gradB = base.blocks.map(() => new Float64Array(base.hidden * r));
    this.gradA = base.blocks.map(() => new Float64Array(r * base.inputs));
    this.ax = new Float64Array(r * base.blocks.length);
    this.z = base.blocks.map(() => new Float64Array(base.hidden));
    this.g = new Float64Array(base.hidden);
    this.btg = new Float64Array(r);
  }

  clear(): void {
    for (const a of this.gradB) a.fill(0);
    for (const a of this.gradA) a.fill(0);
  }

  /** Adds one sample's gradients (x already drawn into this.x); returns its loss ½(f_s − f_t)². */
  accumulate(base: BaseNetwork, teacher: Teacher, factors: readonly LoraFactors[], scale: number): number {
    const { x, r } = this;
    const d = base.inputs;
    const h = base.hidden;
    let error = 0;
    for (let b = 0; b < base.blocks.length; b++) {
      const block = base.blocks[b];
      const ax = this.ax.subarray(b * r, (b + 1) * r);
      matVec(factors[b].A, x, r, d, ax);
      const terms = teacher.terms[b];
      const vx = terms.map((t) => t.theta * dot(t.v, x));
      const z = this.z[b];
      const { B } = factors[b];
      for (let i = 0; i < h; i++) {
        const w0x = dotAt(block.W0, i * d, x, d);
        let bax = 0;
        for (let j = 0; j < r; j++) bax += B[i * r + j] * ax[j];
        z[i] = w0x + scale * bax;
        let perturbation = 0;
        for (let j = 0; j < terms.length; j++) perturbation += terms[j].u[i] * vx[j];
        error += block.a[i] * (Math.tanh(z[i]) - Math.tanh(w0x + perturbation));
      }
    }
    for (let b = 0; b < base.blocks.length; b++) {
      const block = base.blocks[b];
      const ax = this.ax.subarray(b * r, (b + 1) * r);
      const { B } = factors[b];
      const z = this.z[b];
      const { g, btg } = this;
      btg.fill(0);
      for (let i = 0; i < h; i++) {
        const t = Math.tanh(z[i]);
        g[i] = error * block.a[i] * (1 - t * t);
        for (let j = 0; j < r; j++) btg[j] += B[i * r + j] * g[i];
      }
      const gB = this.gradB[b];
      const gA = this.gradA[b];
      for (let i = 0; i < h; i++) for (let j = 0; j < r; j++) gB[i * r + j] += scale * g[i] * ax[j];
      for (let j = 0; j < r; j++) {
        const c = scale * btg[j];
        for (let k = 0; k < d; k++) gA[j * d + k] += c * x[k];
      }
    }
    return 0.5 * error * error;
  }
}

function heldOut(base: BaseNetwork, settings: TrainSettings, rng: SeededRandom): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < (settings.evalSamples ?? DEFAULT_EVAL); i++) {
    const x = new Float64Array(base.inputs);
    settings.inputs(rng, x);
    out.push(x);
  }
  return out;
}

/** Mean ½(f_s − f_t)² over the inputs. */
function meanLoss(base: BaseNetwork, teacher: Teacher, factors: readonly LoraFactors[], scale: number, inputs: readonly Float64Array[]): number {
  let total = 0;
  for (const x of inputs) {
    const e = studentOutput(base, factors, scale, x) - teacherOutput(base, teacher, x);
    total += 0.5 * e * e;
  }
  return inputs.length > 0 ? total / inputs.length : 0;
}

/** f_student(x) = Σ_b a_bᵀ tanh((W0_b + s·B_b·A_b) x). */
function studentOutput(base: BaseNetwork, factors: readonly LoraFactors[], scale: number, x: Float64Array): number {
  let f = 0;
  base.blocks.forEach((block, b) => {
    const { A, B } = factors[b];
    const r = A.length / base.inputs;
    const ax = new Float64Array(r);
    matVec(A, x, r, base.inputs, ax);
    for (let i = 0; i < base.hidden; i++) {
      let bax = 0;
      for (let j = 0; j < r; j++) bax += B[i * r + j] * ax[j];
      f += block.a[i] * Math.tanh(dotAt(block.W0, i * base.inputs, x, base.inputs) + scale * bax);
    }
  });
  return f;
}

/** f_teacher(x) = Σ_b a_bᵀ tanh((W0_b + Σ_j θ_j·u_j·v_jᵀ) x). */
function teacherOutput(base: BaseNetwork, teacher: Teacher, x: Float64Array): number {
  let f = 0;
  base.blocks.forEach((block, b) => {
    const terms = teacher.terms[b];
    const vx = terms.map((t) => t.theta * dot(t.v, x));
    for (let i = 0; i < base.hidden; i++) {
      let perturbation = 0;
      for (let j = 0; j < terms.length; j++) perturbation += terms[j].u[i] * vx[j];
      f += block.a[i] * Math.tanh(dotAt(block.W0, i * base.inputs, x, base.inputs) + perturbation);
    }
  });
  return f;
}

/** y = M x for M rows×cols row-major. */
function matVec(M: Float64Array, x: Float64Array, rows: number, cols: number, y: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let k = 0; k < cols; k++) s += M[i * cols + k] * x[k];
    y[i] = s;
  }
}

/** Row `offset / n` of a row-major matrix times x, without a subarray view per row (the hot loop). */
function dotAt(M: Float64Array, offset: number, x: Float64Array, n: number): number {
  let s = 0;
  for (let k = 0; k < n; k++) s += M[offset + k] * x[k];
  return s;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
