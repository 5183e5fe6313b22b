import { mkdir, rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readLowRank } from '../analysis/factors';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import { transpose, type Matrix } from '../linalg/matrix';
import { AdapterError } from '../adapter/errors';
import { writeTextAtomic } from '../predict/atomicText';
import { SafetensorsError } from '../safetensors/errors';
import { encodeBFloat16, encodeFloat16, encodeFloat32, encodeFloat64 } from '../safetensors/encode';
import type { SafetensorsFile } from '../safetensors/reader';
import { writeSafetensorsAtomic } from '../safetensors/writer';
import { ResizeError } from './errors';
import { sha256File } from './hash';
import { outputMetadata, peftConfig } from './outputConfig';
import { planResize, type PlannedResize } from './planResize';
import type { ResizableModule } from './prepare';
import { describeRankMethod, type RankMethod, type RankPlan } from './recommend';
import { reportJson, reportMarkdown, type ResizeReport } from './report';
import { applyMap, truncationMaps } from './truncate';
import { planTensors, type FloatDType, type PlannedTensor, type WrittenModule } from './writePlan';

declare const LORA_LENS_VERSION: string | undefined;

export type ResizeFormat = 'peft' | 'kohya' | 'same';

export interface ResizeOptions {
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
}

/**
 * Checks everything that can be checked before writing (the format can hold the layout, the
 * output is writable, not the input, exists/overwrite, no kept rank 0, the budget suffices):
 * the problems in plain words, empty when fine; an input that cannot be read is one problem.
 * Computes the spectra to do so (pass one of a resize).
 */
export async function checkResize(options: ResizeOptions): Promise<readonly string[]> {
  let planned: PlannedResize;
  try {
    planned = await planResize(options);
  } catch (error) {
    // An input that cannot be opened as an adapter is one more problem to show, in its words.
    if (error instanceof SafetensorsError || error instanceof AdapterError) return [error.message];
    throw error;
  }
  await planned.opened.file.close();
  return planned.problems.map((p) => p.message);
}

/**
 * Writes the truncated adapter (DESIGN.md §7): for each module the exact rank-k truncation of
 * ΔW, B' = X_k·(Σ_k/s')^½ and A' = (Σ_k/s')^½·Y_kᵀ, so that s'·B'·A' equals it up to the output
 * dtype's rounding, with per-module ranks and alphas in the layout's own form. Everything is
 * checked first; the first problem throws ResizeError with all of them in its message and
 * nothing is written. Each file is written atomically (temporary file, then rename).
 */
export async function resizeAdapter(options: ResizeOptions): Promise<ResizeResult> {
  const planned = await planResize(options);
  try {
    if (planned.problems.length > 0 || !planned.plan) {
      const first = planned.problems[0];
      throw new ResizeError(first.code, planned.problems.map((p) => p.message).join('; '));
    }
    return await write(planned, planned.plan, options);
  } finally {
    await planned.opened.file.close();
  }
}

