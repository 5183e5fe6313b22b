import type { ErrorPayload } from './payloads';

/** A request method's parameters and result. */
export interface RequestShape {
  readonly params: unknown;
  readonly result: unknown;
}

/**
 * An error as it crosses the wire: at least the message and code the webview shows; a side
 * with an `encodeError` adds the error's class name, input-error flag and plain fields, so that
 * the other side's `decodeError` can rebuild the error as its own class.
 */
export interface WireError extends ErrorPayload {
  readonly name?: string;
  readonly inputError?: boolean;
  readonly fields?: Readonly<Record<string, string | number | boolean>>;
}

/** What crosses `postMessage`. Structured clone keeps typed arrays typed. */
export type WireMessage =
  | { readonly kind: 'notify'; readonly method: string; readonly params: unknown }
  | { readonly kind: 'request'; readonly id: number; readonly method: string; readonly params: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly result: unknown }
  | { readonly kind: 'error'; readonly id: number; readonly error: WireError }
  /** `settle`: the requester waits for the handler's own answer (its result or error) after cancelling. */
  | { readonly kind: 'cancel'; readonly id: number; readonly settle?: boolean };

/** Every incoming notification needs a handler: a missing one fails to compile. */
export type NotificationHandlers<N> = { readonly [M in keyof N]: (params: N[M]) => void };

/** Every incoming request needs a handler; `signal` aborts when the other side cancels. */
export type RequestHandlers<R> = {
  readonly [M in keyof R]: R[M] extends RequestShape ? (params: R[M]['params'], signal: AbortSignal) => Promise<R[M]['result']> | R[M]['result'] : never;
};

/** An error the other side returned for a request. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

interface Pending {
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
}

export interface EndpointOptions {
  /**
   * Hold outgoing messages until `open()`: the host side of the ready handshake, since a
   * webview drops whatever is posted before its script has installed its listener.
   */
  readonly buffered?: boolean;
  /** Turns an error a handler threw into its wire form (default: message and code, toErrorPayload). */
  readonly encodeError?: (error: unknown) => WireError;
  /** Rebuilds the error of a failed request (default: a RemoteError with the message and code). */
  readonly decodeError?: (error: WireError) => Error;
}

/** How a request is followed: `signal` cancels it. */
export interface RequestOptions {
  readonly signal?: AbortSignal;
  /**
   * On abort, still send `cancel` but keep the request pending until the other side answers
   * (the handler's result, or the error it threw on cancellation) instead of rejecting at once
   * with `AbortError`: for a requester that must know the handler has stopped.
   */
  readonly settleOnCancel?: boolean;
}

/**
 * One side of the protocol. `OutN`/`InN` are the notifications it sends and receives,
 * `OutR`/`InR` the requests it makes and answers. Transport-agnostic: the host passes
 * `webview.postMessage`, the webview `vscode.postMessage`, tests a plain function.
 */
export class Endpoint<OutN, InN, OutR, InR> {
  private readonly pending = new Map<number, Pending>();
  private readonly running = new Map<number, AbortController>();
  /** Running requests whose requester waits for the answer after cancelling. */
  private readonly settling = new Set<number>();
  private readonly encodeError: (error: unknown) => WireError;
  private readonly decodeError: (error: WireError) => Error;
  private queue: WireMessage[] | null;
  private nextId = 1;
  private disposed = false;

  constructor(
    private readonly post: (message: WireMessage) => void,
    private readonly handlers: { readonly notifications: NotificationHandlers<InN>; readonly requests: RequestHandlers<InR> },
    options: EndpointOptions = {},
  ) {
    this.queue = options.buffered ? [] : null;
    this.encodeError = options.encodeError ?? toErrorPayload;
    this.decodeError = options.decodeError ?? ((error) => new RemoteError(error.message, error.code));
  }

  /** Sends what was held and posts directly from now on. */
  open(): void {
    const held = this.queue ?? [];
    this.queue = null;
    for (const message of held) this.post(message);
  }

  get isOpen(): boolean {
    return this.queue === null;
  }

  notify<M extends keyof OutN & string>(method: M, params: OutN[M]): void {
    this.send({ kind: 'notify', method, params });
  }

