import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Endpoint, RemoteError, type WireError, type WireMessage } from '../../../src/protocol/endpoint';

type NoNotifications = Record<never, never>;
type NoRequests = Record<never, never>;
interface WorkR {
  work: { params: { readonly fail: boolean }; result: string };
}

class CodedError extends Error {
  override readonly name = 'CodedError';
  constructor(
    message: string,
    readonly code: string,
    readonly inputError: boolean,
    readonly file: string,
  ) {
    super(message);
  }
}

/** A requester and a worker-like answerer whose `work` handler stops only when cancelled, after a delay. */
function pair(codecs: { encode?: (error: unknown) => WireError; decode?: (error: WireError) => Error } = {}) {
  const toAnswerer: WireMessage[] = [];
  const toRequester: WireMessage[] = [];
  const answerer = new Endpoint<NoNotifications, NoNotifications, NoRequests, WorkR>(
    (m) => toRequester.push(structuredClone(m)),
    {
      notifications: {},
      requests: {
        work: ({ fail }, signal) => {
          if (fail) throw new CodedError('bad header', 'BAD_HEADER', true, 'a.safetensors');
          return new Promise<string>((resolve, reject) =>
            signal.addEventListener('abort', () =>
              setTimeout(() => (fail ? resolve('done') : reject(Object.assign(new Error('stopped'), { name: 'CancelledError', code: 'CANCELLED' }))), 5),
            ),
          );
        },
      },
    },
    codecs.encode ? { encodeError: codecs.encode } : {},
  );
  const requester = new Endpoint<NoNotifications, NoNotifications, WorkR, NoRequests>(
    (m) => toAnswerer.push(structuredClone(m)),
    { notifications: {}, requests: {} },
    codecs.decode ? { decodeError: codecs.decode } : {},
  );
  const flush = async () => {
    for (let round = 0; round < 20; round++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      for (const m of toAnswerer.splice(0)) answerer.receive(m);
      for (const m of toRequester.splice(0)) requester.receive(m);
    }
  };
  return { answerer, requester, toAnswerer, toRequester, flush };
}

test('with settleOnCancel an abort sends cancel but the request waits for the handler to answer', async () => {
  const p = pair();
  const controller = new AbortController();
  let settled = false;
  const work = p.requester.request('work', { fail: false }, { signal: controller.signal, settleOnCancel: true });
  void work.then(
    () => (settled = true),
    () => (settled = true),
  );
  await p.flush();
  controller.abort();
  assert.deepEqual(p.toAnswerer, [{ kind: 'cancel', id: 1, settle: true }]);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settled, false, 'still pending after the abort');
  await p.flush();
  await assert.rejects(work, (error: unknown) => error instanceof RemoteError && error.code === 'CANCELLED' && error.message === 'stopped');
});

test('with settleOnCancel an already aborted signal still sends the request, then its cancel', async () => {
  const p = pair();
  const work = p.requester.request('work', { fail: false }, { signal: AbortSignal.abort(), settleOnCancel: true });
  assert.deepEqual(
    p.toAnswerer.map((m) => m.kind),
    ['request', 'cancel'],
  );
  const rejected = assert.rejects(work, { code: 'CANCELLED' });
  await p.flush();
  await rejected;
});

test('without settleOnCancel the options form behaves as a bare signal: rejects at once, no late answer is sent', async () => {
  const p = pair();
  const controller = new AbortController();
  const work = p.requester.request('work', { fail: false }, { signal: controller.signal });
  await p.flush();
  controller.abort();
  await assert.rejects(work, { name: 'AbortError' });
  assert.deepEqual(p.toAnswerer, [{ kind: 'cancel', id: 1 }]);
  p.answerer.receive(p.toAnswerer.shift());
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(p.toRequester.length, 0, 'a cancelled handler sends no answer');
});

test('encodeError and decodeError carry the class name, input-error flag and fields across', async () => {
  const encode = (error: unknown): WireError => {
    const e = error as CodedError;
    return { name: e.name, message: e.message, code: e.code, inputError: e.inputError, fields: { file: e.file } };
  };
  const p = pair({ encode, decode: (wire) => new CodedError(wire.message, wire.code ?? '', wire.inputError ?? false, String(wire.fields?.file)) });
  const work = assert.rejects(
    p.requester.request('work', { fail: true }),
    (error: unknown) => error instanceof CodedError && error.code === 'BAD_HEADER' && error.inputError && error.file === 'a.safetensors',
  );
  await p.flush();
  await work;
  // Without hooks the wire keeps only the message and code, as the webview has always seen it.
  const plain = pair();
  const failing = assert.rejects(
    plain.requester.request('work', { fail: true }),
    (error: unknown) => error instanceof RemoteError && error.code === 'BAD_HEADER' && !('inputError' in error),
  );
  await plain.flush();
  await failing;
});

test('dispose with a reason rejects the pending requests with it', async () => {
  const p = pair();
  const work = p.requester.request('work', { fail: false });
  const reason = new Error('the worker exited');
  p.requester.dispose(reason);
  await assert.rejects(work, (error: unknown) => error === reason);
});
