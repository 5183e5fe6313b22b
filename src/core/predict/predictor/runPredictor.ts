import type { InferenceSession } from 'onnxruntime-node';
import { createOrtSession, loadOrt, type DeviceChoice, type Provider } from '../../compute/ort/runtime';
import { PREDICTOR_INPUT, PROBABILITIES_OUTPUT, VALUE_OUTPUT } from './onnxExport';

/** A float64 input of the predictor graph: row-major values and their dims. */
export interface PredictorFeed {
  readonly data: Float64Array;
  readonly dims: readonly number[];
}

/**
 * An exported predictor loaded into onnxruntime. The session is created by the compute
 * engine's createOrtSession, so the provider is chosen as for the kernels (CUDA first under
 * `auto`, CPU fallback with the reason); one intra-op thread, since the graph is a few small
 * products per adapter. `create` without a device keeps the CPU (tests, batch training).
 */
export class PredictorSession {
  private constructor(
    private readonly session: InferenceSession,
    readonly outputName: string,
    readonly provider: Provider,
    readonly fallbackReason: string | undefined,
  ) {}

  /** `output`: the output kind, or the linear model kind that implies it (ridge → regression, logistic → classification). */
  static async create(model: Uint8Array, output: 'ridge' | 'logistic' | 'regression' | 'classification', device: DeviceChoice = 'cpu'): Promise<PredictorSession> {
    const created = await createOrtSession(model, device, 1);
    const regression = output === 'ridge' || output === 'regression';
    return new PredictorSession(created.session, regression ? VALUE_OUTPUT : PROBABILITIES_OUTPUT, created.provider, created.fallbackReason);
  }

  /** Outputs for `rows` feature rows of `width` (row-major): n×outputs, float64. */
  async run(features: Float64Array, rows: number, width: number): Promise<Float64Array> {
    return this.runFeeds({ [PREDICTOR_INPUT]: { data: features, dims: [rows, width] } });
  }

  /** Outputs for named float64 inputs (a GL-net's U_i and V_i). */
  async runFeeds(feeds: Readonly<Record<string, PredictorFeed>>): Promise<Float64Array> {
    const ort = loadOrt();
    const tensors = Object.fromEntries(Object.entries(feeds).map(([name, f]) => [name, new ort.Tensor('float64', f.data, [...f.dims])]));
    const result = await this.session.run(tensors);
    const out = result[this.outputName];
    if (!out || !(out.data instanceof Float64Array)) throw new Error(`the predictor model has no float64 output ${this.outputName}`);
    return out.data;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
