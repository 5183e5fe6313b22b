import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { Endpoint, RemoteError, type WireMessage } from '../../../src/protocol/endpoint';

interface HostN {
  hello: { readonly text: string };
}
interface ViewN {
  ready: Record<string, never>;
}
interface HostR {
  add: { params: { readonly a: number; readonly b: number }; result: number };
  fail: { params: Record<string, never>; result: never };
  slow: { params: Record<string, never>; result: string };
}
type ViewR = Record<never, never>;

/** A host and a webview endpoint joined by a wire the test controls. */
function pair(options: { buffered?: boolean } = {}) {
  const toView: WireMessage[] = [];
  const toHost: WireMessage[] = [];
  const received: string[] = [];
  let slowSignal: AbortSignal | undefined;
  const host = new Endpoint<HostN, ViewN, ViewR, HostR>(
    (m) => toView.push(structuredClone(m)),
    {
      notifications: { ready: () => host.open() },
      requests: {
        add: ({ a, b }) => a + b,
        fail: () => {
          throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
        },
        slow: (_params, signal) => {
          slowSignal = signal;
          return new Promise<string>(() => {});
        },
      },
    },
    { buffered: options.buffered ?? true },
  );
  const view = new Endpoint<ViewN, HostN, HostR, ViewR>((m) => toHost.push(structuredClone(m)), {
    notifications: { hello: ({ text }) => received.push(text) },
    requests: {},
  });
  /** Delivers everything in flight, both ways, until the wire is quiet. */
  const flush = async () => {
    for (let round = 0; round < 10; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (toView.length === 0 && toHost.length === 0) return;
      for (const m of toView.splice(0)) view.receive(m);
      for (const m of toHost.splice(0)) host.receive(m);
    }
  };
  return { host, view, toView, toHost, received, flush, slowSignal: () => slowSignal };
}

test('the host holds notifications until the webview says ready, then sends them in order', async () => {
  const p = pair();
  p.host.notify('hello', { text: 'one' });
  p.host.notify('hello', { text: 'two' });
  assert.equal(p.toView.length, 0, 'nothing is posted before ready');
  assert.equal(p.host.isOpen, false);
  p.view.notify('ready', {});
  await p.flush();
  assert.equal(p.host.isOpen, true);
  assert.deepEqual(p.received, ['one', 'two']);
  p.host.notify('hello', { text: 'three' });
  assert.equal(p.toView.length, 1, 'after ready messages go straight out');
  await p.flush();
  assert.deepEqual(p.received, ['one', 'two', 'three']);
});

test('requests resolve with the result; typed arrays survive the wire as typed arrays', async () => {
  const p = pair({ buffered: false });
  const sum = p.view.request('add', { a: 2, b: 40 });
  await p.flush();
  assert.equal(await sum, 42);
  const message: WireMessage = { kind: 'notify', method: 'hello', params: { text: 'x', values: new Float64Array([1, 2]) } };
  const cloned = structuredClone(message);
  assert.ok(cloned.kind === 'notify' && (cloned.params as { values: unknown }).values instanceof Float64Array);
});

test('a handler that throws comes back as a RemoteError with its message and code', async () => {
  const p = pair({ buffered: false });
  const failing = assert.rejects(p.view.request('fail', {}), (error: unknown) => error instanceof RemoteError && error.message === 'no such file' && error.code === 'ENOENT');
  await p.flush();
  await failing;
});

test('an unknown method is answered with an UNKNOWN_METHOD error, not silence', async () => {
  const p = pair({ buffered: false });
  p.host.receive({ kind: 'request', id: 7, method: 'nope', params: {} });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(p.toView, [{ kind: 'error', id: 7, error: { message: "unknown request 'nope'", code: 'UNKNOWN_METHOD' } }]);
  // Inherited names are not methods either.
  p.toView.length = 0;
  p.host.receive({ kind: 'request', id: 8, method: 'toString', params: {} });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(p.toView[0]?.kind, 'error');
});

test('aborting a request sends cancel, rejects with AbortError and aborts the handler', async () => {
  const p = pair({ buffered: false });
  const controller = new AbortController();
  const slow = p.view.request('slow', {}, controller.signal);
  await p.flush();
  const signal = p.slowSignal();
  assert.ok(signal && !signal.aborted, 'the handler is running');
  controller.abort();
  await assert.rejects(slow, (error: unknown) => error instanceof Error && error.name === 'AbortError');
  assert.deepEqual(p.toHost, [{ kind: 'cancel', id: 1 }]);
  await p.flush();
  assert.equal(signal.aborted, true);
  assert.equal(p.toView.length, 0, 'a cancelled handler sends no response');
  await assert.rejects(p.view.request('add', { a: 1, b: 1 }, AbortSignal.abort()), { name: 'AbortError' });
});

test('dispose rejects pending requests and ignores later messages; junk is ignored', async () => {
  const p = pair({ buffered: false });
  const pending = p.view.request('slow', {});
  p.view.dispose();
  await assert.rejects(pending, (error: unknown) => error instanceof RemoteError && error.code === 'DISPOSED');
  await assert.rejects(p.view.request('add', { a: 1, b: 2 }), { code: 'DISPOSED' });
  for (const junk of [null, 42, 'x', { kind: 'notify' }, { kind: 'response', id: 'a' }, { kind: 'error', id: 1, error: {} }]) p.host.receive(junk);
  p.view.receive({ kind: 'notify', method: 'hello', params: { text: 'late' } });
  assert.deepEqual(p.received, []);
});
