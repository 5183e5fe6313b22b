import type { InferenceSession } from 'onnxruntime-node';
import { loadOrt } from '../../compute/ort/runtime';
import { PREDICTOR_INPUT, PROBABILITIES_OUTPUT, VALUE_OUTPUT } from './onnxExport';

/**
 * An exported predictor loaded into onnxruntime. CPU only: the graph is a few small products
 * per adapter, far below what a CUDA launch costs. OrtSessions is not used because it builds
 * its sessions from OnnxGraph values (no initializers), not from a model file's bytes; the
 * runtime is still loaded through loadOrt, so its "ORT unavailable" error is the same one.
 */
export class PredictorSession {
  private constructor(
    private readonly session: InferenceSession,
    readonly outputName: string,
  ) {}

  static async create(model: Uint8Array, kind: 'ridge' | 'logistic'): Promise<PredictorSession> {
    const ort = loadOrt();
    const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 4 });
    return new PredictorSession(session, kind === 'ridge' ? VALUE_OUTPUT : PROBABILITIES_OUTPUT);
  }

  /** Outputs for `rows` feature rows of `width` (row-major): n×outputs, float64. */
  async run(features: Float64Array, rows: number, width: number): Promise<Float64Array> {
    const ort = loadOrt();
    const result = await this.session.run({ [PREDICTOR_INPUT]: new ort.Tensor('float64', features, [rows, width]) });
    const out = result[this.outputName];
    if (!out || !(out.data instanceof Float64Array)) throw new Error(`the predictor model has no float64 output ${this.outputName}`);
    return out.data;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
