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
export function serializeError(thrown: unknown): SerializedError {
  // An errno error keeps being an input error on the other side, not a worker error coded ENOSPC.
  const error = typedFileSystemError(thrown);
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

/**
 * Node's error codes for a file-system operation the environment refused (permissions, a full
 * or read-only disk, a path through a file, too many open files, …): the user's environment,
 * never a fault of the tool.
 */
const FILE_SYSTEM_CAUSES: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file system',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files in this process',
  ENFILE: 'too many open files on the system',
  ENAMETOOLONG: 'name too long',
  EBUSY: 'resource busy',
  ETXTBSY: 'file busy',
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists',
  ENOTEMPTY: 'folder not empty',
  EXDEV: 'crosses file systems',
  EIO: 'input/output error',
  ENXIO: 'no such device',
  ENODEV: 'no such device',
  ESTALE: 'stale network file handle',
};

/**
 * A Node file-system error as a coded input error: `code` FILE_SYSTEM, `errno` the Node code
 * (ENOSPC, EACCES, …), `path` the file or folder, and a message naming both.
 */
export class FileSystemError extends LensError {
  override readonly name = 'FileSystemError';
  readonly code = 'FILE_SYSTEM';
  readonly inputError = true;

  constructor(
    message: string,
    /** Node's code, e.g. ENOSPC. */
    readonly errno: string,
    /** The path the operation was given ('' when Node did not say). */
    readonly path: string,
  ) {
    super(message);
  }
}

registerLensError('FileSystemError', FileSystemError);

/** True for a Node errno error of a file-system cause (an `E…` code this module knows). */
export function isFileSystemErrno(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  if (!(error instanceof Error) || error instanceof LensError) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' && Object.hasOwn(FILE_SYSTEM_CAUSES, code);
}

/** What a file-system errno code means in plain words, with the code; undefined for codes not known here. */
export function fileSystemCause(code: string): string | undefined {
  return Object.hasOwn(FILE_SYSTEM_CAUSES, code) ? `${FILE_SYSTEM_CAUSES[code]} (${code})` : undefined;
}

/**
 * A Node file-system error as a FileSystemError naming the path and the cause; any other value
 * unchanged. Applied where errors leave a worker and where the CLI reports them, so an errno error
 * is an input error (exit 2) wherever it was thrown.
 */
export function typedFileSystemError(error: unknown): unknown {
  if (!isFileSystemErrno(error)) return error;
  const path = typeof error.path === 'string' ? error.path : '';
  const during = typeof error.syscall === 'string' ? `, in ${error.syscall}` : '';
  return new FileSystemError(`${path || 'a file-system operation'}: ${FILE_SYSTEM_CAUSES[error.code]} (${error.code}${during})`, error.code, path);
}
