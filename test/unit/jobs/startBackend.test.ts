import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { DeviceUnavailableError, OrtUnavailableError } from '../../../src/core/compute/ort/runtime';
import { JsBackend } from '../../../src/core/compute/jsBackend';
import { WorkerOrtBackend } from '../../../src/core/compute/worker/workerOrtBackend';
import { openAdapter } from '../../../src/core/adapter/load';
import { analyzeOpened } from '../../../src/core/jobs/analyzeJob';
import { disposeBackends, release, startBackendFor, startedOrtBackend, startOrtWorker } from '../../../src/core/jobs/backends';
import { corpusPath } from '../../helpers/fixtures';

/** The compiled ORT workers in the test build: the real one, and one whose addon cannot load. */
const ORT_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js');
const UNLOADABLE = join(__dirname, '..', '..', 'helpers', 'unloadableOrtWorker.js');
const LARGE = 1e9;

test('a started onnxruntime backend is ready with itself, and the table keeps its worker for the next job', async () => {
  try {
    const options = { backend: 'auto', device: 'cpu' } as const;
    const { chosen, ready } = startBackendFor(LARGE, options, ORT_WORKER);
    assert.ok(chosen.backend instanceof WorkerOrtBackend);
    assert.equal(await ready, chosen);
    assert.equal(startedOrtBackend(options), chosen.backend);
    assert.ok(startBackendFor(10, options, ORT_WORKER).chosen.backend instanceof JsBackend, 'a small auto job keeps JS');
  } finally {
    await disposeBackends();
  }
});

test('auto moves to JS with the reason when the worker cannot load onnxruntime; explicit requests fail with their codes', async () => {
  try {
    const auto = { backend: 'auto', device: 'cpu' } as const;
    const first = startBackendFor(LARGE, auto, UNLOADABLE);
    const ended = await first.ready;
    assert.ok(ended.backend instanceof JsBackend);
    assert.match(ended.note ?? '', /could not be loaded/);
    assert.equal(startedOrtBackend(auto), undefined, 'the worker that cannot load was dropped');
    await release(first.chosen.backend);
    // The process remembers: later jobs take JS at once, with the reason, and boot no worker.
    startOrtWorker(auto, UNLOADABLE, LARGE);
    assert.equal(startedOrtBackend(auto), undefined, 'no early worker once onnxruntime is known not to load');
    const second = startBackendFor(LARGE, auto, UNLOADABLE);
    assert.ok(second.chosen.backend instanceof JsBackend, 'the next large job chose JS without a worker');
    assert.match(second.chosen.note ?? '', /could not be loaded/);
    assert.equal(await second.ready, second.chosen);

    for (const [options, bytes, type, message] of [
      [{ backend: 'onnxruntime', device: 'cpu' }, LARGE, OrtUnavailableError, /could not be loaded/],
      [{ backend: 'auto', device: 'cuda' }, 10, DeviceUnavailableError, /cannot load here/],
    ] as const) {
      const started = startBackendFor(bytes, options, UNLOADABLE);
      await assert.rejects(started.ready, (e: unknown) => e instanceof type && message.test(e.message));
      await release(started.chosen.backend);
    }
  } finally {
    await disposeBackends();
  }
});

test('an auto analysis whose ORT worker cannot load onnxruntime is redone on JS and says why; an explicit one fails', async () => {
  const opened = await openAdapter(corpusPath('peft-qwen25-muzammel'));
  // The same file, described as a gigabyte of factors, so `auto` takes onnxruntime for it.
  const byName = new Map([...opened.adapter.header.byName].map(([name, t]) => [name, { ...t, end: t.start + LARGE }]));
  const large = { ...opened, adapter: { ...opened.adapter, header: { ...opened.adapter.header, byName } } };
  const token = { isCancellationRequested: false };
  try {
    // As inspect's early start does for a large file: the worker is in the table before the job asks.
    startOrtWorker({ backend: 'auto', device: 'cpu' }, UNLOADABLE, LARGE);
    const reported: number[] = [];
    const analysis = await analyzeOpened(large, { backend: 'auto', device: 'cpu' }, token, UNLOADABLE, (p) => reported.push(p.index));
    assert.equal(analysis.device.backend, 'js');
    assert.match(analysis.device.fallbackReason ?? '', /could not be loaded/);
    assert.ok(analysis.modules.every((m) => m.status === 'ok'));
    assert.deepEqual(
      reported,
      analysis.modules.map((_, i) => i),
      'each module reported once, in order',
    );
    const reference = await analyzeOpened(opened, { backend: 'js', device: 'cpu' }, token, UNLOADABLE, () => undefined);
    assert.deepEqual(
      analysis.modules.map((m) => m.status === 'ok' && [...m.singularValues]),
      reference.modules.map((m) => m.status === 'ok' && [...m.singularValues]),
    );
    await assert.rejects(
      analyzeOpened(large, { backend: 'onnxruntime', device: 'cpu' }, token, UNLOADABLE, () => undefined),
      OrtUnavailableError,
    );
  } finally {
    await opened.file.close();
    await disposeBackends();
  }
});