  /**
   * Sends a request; aborting the signal tells the other side to cancel and rejects with
   * `AbortError`, or with `settleOnCancel` waits for the other side's answer.
   */
  request<M extends keyof OutR & string>(
    method: M,
    params: OutR[M] extends RequestShape ? OutR[M]['params'] : never,
    options?: AbortSignal | RequestOptions,
  ): Promise<OutR[M] extends RequestShape ? OutR[M]['result'] : never> {
    if (this.disposed) return Promise.reject(new RemoteError('the view is closed', 'DISPOSED'));
    const { signal, settleOnCancel = false } = isAbortSignal(options) ? { signal: options } : (options ?? {});
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const abort = () => {
        if (settleOnCancel) {
          if (this.pending.has(id)) this.send({ kind: 'cancel', id, settle: true });
          return;
        }
        if (!this.pending.delete(id)) return;
        this.send({ kind: 'cancel', id });
        reject(abortError());
      };
      if (signal?.aborted && !settleOnCancel) return reject(abortError());
      signal?.addEventListener('abort', abort, { once: true });
      this.pending.set(id, {
        resolve: (result) => {
          signal?.removeEventListener('abort', abort);
          resolve(result as never);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', abort);
          reject(error);
        },
      });
      this.send({ kind: 'request', id, method, params });
      // Asked to cancel before it was sent: the other side starts it and stops it at once.
      if (signal?.aborted) abort();
    });
  }

  /** Handles one message from the other side; anything that is not a protocol message is ignored. */
  receive(data: unknown): void {
    if (this.disposed || !isWireMessage(data)) return;
    switch (data.kind) {
      case 'notify': {
        const handler = (this.handlers.notifications as Record<string, ((params: unknown) => void) | undefined>)[data.method];
        if (handler && Object.hasOwn(this.handlers.notifications as object, data.method)) handler(data.params);
        return;
      }
      case 'request':
        void this.answer(data.id, data.method, data.params);
        return;
      case 'response':
        this.settle(data.id)?.resolve(data.result);
        return;
      case 'error':
        this.settle(data.id)?.reject(this.decodeError(data.error));
        return;
      case 'cancel':
        if (data.settle === true && this.running.has(data.id)) this.settling.add(data.id);
        this.running.get(data.id)?.abort();
        return;
    }
  }

  /**
   * Rejects every request still waiting (with `reason`, by default a RemoteError `DISPOSED`)
   * and aborts every handler still running.
   */
  dispose(reason?: Error): void {
    this.disposed = true;
    for (const p of this.pending.values()) p.reject(reason ?? new RemoteError('the view is closed', 'DISPOSED'));
    this.pending.clear();
    for (const c of this.running.values()) c.abort();
    this.running.clear();
  }

  private async answer(id: number, method: string, params: unknown): Promise<void> {
    const handlers = this.handlers.requests as Record<string, ((params: unknown, signal: AbortSignal) => unknown) | undefined>;
    const handler = Object.hasOwn(handlers as object, method) ? handlers[method] : undefined;
    if (!handler) return this.send({ kind: 'error', id, error: { message: `unknown request '${method}'`, code: 'UNKNOWN_METHOD' } });
    const controller = new AbortController();
    this.running.set(id, controller);
    // A cancelled request is answered only when its requester waits for the answer.
    const answers = () => !controller.signal.aborted || this.settling.has(id);
    try {
      const result = await handler(params, controller.signal);
      if (answers()) this.send({ kind: 'response', id, result });
    } catch (error) {
      if (answers()) this.send({ kind: 'error', id, error: this.encodeError(error) });
    } finally {
      this.running.delete(id);
      this.settling.delete(id);
    }
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p;
  }

  private send(message: WireMessage): void {
    if (this.disposed) return;
    if (this.queue) this.queue.push(message);
    else this.post(message);
  }
}

function isAbortSignal(options: AbortSignal | RequestOptions | undefined): options is AbortSignal {
  return typeof (options as { addEventListener?: unknown } | undefined)?.addEventListener === 'function';
}

function abortError(): Error {
  const error = new Error('the request was cancelled');
  error.name = 'AbortError';
  return error;
}

export function toErrorPayload(error: unknown): ErrorPayload {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? { message: error.message, code } : { message: error.message };
}

function isWireMessage(data: unknown): data is WireMessage {
  if (typeof data !== 'object' || data === null) return false;
  const m = data as Record<string, unknown>;
  switch (m.kind) {
    case 'notify':
      return typeof m.method === 'string';
    case 'request':
      return typeof m.method === 'string' && Number.isInteger(m.id);
    case 'response':
    case 'cancel':
      return Number.isInteger(m.id);
    case 'error':
      return Number.isInteger(m.id) && typeof m.error === 'object' && m.error !== null && typeof (m.error as { message?: unknown }).message === 'string';
    default:
      return false;
  }
}
