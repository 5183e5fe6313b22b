import { mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import { AdapterError } from '../adapter/errors';
import { identityOf } from '../container/fileIdentity';
import { assertUnchanged } from '../container/unchanged';
import { writeOutputSet, type OutputFile } from '../io/outputSet';
import { SafetensorsError } from '../safetensors/errors';
import type { TensorSource } from '../container/source';
import { safetensorsContents } from '../safetensors/writer';
import { CheckedPlan } from './checkedPlan';
import { ResizeError } from './errors';
import { outputMetadata, peftConfig } from './outputConfig';
import { planResize, type PlannedResize } from './planResize';
import { FactorProducer } from './produceFactors';
import type { ResizableModule } from './prepare';
import { describeRankMethod, type RankMethod, type RankPlan } from './recommend';
import { reportJson, reportMarkdown, type ResizeReport } from './report';
import type { ResizeCompute } from './resizeBackend';
import { planTensors, type FloatDType } from './writePlan';

declare const LORA_LENS_VERSION: string | undefined;

export type ResizeFormat = 'peft' | 'kohya' | 'same';

/**
 * What to resize and how. `compute` chooses the backend of both passes as the analysis does
 * (`auto`: onnxruntime for adapters with 60 MB of factors and up); see ResizeCompute.
 */
export interface ResizeOptions extends ResizeCompute {
  /** Adapter .safetensors (PEFT folder or file, kohya, diffusers, mlx …). */
  readonly input: string;
  /** PEFT: a folder (adapter_model.safetensors + adapter_config.json); kohya: a .safetensors file. */
  readonly output: string;
  readonly method: RankMethod;
  readonly format: ResizeFormat;
  /** Default: the input's dtype. */
  readonly dtype?: 'F32' | 'F16' | 'BF16';
  /** Default false: an existing output is an error (OUTPUT_EXISTS). */
  readonly overwrite?: boolean;
  /** MoSLoRA mixer and AdaLoRA E folded into plain LoRA (default true; false is refused, as a truncation cannot keep them). */
  readonly foldMixer?: boolean;
  readonly token?: CancellationToken;
  /** Modules done of 2 × modules: pass one (spectra), then pass two (writing). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ResizeResult {
  readonly plan: RankPlan;
  /** Every file written (adapter, config, report). */
  readonly files: readonly string[];
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  /** What the report says beside the table (layout conversions, DoRA magnitudes, copied tensors). */
  readonly notes: readonly string[];
  /** The backend that computed both passes (e.g. "js", "onnxruntime cpu"). */
  readonly backend: string;
}

/**
 * Checks everything that can be checked before writing (the format can hold the layout, the
 * output is writable, not the input, exists/overwrite, no kept rank 0, the budget suffices):
 * the problems in plain words, empty when fine; an input that cannot be read is one problem.
 * Computes the spectra to do so (pass one of a resize).
 */
export async function checkResize(options: ResizeOptions): Promise<readonly string[]> {
  const checked = await checkResizeKeepingPlan(options);
  await checked.plan?.close();
  return checked.problems;
}

/** The problems of a resize and, when there are none, the plan kept open for resizeAdapter. */
export interface CheckedResize {
  readonly problems: readonly string[];
  /** Null when there are problems (it is closed then). Hand it to resizeAdapter or close it. */
  readonly plan: CheckedPlan | null;
}

/**
 * checkResize that keeps the plan when it finds no problems, so that the write that follows
 * does not compute pass one again: pass it to resizeAdapter with the same options. The caller
 * owns it until then and must close it if it does not write.
 */
export async function checkResizeKeepingPlan(options: ResizeOptions): Promise<CheckedResize> {
  let planned: PlannedResize;
  try {
    planned = await planResize(options);
  } catch (error) {
    // An input that cannot be opened as an adapter is one more problem to show, in its words.
    if (error instanceof SafetensorsError || error instanceof AdapterError) return { problems: [error.message], plan: null };
    throw error;
  }
  if (planned.problems.length > 0 || !planned.plan) {
    await planned.close();
    return { problems: planned.problems.map((p) => p.message), plan: null };
  }
  return { problems: [], plan: new CheckedPlan(planned, options) };
}

/**
 * Writes the truncated adapter (docs/design.md §7): for each module the exact rank-k truncation of
 * ΔW, B' = X_k·(Σ_k/s')^½ and A' = (Σ_k/s')^½·Y_kᵀ, so that s'·B'·A' equals it up to the output
 * dtype's rounding, with per-module ranks and alphas in the layout's own form. Everything is
 * checked first; the first problem throws ResizeError with all of them in its message and
 * nothing is written. The files are written as one set (../io/outputSet): all of them or, if
 * any write fails, none, with OutputWriteError naming the file.
 *
 * `checked`, from checkResizeKeepingPlan, skips pass one when it was made with the same options
 * and the input file's size, mtime and inode are unchanged since; otherwise the plan is made
 * again. It is closed here whatever happens.
 */
export async function resizeAdapter(options: ResizeOptions, checked?: CheckedPlan): Promise<ResizeResult> {
  let planned: PlannedResize;
  let close: () => Promise<void>;
  try {
    const reuse = checked !== undefined && (await checked.fits(options));
    if (reuse) {
      planned = checked.planned;
      close = () => checked.close();
    } else {
      await checked?.close();
      planned = await planResize(options);
      close = () => planned.close();
    }
  } catch (error) {
    await checked?.close();
    throw error;
  }
  try {
    if (planned.problems.length > 0 || !planned.plan) {
      const first = planned.problems[0];
      throw new ResizeError(first.code, planned.problems.map((p) => p.message).join('; '));
    }
    return await write(planned, planned.plan, options);
  } finally {
    await close();
  }
}

async function write(planned: PlannedResize, plan: RankPlan, options: ResizeOptions): Promise<ResizeResult> {
  const { opened, prepared, target } = planned;
  const { adapter, file } = opened;
  const ranks = plan.layers.map((l) => l.kept);
  const dtype: FloatDType = options.dtype ?? inputDtype(file, prepared.modules[0]);
  const layout = planTensors(adapter, target.layout, prepared.modules, ranks, dtype, prepared.skipped);
  const config = target.config ? peftConfig(adapter, layout.modules) : null;
  const notes = [...(target.note ? [target.note] : []), ...(planned.backendNote ? [planned.backendNote] : []), ...layout.notes, ...(config?.warnings ?? [])];
  // The hash read the file by its path on its own thread: it is the input's only if the file is
  // still the one opened and the handle it read has the same identity.
  await assertUnchanged(file);
  const sha256 = await hashOf(planned, adapter.file);
  const provenance = {
    'lora_lens.source_sha256': sha256,
    'lora_lens.source_file': adapter.file.split(/[\\/]/).at(-1) ?? adapter.file,
    'lora_lens.method': options.method.kind,
    'lora_lens.param': methodParam(options.method),
    'lora_lens.version': typeof LORA_LENS_VERSION === 'string' ? LORA_LENS_VERSION : 'dev',
  };
  throwIfCancelled(options.token);
  const folder = dirname(target.weights);
  const created =
    target.layout === 'peft' &&
    (await mkdir(folder).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw new ResizeError('OUTPUT_NOT_WRITABLE', `cannot create ${folder}: ${error.message}`);
        return false;
      },
    ));
  const skipped = prepared.skipped.map((s) => ({ name: s.module.name, reason: s.structured && target.layout === 'kohya' ? `${s.reason}; copied unchanged` : s.reason }));
  const report: ResizeReport = {
    input: adapter.file,
    inputFormat: adapter.formatDetail,
    output: target.weights,
    layout: target.layout,
    method: describeRankMethod(plan.method),
    dtype,
    plan,
    skipped,
    notes,
  };
  const factors = new FactorProducer(file, prepared.modules, layout.modules, planned.backend, options.token, options.onProgress);
  const outputs: OutputFile[] = [
    {
      path: target.weights,
      contents: safetensorsContents(target.weights, layout.tensors, outputMetadata(adapter.header.metadata, target.layout, { ...layout.metadata, ...provenance }), (index, put) =>
        factors.produce(layout.tensors[index], put),
      ),
    },
    ...(target.config && config ? [{ path: target.config, contents: `${JSON.stringify(config.values, null, 2)}\n` }] : []),
    // The report beside an output is always replaced, as before: it describes whatever is written now.
    { path: `${target.report}.json`, contents: reportJson(report), overwrite: true },
    { path: `${target.report}.md`, contents: reportMarkdown(report), overwrite: true },
  ];
  try {
    // All files or none: a full disk while the report is written leaves no adapter behind either.
    await writeOutputSet(outputs, { overwrite: options.overwrite === true });
  } catch (error) {
    // A failed or cancelled write leaves nothing behind: not even the folder made for it.
    if (created) await rmdir(folder).catch(() => undefined);
    throw error;
  } finally {
    // A run read ahead may still be on the backend, which is disposed next: let it end first.
    await factors.settle();
  }
  const files = outputs.map((o) => o.path);
  return { plan, files, skipped, notes, backend: planned.backend.name };
}

/** The input's SHA-256 from the hash pass one started, checked against the file's identity now. */
async function hashOf(planned: PlannedResize, path: string): Promise<string> {
  if (!planned.hash) throw new Error('a plan made without an output cannot be written');
  let now;
  try {
    now = identityOf(await stat(path));
  } catch (error) {
    throw new AdapterError('IO_ERROR', `${path} could not be read: ${(error as Error).message}`, path);
  }
  return planned.hash.of(now);
}

/** The parameter as text for the provenance key, e.g. "0.95", "rank:256". */
function methodParam(method: RankMethod): string {
  switch (method.kind) {
    case 'energy':
      return String(method.level);
    case 'above_mean':
      return '';
    case 'sv_ratio':
      return String(method.ratio);
    case 'sv_fro':
    case 'sv_cumulative':
      return String(method.target);
    case 'fixed':
      return String(method.rank);
    case 'budget':
      return `${method.unit}:${method.total}`;
  }
}

function inputDtype(file: TensorSource, module: ResizableModule): FloatDType {
  const dtype = file.header.byName.get(module.factors.B.tensor)?.dtype;
  return dtype === 'F64' || dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' ? dtype : 'F32';
}