async function write(planned: PlannedResize, plan: RankPlan, options: ResizeOptions): Promise<ResizeResult> {
  const { opened, prepared, target } = planned;
  const { adapter, file } = opened;
  const ranks = plan.layers.map((l) => l.kept);
  const dtype: FloatDType = options.dtype ?? inputDtype(file, prepared.modules[0]);
  const layout = planTensors(adapter, target.layout, prepared.modules, ranks, dtype, prepared.skipped);
  const notes = [...(target.note ? [target.note] : []), ...layout.notes];
  const provenance = {
    'lora_lens.source_sha256': await sha256File(adapter.file),
    'lora_lens.source_file': adapter.file.split(/[\\/]/).at(-1) ?? adapter.file,
    'lora_lens.method': options.method.kind,
    'lora_lens.param': methodParam(options.method),
    'lora_lens.version': typeof LORA_LENS_VERSION === 'string' ? LORA_LENS_VERSION : 'dev',
  };
  throwIfCancelled(options.token);
  const folder = dirname(target.weights);
  const created = target.layout === 'peft' && (await mkdir(folder).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw new ResizeError('OUTPUT_NOT_WRITABLE', `cannot create ${folder}: ${error.message}`);
      return false;
    },
  ));
  const factors = new FactorProducer(file, prepared.modules, layout.modules, options, prepared.modules.length);
  try {
    await writeSafetensorsAtomic(target.weights, layout.tensors, outputMetadata(adapter.header.metadata, target.layout, provenance), (index, put) => factors.produce(layout.tensors[index], put), { overwrite: options.overwrite === true });
  } catch (error) {
    // A failed or cancelled write leaves nothing behind: not even the folder made for it.
    if (created) await rmdir(folder).catch(() => undefined);
    throw error;
  }
  const files = [target.weights];
  if (target.config) {
    await writeTextAtomic(target.config, `${JSON.stringify(peftConfig(adapter, layout.modules), null, 2)}\n`);
    files.push(target.config);
  }
  const skipped = prepared.skipped.map((s) => ({ name: s.module.name, reason: s.structured && target.layout === 'kohya' ? `${s.reason}; copied unchanged` : s.reason }));
  const report: ResizeReport = { input: adapter.file, inputFormat: adapter.formatDetail, output: target.weights, layout: target.layout, method: describeRankMethod(plan.method), dtype, plan, skipped, notes };
  await writeTextAtomic(`${target.report}.json`, reportJson(report));
  await writeTextAtomic(`${target.report}.md`, reportMarkdown(report));
  files.push(`${target.report}.json`, `${target.report}.md`);
  return { plan, files, skipped, notes };
}

/** The parameter as text for the provenance key, e.g. "0.95", "rank:256". */
function methodParam(method: RankMethod): string {
  switch (method.kind) {
    case 'energy':
      return String(method.level);
    case 'auto':
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

function inputDtype(file: SafetensorsFile, module: ResizableModule): FloatDType {
  const dtype = file.header.byName.get(module.factors.B.tensor)?.dtype;
  return dtype === 'F64' || dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' ? dtype : 'F32';
}

const ENCODE: Readonly<Record<FloatDType, (values: ArrayLike<number>) => Uint8Array>> = { F64: encodeFloat64, F32: encodeFloat32, F16: encodeFloat16, BF16: encodeBFloat16 };

/**
 * Pass two: reads a module's factors again when its first tensor is due, computes both
 * truncated factors and hands out each in its stored layout. One module's factors in memory.
 */
class FactorProducer {
  private current: { index: number; A: Float64Array; B: Float64Array } | null = null;
  private done = 0;

  constructor(
    private readonly file: SafetensorsFile,
    private readonly modules: readonly ResizableModule[],
    private readonly written: readonly WrittenModule[],
    private readonly options: ResizeOptions,
    private readonly offset: number,
  ) {}

  async produce(t: PlannedTensor, put: (chunk: Uint8Array) => Promise<void>): Promise<void> {
    throwIfCancelled(this.options.token);
    if (t.kind === 'alpha') return put(encodeFloat32([t.value]));
    if (t.kind === 'copy') return put(await this.file.readBytes(t.source));
    if (this.current?.index !== t.module) this.current = { index: t.module, ...(await this.truncate(t.module)) };
    const values = this.current[t.role];
    await put(ENCODE[t.dtype](values));
  }

  /** A' (k×n row-major, or n×k when stored transposed) and B' (m×k row-major, or k×m) as stored. */
  private async truncate(index: number): Promise<{ A: Float64Array; B: Float64Array }> {
    const { basis, factors } = this.modules[index];
    const { kept, scale, names } = this.written[index];
    const data = await readLowRank(this.file, factors, 'float64-wide');
    const B: Matrix = { rows: data.B.rows, cols: data.B.cols, data: data.B.values as Float64Array };
    const At: Matrix = { rows: data.At.rows, cols: data.At.cols, data: data.At.values as Float64Array };
    const { TB, TA } = truncationMaps(basis, kept, scale);
    const Bp = applyMap(B, TB);
    const Atp = applyMap(At, TA);
    this.done++;
    this.options.onProgress?.(this.offset + this.done, 2 * this.offset);
    // Column-major d×k data is the row-major k×d matrix: A' as stored, or B'ᵀ.
    return { A: names.transposedA ? transpose(Atp).data : Atp.data, B: names.transposedB ? Bp.data : transpose(Bp).data };
  }
}
