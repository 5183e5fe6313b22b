import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { AdapterError } from '../../../src/core/adapter/errors';
import { BaseModelError } from '../../../src/core/base/errors';
import { CancelledError } from '../../../src/core/cancellation';
import { DeviceUnavailableError, OrtUnavailableError } from '../../../src/core/compute/ort/runtime';
import { deserializeError, LensError, serializeError, WorkerJobError } from '../../../src/core/errors';
import { AtomicWriteError } from '../../../src/core/io/atomicWrite';
import { JobClient, WorkerCrashedError } from '../../../src/core/jobs/client';
import { FeatureError, PredictorError } from '../../../src/core/predict/errors';
import { ZooDirError } from '../../../src/core/predict/zoo/makeZoo';
import { ResizeError } from '../../../src/core/resize/errors';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import { SubspaceError } from '../../../src/core/subspace/errors';
import { UsageError } from '../../../src/cli/usage';
import { describeError, EXIT_INPUT, EXIT_INTERNAL } from '../../../src/cli/exitStatus';
import { corpusPath } from '../../helpers/fixtures';

const ANALYSIS_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'jobs', 'analysisWorker.js');
const ORT_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js');

/** One instance of every coded class, with the extra fields it carries. */
const CODED: readonly { readonly error: LensError; readonly type: abstract new (...args: never[]) => LensError; readonly fields?: Readonly<Record<string, string>> }[] = [
  {
    error: new SafetensorsError('HEADER_NOT_JSON', 'the header is not JSON', '/x/a.safetensors', 'w.lora_A'),
    type: SafetensorsError,
    fields: { file: '/x/a.safetensors', tensor: 'w.lora_A' },
  },
  { error: new AdapterError('NO_ADAPTER_FILE', 'no adapter weights in /x', '/x'), type: AdapterError, fields: { file: '/x' } },
  { error: new BaseModelError('MISSING_SHARD', 'a shard is missing', '/base'), type: BaseModelError, fields: { path: '/base' } },
  { error: new SubspaceError('TOO_FEW_CHECKPOINTS', 'needs two checkpoints'), type: SubspaceError },
  { error: new ResizeError('BUDGET_TOO_SMALL', 'budget too small'), type: ResizeError },
  { error: new FeatureError('LAYOUT_MISMATCH', 'other modules'), type: FeatureError },
  { error: new PredictorError('INVALID_PREDICTOR', 'malformed manifest'), type: PredictorError },
  { error: new ZooDirError('/zoo is not empty'), type: ZooDirError },
  { error: new AtomicWriteError('FILE_EXISTS', '/out/x.csv exists', '/out/x.csv'), type: AtomicWriteError, fields: { path: '/out/x.csv' } },
  { error: new UsageError('unknown option --x'), type: UsageError },
  { error: new DeviceUnavailableError('no CUDA'), type: DeviceUnavailableError },
  { error: new OrtUnavailableError('no onnxruntime'), type: OrtUnavailableError },
  { error: new CancelledError(), type: CancelledError },
  { error: new WorkerCrashedError('the worker stopped'), type: WorkerCrashedError },
  { error: new WorkerJobError('failed', 'SOME_CODE', true), type: WorkerJobError },
];

test('every coded class round-trips through serialize/deserialize with its class, code, message, flag and fields', () => {
  for (const { error, type, fields } of CODED) {
    // Structured clone, as postMessage does.
    const back = deserializeError(structuredClone(serializeError(error)));
    assert.ok(back instanceof type, error.name);
    assert.ok(back instanceof LensError, error.name);
    assert.equal(back.name, error.name);
    assert.equal(back.code, error.code, error.name);
    assert.equal(back.message, error.message, error.name);
    assert.equal(back.inputError, error.inputError, error.name);
    for (const [key, value] of Object.entries(fields ?? {})) assert.equal((back as unknown as Record<string, unknown>)[key], value, `${error.name}.${key}`);
  }
});

test('input errors are flagged as such and failures of the tool are not', () => {
  const input = CODED.filter((c) => c.error.inputError).map((c) => c.error.name);
  assert.deepEqual(input.sort(), [
    'AdapterError',
    'AtomicWriteError',
    'BaseModelError',
    'DeviceUnavailableError',
    'FeatureError',
    'OrtUnavailableError',
    'PredictorError',
    'ResizeError',
    'SafetensorsError',
    'SubspaceError',
    'UsageError',
    'WorkerJobError',
    'ZooDirError',
  ]);
});

test('an error of a class unknown here keeps its code and flag; a plain error becomes an internal WorkerJobError', () => {
  const unknown = deserializeError({ name: 'SomeFutureError', message: 'm', code: 'FUTURE', inputError: true });
  assert.ok(unknown instanceof WorkerJobError);
  assert.deepEqual([unknown.code, unknown.inputError, unknown.message], ['FUTURE', true, 'm']);
  const plain = deserializeError(serializeError(new TypeError('x is undefined')));
  assert.deepEqual([plain.code, plain.inputError, plain.message], ['WORKER_ERROR', false, 'x is undefined']);
  assert.deepEqual(serializeError('a string'), { name: 'Error', message: 'a string' });
});

test('coded errors thrown inside the real analysis worker arrive as their own class and code', async () => {
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  try {
    // A subspace input error: its class did not survive the boundary before the errors were unified.
    await assert.rejects(
      client.run('checkpoints', { paths: [corpusPath('peft-roberta-mrpc-ckpts', 'checkpoint-460')] }),
      (e: unknown) => e instanceof SubspaceError && e.code === 'TOO_FEW_CHECKPOINTS' && e.inputError,
    );
    await assert.rejects(
      client.run('compare', { pathA: corpusPath('peft-tinygpt2'), pathB: join(corpusPath('peft-tinygpt2'), 'missing') }),
      (e: unknown) => e instanceof AdapterError && e.code === 'NOT_FOUND' && e.inputError && e.file.length > 0,
    );
    assert.equal((await client.run('analyze', { path: corpusPath('peft-tinygpt2'), options: { backend: 'js', device: 'cpu' } })).output.modules.length, 6);
  } finally {
    await client.dispose();
  }
});

test('the CLI exits 2 on input and environment errors, 1 on its own, with the code it prints in --json', () => {
  for (const { error } of CODED) {
    const d = describeError(error);
    assert.deepEqual(d, { code: error.code, message: error.message, inputError: error.inputError, status: error.inputError ? EXIT_INPUT : EXIT_INTERNAL }, error.name);
  }
  const rebuilt = describeError(deserializeError(serializeError(new SubspaceError('TOO_FEW_CHECKPOINTS', 'needs two'))));
  assert.equal(rebuilt.status, EXIT_INPUT);
  assert.deepEqual(describeError(new RangeError('boom')), { code: 'INTERNAL', message: 'boom', inputError: false, status: EXIT_INTERNAL });
  assert.deepEqual(describeError('thrown text'), { code: 'INTERNAL', message: 'thrown text', inputError: false, status: EXIT_INTERNAL });
});
