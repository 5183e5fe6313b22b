import { join } from 'node:path';
import { encodeFloat32, encodeFloat64 } from '../../safetensors/encode';
import type { TensorToWrite } from '../../safetensors/writer';
import { writeTensorsAtomic } from '../../safetensors/writer';
import type { BaseNetwork, TeacherTerm } from './network';
import { writePeftFolder } from './peftFolder';
import type { LoraFactors } from './train';

/** `__metadata__` of the reference files: the format agreed for `checkpoints --reference`. */
const REFERENCE_METADATA = { format: 'lora-lens-reference', version: '1' } as const;

/**
 * `base.safetensors` at the zoo root: `<module>.weight` = W0 (h×d, as a Linear layer stores it, so
 * `inspect --base` reads it) and `<module>.head` = the output weights a (h), both F32.
 */
export async function writeBaseFile(dir: string, base: BaseNetwork): Promise<void> {
  const tensors: TensorToWrite[] = base.blocks.flatMap((b) => [
    { name: `${b.name}.weight`, dtype: 'F32' as const, shape: [base.hidden, base.inputs], data: encodeFloat32(b.W0) },
    { name: `${b.name}.head`, dtype: 'F32' as const, shape: [base.hidden], data: encodeFloat32(b.a) },
  ]);
  await writeTensorsAtomic(join(dir, 'base.safetensors'), tensors, { format: 'pt' });
}

/**
 * An adapter's `teacher.safetensors`, in F64 (the exact reference): per block either the rank-1
 * term as `<module>.u` [h], `<module>.v` [d], `<module>.theta` [1] (one term), or the sum of the
 * terms as `<module>.delta_w` [h, d] (several, the subpopulation setting). A block with no term
 * (a run that excited none of its directions) gets a zero delta_w.
 */
export async function writeTeacherFile(dir: string, base: BaseNetwork, terms: readonly (readonly TeacherTerm[])[]): Promise<void> {
  const tensors: TensorToWrite[] = base.blocks.flatMap((block, b): TensorToWrite[] => {
    const own = terms[b];
    if (own.length === 1) {
      const [t] = own;
      return [
        { name: `${block.name}.u`, dtype: 'F64', shape: [base.hidden], data: encodeFloat64(t.u) },
        { name: `${block.name}.v`, dtype: 'F64', shape: [base.inputs], data: encodeFloat64(t.v) },
        { name: `${block.name}.theta`, dtype: 'F64', shape: [1], data: encodeFloat64([t.theta]) },
      ];
    }
    return [{ name: `${block.name}.delta_w`, dtype: 'F64', shape: [base.hidden, base.inputs], data: encodeFloat64(sumOfTerms(own, base.hidden, base.inputs)) }];
  });
  await writeTensorsAtomic(join(dir, 'teacher.safetensors'), tensors, REFERENCE_METADATA);
}

/** Σ_j θ_j·u_j·v_jᵀ, h×d row-major. */
function sumOfTerms(terms: readonly TeacherTerm[], h: number, d: number): Float64Array {
  const out = new Float64Array(h * d);
  for (const t of terms) for (let i = 0; i < h; i++) for (let k = 0; k < d; k++) out[i * d + k] += t.theta * t.u[i] * t.v[k];
  return out;
}

/** One adapter's LoRA in PEFT layout, its factors already rounded to float32. */
export function writeLora(dir: string, base: BaseNetwork, factors: readonly LoraFactors[], rank: number, alpha: number, baseModel: string): Promise<void> {
  return writePeftFolder(
    dir,
    base.blocks.map((block, b) => ({ name: block.name, A: factors[b].A, B: factors[b].B, rank, inputs: base.inputs, outputs: base.hidden })),
    alpha,
    baseModel,
  );
}

/**
 * Checkpoint steps of a run of `steps` steps: `count` log-spaced ones ending at `steps`, each a
 * quarter of the next (steps/4^(count−1), …, steps/4, steps), rounded, below 1 dropped. Four
 * cover 1/64 to all of a run: barely moved, aligning, recovering, done.
 */
export function checkpointSteps(steps: number, count: number): number[] {
  const out: number[] = [];
  for (let i = count - 1; i >= 0; i--) {
    const step = Math.round(steps / 4 ** i);
    if (step >= 1 && !out.includes(step)) out.push(step);
  }
  return out;
}
