import type { AdaptedModule } from '../adapter/model';
import type { TensorSource } from '../container/source';
import { readStored } from './factors';

/**
 * The rank allocation AdaLoRA learned for one module, read from its own selection values, not
 * from a rule on the spectrum. AdaLoRA's RankAllocator (huggingface/peft,
 * src/peft/tuners/adalora/layer.py, `RankAllocator.mask_to_budget`) sets the E entries of the
 * triplets below its importance threshold to 0, and `AdaLoraModel.resize_state_dict_by_rank_pattern`
 * (adalora/model.py) keeps only the entries its rank_pattern marks; so the learned rank is the
 * count of non-zero E entries in the file. `ranknum` (AdaLoraLayer.update_layer: a 1-element
 * parameter filled with r) is read when the file stores it.
 */
export interface LearnedAllocation {
  /** Where the values come from. */
  readonly source: 'AdaLoRA lora_E';
  /** E as stored, one value per rank-1 triplet. */
  readonly values: Float64Array;
  /** #{i : E_i ≠ 0}: the rank AdaLoRA's selection kept for this module. */
  readonly learnedRank: number;
  /** The number of E entries stored (the module's r in the file). */
  readonly storedRank: number;
  /** The stored `ranknum` buffer, null when the file has none (PEFT's adapter save leaves it out). */
  readonly ranknum: number | null;
}

/** PEFT's AdaLoRA key `lora_E`; KaSA's `lora_diag` shares the E role but selects nothing. */
const ADALORA_E = /(^|\.)lora_E(\.[^.]+)?$/;

/** The learned allocation of an AdaLoRA module; null for every other module. */
export async function learnedAllocationOf(file: TensorSource, module: AdaptedModule): Promise<LearnedAllocation | null> {
  const ref = module.factors?.type === 'lowRank' ? module.factors.diagonal : undefined;
  if (!ref || !ADALORA_E.test(ref.tensor)) return null;
  const { data } = await readStored(file, ref);
  let learnedRank = 0;
  for (const e of data) if (e !== 0) learnedRank++;
  return { source: 'AdaLoRA lora_E', values: data, learnedRank, storedRank: data.length, ranknum: await ranknumOf(file, ref.tensor) };
}

/** The `ranknum` beside a `lora_E` tensor (same prefix and adapter suffix), when it is one finite value. */
async function ranknumOf(file: TensorSource, eTensor: string): Promise<number | null> {
  const at = eTensor.lastIndexOf('lora_E');
  const info = file.header.byName.get(`${eTensor.slice(0, at)}ranknum${eTensor.slice(at + 'lora_E'.length)}`);
  if (!info || info.elements !== 1) return null;
  const [value] = await file.readFloat64(info);
  return Number.isFinite(value) ? value : null;
}
