/**
 * The project's one error base and the one way an error crosses a thread boundary (the analysis
 * worker, the ORT worker, the predictor training worker). A coded error says what went wrong in
 * a stable `code` (the CLI's `--json` output and the editor's messages key on it) and whether the
 * cause is the user's input or environment (`inputError`: a bad file, argument, path or device
 * request; the CLI exits 2) rather than a fault of the tool (exit 1).
 */
export abstract class LensError extends Error {
  abstract readonly code: string;
  abstract readonly inputError: boolean;
}

/** An error as it crosses `postMessage`: enough to rebuild the typed error on the other side. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly inputError?: boolean;
  /** A coded error's other own fields (`file`, `path`, `tensor`, …) that are plain values. */
  readonly fields?: Readonly<Record<string, string | number | boolean>>;
}

/** A job failed in a worker for a reason that is not a known class here: the message says what happened. */
export class WorkerJobError extends LensError {
  override readonly name: string = 'WorkerJobError';

  constructor(
    message: string,
    readonly code: string = 'WORKER_ERROR',
    readonly inputError: boolean = false,
  ) {
    super(message);
  }
}

type LensErrorClass = abstract new (...args: never[]) => LensError;

/**
 * Coded classes by their `name`. Each class registers itself beside its definition, so whichever
 * side of a boundary can test `instanceof` a class has it registered. The name is given as text
 * because a minified bundle renames classes.
 */
const registered = new Map<string, LensErrorClass>();

/** Makes `deserializeError` rebuild errors named `name` as instances of `type`. */
export function registerLensError(name: string, type: LensErrorClass): void {
  registered.set(name, type);
}

const OWN_KEYS = new Set(['name', 'message', 'stack', 'code', 'inputError']);

/** The wire form of any thrown value: coded errors keep their class name, code, flag and plain fields. */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as Error & { code?: unknown }).code;
  const base = { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  if (!(error instanceof LensError)) return base;
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (OWN_KEYS.has(key)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return { ...base, inputError: error.inputError, ...(Object.keys(fields).length > 0 ? { fields } : {}) };
}

/**
 * Rebuilds the error a worker sent: an instance of its registered class with the same name,
 * message, code, flag and fields (no constructor runs, so no class needs a uniform signature),
 * or a WorkerJobError that keeps the code and flag when the class is not known on this side.
 */
export function deserializeError(e: SerializedError): LensError {
  const type = registered.get(e.name);
  if (!type) return new WorkerJobError(e.message, e.code ?? 'WORKER_ERROR', e.inputError ?? false);
  const error = Object.create(type.prototype) as LensError;
  const values: Record<string, unknown> = { ...e.fields, name: e.name, message: e.message, code: e.code, inputError: e.inputError ?? false };
  for (const [key, value] of Object.entries(values)) {
    Object.defineProperty(error, key, { value, enumerable: key !== 'message' && key !== 'stack', writable: true, configurable: true });
  }
  Object.defineProperty(error, 'stack', { value: `${e.name}: ${e.message}\n    (thrown in a worker thread)`, writable: true, configurable: true });
  return error;
}
