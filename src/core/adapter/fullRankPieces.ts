import { CancelledError, throwIfCancelled, type CancellationToken } from '../cancellation';
import type { TensorSource } from '../container/source';
import type { TensorInfo } from '../safetensors/types';
import type { AdaptedModule, OtherTensor, OtherTensorRole } from './model';

/** Elements read per chunk when a norm is taken: 8 MiB of float64, whatever the tensor's size. */
const NORM_CHUNK_ELEMENTS = 1 << 20;

const PEFT_WRAP = 'base_model.model.';

interface Piece {
  readonly role: OtherTensorRole;
  readonly module: string;
}

/** The Frobenius norm of one full-rank piece, as the analysis reads it. */
export interface PieceNorm {
  /** The tensor's name in the file. */
  readonly name: string;
  readonly norm: number;
}

/**
 * Full-rank pieces saved beside the factors, each reported with the module it belongs to rather
 * than dropped (their norms are the analysis' to read: see fullRankPieceNorms):
 * - `<module>.diff` / `<module>.diff_b`: a full weight difference and a bias difference, as Wan
 *   2.x LoRAs, musubi-tuner/ComfyUI files and LyCORIS' full module (lycoris/modules/full.py)
 *   save them. ComfyUI adds them to the weight (comfy/lora.py, the "diff" patch); diffusers
 *   drops them with a log message (lora_conversion_utils.py, `has_diffb`, `has_norm_diff`).
 * - PEFT `modules_to_save`: get_peft_model_state_dict (peft/utils/save_and_load.py) saves the
 *   ModulesToSaveWrapper copy (peft/utils/other.py) of `<module>.modules_to_save.<adapter>.weight`
 *   under `base_model.model.<module>.weight`; raw state dicts keep the wrapper's path.
 * - Biases saved beside the factors (PEFT `bias="all"`/`"lora_only"`, a trainer's `.bias`).
 * Pieces are looked for only when the file holds factors; a full model's tensors are listed as
 * they are. Only names are read here: opening a file reads its header, never these tensors.
 */
export function describeFullRankPieces(modules: readonly AdaptedModule[], others: readonly OtherTensor[], warnings: string[]): OtherTensor[] {
  const counts = new Map<OtherTensorRole, number>();
  const otherTensors: OtherTensor[] = [];
  for (const t of others) {
    const piece = pieceOf(t, modules.length > 0);
    if (!piece) {
      otherTensors.push(t);
      continue;
    }
    counts.set(piece.role, (counts.get(piece.role) ?? 0) + 1);
    otherTensors.push({ ...t, role: piece.role, module: piece.module });
  }
  // diff/diff_b are loader-dependent (applied by ComfyUI, dropped by diffusers): said in a warning.
  // modules_to_save and biases are what PEFT loads as they are: their role and norm say enough.
  const diffs = (counts.get('full-rank diff') ?? 0) + (counts.get('bias diff') ?? 0);
  if (diffs > 0)
    warnings.push(
      `${diffs} full-rank piece(s) (diff, diff_b) are added to their modules beside the low-rank update (ComfyUI applies them; diffusers drops them); they are listed with their norms and are not part of the spectra`,
    );
  return otherTensors;
}

/**
 * The norms of the full-rank pieces (the other tensors describeFullRankPieces gave a module), read
 * in chunks of NORM_CHUNK_ELEMENTS so a GB-sized embedding is never held whole. A piece whose
 * bytes cannot be read as numbers, or hold NaN or Inf, has no norm.
 */
export async function fullRankPieceNorms(file: TensorSource, others: readonly OtherTensor[], token?: CancellationToken): Promise<PieceNorm[]> {
  const norms: PieceNorm[] = [];
  for (const t of others) {
    if (t.module === undefined) continue;
    throwIfCancelled(token);
    const norm = await normOf(file, file.header.byName.get(t.name), token);
    if (norm !== undefined) norms.push({ name: t.name, norm });
  }
  return norms;
}

/** The other tensors with the norms the analysis read (each piece without one is left as it is). */
export function withPieceNorms(others: readonly OtherTensor[], norms: readonly PieceNorm[] | undefined): readonly OtherTensor[] {
  if (!norms || norms.length === 0) return others;
  const byName = new Map(norms.map((n) => [n.name, n.norm]));
  return others.map((t) => {
    const norm = byName.get(t.name);
    return norm === undefined ? t : { ...t, norm };
  });
}

/** A PEFT `lora_B.bias` (lora_bias) is part of its module: its norm, as a note for the module's analysis. */
export async function biasUpdateNote(file: TensorSource, module: AdaptedModule, token?: CancellationToken): Promise<string | null> {
  const bias = module.tensors.biasB;
  const norm = bias ? await normOf(file, file.header.byName.get(bias), token) : undefined;
  return norm === undefined ? null : `${bias}: its bias update has Frobenius norm ${norm.toPrecision(6)}`;
}

function pieceOf(t: OtherTensor, holdsFactors: boolean): Piece | null {
  const diff = /^(.+)\.(diff|diff_b)$/.exec(t.name);
  if (diff) return { role: diff[2] === 'diff' ? 'full-rank diff' : 'bias diff', module: diff[1] };
  if (!holdsFactors) return null;
  if (t.role === 'modules_to_save' || t.role === 'full weight') return { role: t.role, module: peftModule(t.name) };
  if ((t.role === 'bias' || t.role === 'unrecognized') && t.name.endsWith('.bias')) return { role: 'bias', module: peftModule(t.name) };
  return null;
}

/** `base_model.model.score.modules_to_save.default.weight` → `score`. */
function peftModule(name: string): string {
  const path = name.startsWith(PEFT_WRAP) ? name.slice(PEFT_WRAP.length) : name;
  const wrapper = path.indexOf('.modules_to_save.');
  const module = wrapper >= 0 ? path.slice(0, wrapper) : path.replace(/\.(weight|bias)$/, '');
  return module.length > 0 ? module : path;
}

/** The tensor's Frobenius norm, read in bounded chunks; undefined for a non-numeric dtype or an overflow. */
async function normOf(file: TensorSource, info: TensorInfo | undefined, token: CancellationToken | undefined): Promise<number | undefined> {
  if (!info) return undefined;
  // Scaled sum of squares (as LAPACK's dnrm2): no overflow for float64 values near the limit.
  let scale = 0;
  let ssq = 1;
  try {
    for (let start = 0; start < info.elements; start += NORM_CHUNK_ELEMENTS) {
      throwIfCancelled(token);
      const values = await file.readFloat64(info, { start, count: Math.min(NORM_CHUNK_ELEMENTS, info.elements - start) });
      for (let i = 0; i < values.length; i++) {
        const a = Math.abs(values[i]);
        if (a === 0) continue;
        if (!Number.isFinite(a)) return undefined;
        if (scale < a) {
          ssq = 1 + ssq * (scale / a) * (scale / a);
          scale = a;
        } else ssq += (a / scale) * (a / scale);
      }
    }
  } catch (error) {
    if (error instanceof CancelledError) throw error;
    // A dtype that is not numeric, or bytes that cannot be read: listed without a norm.
    return undefined;
  }
  const norm = scale * Math.sqrt(ssq);
  return Number.isFinite(norm) ? norm : undefined;
}
