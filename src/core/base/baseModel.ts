import { denseOperator, type LinearOperator } from '../analysis/randomizedSvd';
import type { CancellationToken } from '../cancellation';
import type { DenseEngine, DenseMatrix } from '../compute/dense';
import { openSafetensors, type SafetensorsFile } from '../safetensors/reader';
import type { TensorInfo } from '../safetensors/types';
import { resolveBaseLayout, type BaseLayout } from './layout';
import { DEFAULT_BASE_LIMITS, streamedWeightOperator, type BaseWeightLimits } from './streamedWeight';

/** One weight of the base model: where it is and what it looks like, nothing read yet. */
export interface BaseWeight {
  /** The tensor's name, behind `<component>.` for a diffusers pipeline's components. */
  readonly name: string;
  readonly info: TensorInfo;
  readonly file: SafetensorsFile;
}

/**
 * An open base model: every shard's header (header-only reads), and weights read one at a time
 * at their offsets. A 7B model's weights are never in memory together: the analysis holds one
 * matrix (plus thin products) at a time. Close when done.
 */
export class BaseModel {
  private constructor(
    readonly layout: BaseLayout,
    private readonly files: readonly SafetensorsFile[],
    /** Every tensor of every shard by (component-prefixed) name; the first shard wins a duplicated name. */
    readonly weights: ReadonlyMap<string, BaseWeight>,
  ) {}

  /** Resolves `path` (file, index, folder or HF cache snapshot) and opens the shards' headers. */
  static async open(path: string): Promise<BaseModel> {
    const layout = await resolveBaseLayout(path);
    const files: SafetensorsFile[] = [];
    try {
      for (const shard of layout.shards) files.push(await openSafetensors(shard.path));
    } catch (error) {
      await Promise.all(files.map((f) => f.close()));
      throw error;
    }
    const weights = new Map<string, BaseWeight>();
    files.forEach((file, i) => {
      const prefix = layout.shards[i].component === null ? '' : `${layout.shards[i].component}.`;
      for (const info of file.header.tensors) {
        const name = prefix + info.name;
        if (!weights.has(name)) weights.set(name, { name, info, file });
      }
    });
    return new BaseModel(layout, files, weights);
  }

  /**
   * A 2-D (or conv, flattened to out × in·kh·kw) weight as a row-major dense matrix: float32
   * for F32/F16/BF16 (exact: every such value is a float32), float64 for F64. `transposed`
   * returns the transpose (GPT-2 Conv1D weights are stored in×out).
   */
  async readMatrix(weight: BaseWeight, transposed: boolean): Promise<DenseMatrix> {
    const { info, file } = weight;
    const rows = info.shape[0];
    const cols = info.elements / rows;
    const values = info.dtype === 'F64' ? await file.readFloat64(info) : await file.readFloat32(info);
    if (!transposed) return { rows, cols, values };
    const out = values instanceof Float64Array ? new Float64Array(values.length) : new Float32Array(values.length);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = values[i * cols + j];
    return { rows: cols, cols: rows, values: out };
  }

  /**
   * W0 as an operator for the analyses: read whole (readMatrix) when it has at most
   * `limits.maxElements` elements, else streamed from the file in row blocks on every product
   * (streamedWeightOperator). `dense` is the in-memory matrix when there is one.
   */
  async weightOperator(
    weight: BaseWeight,
    transposed: boolean,
    engine: DenseEngine,
    limits: BaseWeightLimits = DEFAULT_BASE_LIMITS,
    token?: CancellationToken,
  ): Promise<{ operator: LinearOperator; dense: DenseMatrix | null }> {
    if (weight.info.elements > limits.maxElements) return { operator: streamedWeightOperator(weight, transposed, engine, limits, token), dense: null };
    const dense = await this.readMatrix(weight, transposed);
    return { operator: denseOperator(dense, engine), dense };
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.close()));
  }
}
