import { rowPermutedModules } from '../adapter/gguf';
import { openAdapter, type OpenedAdapter } from '../adapter/load';
import { resolveWeightsFile } from '../adapter/resolve';
import type { CancellationToken } from '../cancellation';
import type { ComputeBackend } from '../compute/backend';
import { fileStamp, type FileStamp } from './fileStamp';
import { startSha256, type PendingHash } from './hash';
import { ResizeError } from './errors';
import { inputLayout, factorNames } from './names';
import { prepareAdapter, rankInputs, type PreparedAdapter } from './prepare';
import { recommendRanks, type RankMethod, type RankPlan } from './recommend';
import { resizeBackend, type ChosenBackend, type ResizeCompute } from './resizeBackend';
import { outputTarget, targetProblems, type OutputTarget, type Problem } from './target';

/**
 * What both checkResize and resizeAdapter need: the open input, its bases, the plan, the
 * problems, and the backend that computed the bases (pass two uses it too). `close` closes the
 * input and disposes the backend when the plan made it.
 */
export interface PlannedResize {
  readonly opened: OpenedAdapter;
  /** The weights file's size, mtime and inode, taken before it was opened. */
  readonly stamp: FileStamp;
  readonly backend: ComputeBackend;
  /** Why `auto` kept the TypeScript backend on an adapter large enough for onnxruntime, when it did. */
  readonly backendNote?: string;
  close(): Promise<void>;
  readonly prepared: PreparedAdapter;
  readonly target: OutputTarget;
  /** Null when the method cannot make a plan (its problem says why). */
  readonly plan: RankPlan | null;
  readonly problems: readonly Problem[];
  /**
   * The input's SHA-256 for the provenance key, started when the file was opened (on its own
   * thread, beside pass one) when a write may follow; null for a plan alone.
   */
  readonly hash: PendingHash | null;
}

export interface PlanOptions extends ResizeCompute {
  readonly input: string;
  /** Undefined for a plan alone (a dry run): the layout is decided, the target not checked. */
  readonly output: string | undefined;
  readonly method: RankMethod;
  readonly format: 'peft' | 'kohya' | 'same';
  readonly overwrite?: boolean;
  readonly foldMixer?: boolean;
  readonly token?: CancellationToken;
  readonly onProgress?: (done: number, total: number) => void;
}

const list = (names: readonly string[]): string => `${names.slice(0, 3).join(', ')}${names.length > 3 ? ` and ${names.length - 3} more` : ''}`;

/**
 * Opens the input, computes every module's exact basis (pass one, on the backend `options`
 * choose) and the rank plan, and lists everything that would stop the write, in plain words.
 * The caller calls `close` when done.
 */
