import { LensError, registerLensError } from '../errors';

/** Why an adapter's features could not be computed in a layout, or a scan output not read. */
export type FeatureErrorCode =
  /** The adapter adapts other modules (names or shapes) than the layout was built for. */
  | 'LAYOUT_MISMATCH'
  /** A module of the layout was not analysed (broken factors, unsupported structure). */
  | 'MODULE_NOT_ANALYSED'
  /** A layout id or a scan output file that cannot be read as one. */
  | 'INVALID_LAYOUT'
  | 'NOT_SCAN_OUTPUT'
  /** A scan found no adapter folder and has no earlier rows. */
  | 'NO_ADAPTERS'
  /** A predictor folder whose manifest or model cannot be used (malformed, other layout). */
  | 'INVALID_PREDICTOR'
  /** A predictor's ONNX model keeps tensor data outside its folder (an absolute path, a `..` segment, a link that leads out). */
  | 'UNSAFE_EXTERNAL_DATA'
  /** A predictor folder exists already and --force was not given. */
  | 'PREDICTOR_EXISTS'
  /** A labels file or target column that cannot train a predictor. */
  | 'INVALID_LABELS';

/**
 * A typed failure of the predict core; `code` says what was wrong and `message` says where, in
 * words a CLI user can act on (the CLI exits 2 with it, as for other input errors).
 */
export class FeatureError extends LensError {
  override readonly name: string = 'FeatureError';
  readonly inputError = true;

  constructor(
    readonly code: FeatureErrorCode,
    message: string,
  ) {
    super(message);
  }
}
registerLensError('FeatureError', FeatureError);

/**
 * A predictor folder that cannot be used: a malformed manifest or ONNX file (code
 * INVALID_PREDICTOR). A FeatureError, so callers that handle those keep working.
 */
export class PredictorError extends FeatureError {
  override readonly name = 'PredictorError';
}
registerLensError('PredictorError', PredictorError);