export async function planResize(options: PlanOptions): Promise<PlannedResize> {
  const weights = await resolveWeightsFile(options.input);
  // Stamped before reading: a change made while pass one runs still shows when a write reuses the plan.
  const stamp = await fileStamp(weights);
  const opened = await openAdapter(weights);
  // Only a write needs the hash; starting it now lets it run beside pass one.
  const hash = options.output === undefined ? null : startSha256(opened.adapter.file);
  let chosen: ChosenBackend | undefined;
  const close = async (): Promise<void> => {
    try {
      await hash?.stop();
      await opened.file.close();
    } finally {
      if (chosen?.owned) await chosen.backend.dispose();
    }
  };
  try {
    const { adapter } = opened;
    const target = outputTarget(options.output ?? 'resized.safetensors', options.format, adapter);
    const problems: Problem[] = options.output === undefined ? [] : [...(await targetProblems(target, adapter.file, options.overwrite === true))];
    const structured = adapter.modules.filter((m) => m.factors && m.factors.type !== 'lowRank');
    if (structured.length > 0 && !(options.format === 'same' && inputLayout(adapter.format) === 'kohya')) {
      const kinds = [...new Set(structured.map((m) => (m.factors?.type === 'hadamard' ? 'LoHa' : 'LoKr')))].join('/');
      problems.push({
        code: 'UNWRITABLE_LAYOUT',
        message: `${structured.length} ${kinds} module(s) (${list(structured.map((m) => m.name))}) cannot be written as ${target.layout === 'kohya' ? 'kohya LoRA' : 'PEFT LoRA'} pairs: their ΔW is a ${kinds === 'LoHa' ? 'Hadamard' : 'Kronecker'} product of rank up to ${structured.reduce((k, m) => Math.max(k, m.maxRank), 0)}, not a B·A pair of their rank ${structured.reduce((k, m) => Math.max(k, m.rank), 0)}; use format "same" on a kohya/LyCORIS file to copy them unchanged`,
      });
    }
    const permuted = rowPermutedModules(adapter);
    if (permuted.length > 0) {
      problems.push({
        code: 'UNWRITABLE_LAYOUT',
        message: `${permuted.length} module(s) (${list(permuted.map((m) => m.name))}) hold rows llama.cpp permuted for its rotary layout, and the file does not say the head count that would undo it; a PEFT adapter written from them would be wrong`,
      });
    }
    const mixed = adapter.modules.filter((m) => m.factors?.type === 'lowRank' && (m.factors.mixer || m.factors.diagonal));
    if (options.foldMixer === false && mixed.length > 0) {
      problems.push({
        code: 'UNWRITABLE_LAYOUT',
        message: `${mixed.length} module(s) have a MoSLoRA mixer or AdaLoRA E (${list(mixed.map((m) => m.name))}): a truncation is a plain pair B'·A', so the mixer cannot be kept; fold it (the default)`,
      });
    }
    if (target.layout === 'kohya') {
      const embeddings = adapter.modules.filter((m) => m.kind === 'embedding' && m.factors?.type === 'lowRank');
      if (embeddings.length > 0)
        problems.push({
          code: 'UNWRITABLE_LAYOUT',
          message: `kohya's layout has no embedding LoRA; ${list(embeddings.map((m) => m.name))} cannot be written; use the PEFT format`,
        });
      const seen = new Map<string, string>();
      const from = inputLayout(adapter.format);
      for (const m of adapter.modules) {
        if (m.factors?.type !== 'lowRank') continue;
        const name = factorNames(m, from, 'kohya').A;
        const other = seen.get(name);
        if (other) problems.push({ code: 'UNWRITABLE_LAYOUT', message: `${other} and ${m.name} get the same kohya name ${name}` });
        seen.set(name, m.name);
      }
    }
    chosen = resizeBackend(adapter, options);
    const prepared = await prepareAdapter(opened.file, adapter, chosen.backend, options.token, options.onProgress && ((done, total) => options.onProgress?.(done, 2 * total)));
    let plan: RankPlan | null = null;
    if (prepared.modules.length === 0) {
      problems.push({
        code: 'NO_MODULES',
        message: `${adapter.file} has no low-rank module to truncate${prepared.skipped.length > 0 ? ` (${prepared.skipped.length} skipped: ${prepared.skipped[0].reason})` : ''}`,
      });
    } else {
      try {
        plan = recommendRanks(rankInputs(prepared), options.method);
      } catch (error) {
        if (!(error instanceof ResizeError)) throw error;
        problems.push({ code: error.code, message: error.message });
      }
    }
    const zero = plan?.layers.filter((l) => l.kept === 0) ?? [];
    if (zero.length > 0) {
      problems.push({
        code: 'KEPT_RANK_ZERO',
        message: `${zero.length} module(s) would keep rank 0 because their ΔW is zero (${list(zero.map((l) => l.name))}); a fixed rank or a kohya rule keeps rank 1 for them`,
      });
    }
    return { opened, stamp, backend: chosen.backend, ...(chosen.note ? { backendNote: chosen.note } : {}), close, prepared, target, plan, problems, hash };
  } catch (error) {
    await close();
    throw error;
  }
}
