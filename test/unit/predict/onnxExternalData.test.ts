import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProtoWriter } from '../../../src/core/compute/onnx/protobuf';
import { PredictorError } from '../../../src/core/predict/errors';
import { featureLayout } from '../../../src/core/predict/layout';
import { openPredictor } from '../../../src/core/predict/predictor/loadPredictor';
import { MODEL_FILE } from '../../../src/core/predict/predictor/manifest';
import { trainRidge } from '../../../src/core/predict/predictor/model';
import { checkExternalData, externalDataRefs } from '../../../src/core/predict/predictor/onnxExternalData';
import { encodePredictorModel } from '../../../src/core/predict/predictor/onnxExport';
import { writePredictor } from '../../../src/core/predict/predictor/predictorDir';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { ridgeManifest } from '../../helpers/predictorManifest';
import { Rng } from '../../helpers/random';

const modules = [{ name: 'blocks.0.fc', shape: [16, 16] as const }];

/** A predictor model as train-predictor exports it. */
function exported(rng: Rng): Uint8Array {
  const width = featureLayout(modules, 4).columns.length;
  const x = { rows: 10, cols: width, data: Float64Array.from({ length: 10 * width }, () => Math.exp(rng.gaussian())) };
  return encodePredictorModel(trainRidge(x, rng.gaussians(10), 2, 'log1p'), 'r');
}

/** A float64 TensorProto whose one value lives in external data at `location`. */
function externalTensor(name: string, location: string): Uint8Array {
  const entry = (key: string, value: string) => new ProtoWriter().string(1, key).string(2, value).finish();
  return new ProtoWriter()
    .packedInts(1, [1])
    .int(2, 11)
    .string(8, name)
    .bytes(13, entry('location', location))
    .bytes(13, entry('offset', '0'))
    .bytes(13, entry('length', '8'))
    .int(14, 1)
    .finish();
}

/**
 * The exported model with one more initializer kept in external data. A second ModelProto.graph
 * field merges into the first (protobuf merges a repeated embedded message), so onnxruntime reads
 * one graph holding the extra initializer.
 */
function withExternal(model: Uint8Array, location: string): Uint8Array {
  const extra = new ProtoWriter().bytes(7, new ProtoWriter().bytes(5, externalTensor('W_ext', location)).finish()).finish();
  const out = new Uint8Array(model.length + extra.length);
  out.set(model);
  out.set(extra, model.length);
  return out;
}

const unsafe = (location: string) => (e: unknown) =>
  e instanceof PredictorError && e.code === 'UNSAFE_EXTERNAL_DATA' && e.inputError && e.message.includes(JSON.stringify(location));

test('an exported predictor model has no external data', () => {
  assert.deepEqual(externalDataRefs(exported(Rng.fresh()), 'm.onnx'), []);
});

test('external data locations are found in initializers, nested subgraphs, node attributes and sparse tensors', () => {
  const t = (n: string) => externalTensor(n, `${n}.bin`);
  const attribute = (field: number, body: Uint8Array) => new ProtoWriter().string(1, 'a').bytes(field, body).finish();
  const node = (...attributes: Uint8Array[]) => attributes.reduce((w, a) => w.bytes(5, a), new ProtoWriter().string(4, 'If')).finish();
  const sparse = new ProtoWriter().bytes(1, t('values')).bytes(2, t('indices')).finish();
  const inner = new ProtoWriter().bytes(5, t('inner')).finish();
  const graph = new ProtoWriter()
    .bytes(1, node(attribute(5, t('const')), attribute(6, inner), attribute(10, t('list')), attribute(22, sparse)))
    .bytes(5, t('init'))
    .bytes(15, new ProtoWriter().bytes(1, t('sparse')).finish())
    .finish();
  const fn = new ProtoWriter().bytes(7, node(attribute(5, t('fn')))).finish();
  const model = new ProtoWriter().int(1, 8).bytes(7, graph).bytes(25, fn).finish();
  assert.deepEqual(
    externalDataRefs(model, 'm.onnx').map((r) => r.location),
    ['const.bin', 'inner.bin', 'list.bin', 'values.bin', 'indices.bin', 'init.bin', 'sparse.bin', 'fn.bin'],
  );
});

test('a location that climbs out, is absolute, or links outside the predictor folder is refused with UNSAFE_EXTERNAL_DATA', async () => {
  const root = await tempDir();
  try {
    const dir = join(root, 'p');
    await mkdir(dir);
    await writeFile(join(root, 'secret.bin'), new Uint8Array(8));
    await symlink(join(root, 'secret.bin'), join(dir, 'link.bin'));
    await mkdir(join(root, 'outside'));
    await writeFile(join(root, 'outside', 'secret.bin'), new Uint8Array(8));
    await symlink(join(root, 'outside'), join(dir, 'sub'));
    const model = exported(Rng.fresh());
    for (const location of [
      '../../etc/passwd',
      '/etc/passwd',
      'link.bin',
      'sub/secret.bin',
      'a/../../secret.bin',
      '..\\secret.bin',
      'C:\\Windows\\win.ini',
      '\\\\server\\share\\x',
      '',
    ])
      await assert.rejects(checkExternalData(dir, withExternal(model, location), join(dir, MODEL_FILE)), unsafe(location), location);
  } finally {
    await removeDir(root);
  }
});

test('a location inside the predictor folder passes the check; a missing or non-regular one is INVALID_PREDICTOR', async () => {
  const dir = await tempDir();
  try {
    await mkdir(join(dir, 'weights'));
    await writeFile(join(dir, 'weights', 'data.bin'), new Uint8Array(8));
    await symlink('weights/data.bin', join(dir, 'alias.bin'));
    const model = exported(Rng.fresh());
    for (const location of ['weights/data.bin', './weights/data.bin', 'alias.bin']) await checkExternalData(dir, withExternal(model, location), join(dir, MODEL_FILE));
    const invalid = (what: RegExp) => (e: unknown) => e instanceof PredictorError && e.code === 'INVALID_PREDICTOR' && what.test(e.message);
    await assert.rejects(checkExternalData(dir, withExternal(model, 'missing.bin'), 'm'), invalid(/cannot be resolved \(ENOENT\)/));
    await assert.rejects(checkExternalData(dir, withExternal(model, 'weights'), 'm'), invalid(/not a regular file/));
    if (process.platform !== 'win32') {
      // A FIFO would block the reader that opens it: refused without being opened.
      execFileSync('mkfifo', [join(dir, 'pipe.bin')]);
      await assert.rejects(checkExternalData(dir, withExternal(model, 'pipe.bin'), 'm'), invalid(/not a regular file/));
    }
  } finally {
    await removeDir(dir);
  }
});

test('openPredictor refuses a predictor whose model reads external data from outside its folder, before onnxruntime sees it', async () => {
  const root = await tempDir();
  try {
    const model = exported(Rng.fresh());
    for (const [name, location] of [
      ['climbs', '../../etc/passwd'],
      ['absolute', '/etc/passwd'],
    ] as const) {
      await writePredictor(join(root, name), { manifest: ridgeManifest(modules, 'r'), model: withExternal(model, location) }, false);
      await assert.rejects(openPredictor(join(root, name), { device: 'cpu' }), unsafe(location), name);
    }
    await writePredictor(join(root, 'plain'), { manifest: ridgeManifest(modules, 'r'), model }, false);
    await (await openPredictor(join(root, 'plain'), { device: 'cpu' })).dispose();
  } finally {
    await removeDir(root);
  }
});

test('malformed or hostile protobuf is a typed error, never a hang or a stack overflow', () => {
  const invalid = (e: unknown) => e instanceof PredictorError && e.code === 'INVALID_PREDICTOR' && /not an ONNX model onnxruntime can load/.test(e.message);
  const model = withExternal(exported(Rng.fresh()), 'x.bin');
  // Truncated anywhere inside the extra graph: a length past its message.
  assert.throws(() => externalDataRefs(model.subarray(0, model.length - 3), 'm'), invalid);
  // A length prefix claiming 2^62 bytes; a varint of eleven bytes.
  assert.throws(() => externalDataRefs(Uint8Array.from([0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]), 'm'), invalid);
  assert.throws(() => externalDataRefs(Uint8Array.from([0x08, ...new Array<number>(10).fill(0x80), 0x01]), 'm'), invalid);
  // Subgraphs nested 400 levels deep (If → attribute → graph → node → …): refused at the depth bound.
  let graph = new ProtoWriter().bytes(5, externalTensor('deep', 'x.bin')).finish();
  for (let i = 0; i < 400; i++) {
    const attribute = new ProtoWriter().string(1, 'g').bytes(6, graph).finish();
    graph = new ProtoWriter().bytes(1, new ProtoWriter().bytes(5, attribute).finish()).finish();
  }
  assert.throws(
    () => externalDataRefs(new ProtoWriter().bytes(7, graph).finish(), 'm'),
    (e: unknown) => invalid(e) && /deeper than 100/.test((e as Error).message),
  );
  // Unknown fields of every wire type, groups included, are skipped.
  const unknown = Uint8Array.from([0xf8, 0x07, 0x05, 0xf9, 0x07, 1, 2, 3, 4, 5, 6, 7, 8, 0xfd, 0x07, 1, 2, 3, 4, 0xfb, 0x07, 0x08, 0x01, 0xfc, 0x07]);
  assert.deepEqual(
    externalDataRefs(Uint8Array.from([...unknown, ...model]), 'm').map((r) => r.location),
    ['x.bin'],
  );
});

test('a location that is not UTF-8 or is too long to be a path is refused', () => {
  const entry = new ProtoWriter()
    .string(1, 'location')
    .bytes(2, Uint8Array.from([0x2e, 0x2e, 0xff]))
    .finish();
  const tensor = new ProtoWriter().string(8, 'w').bytes(13, entry).int(14, 1).finish();
  const model = new ProtoWriter().bytes(7, new ProtoWriter().bytes(5, tensor).finish()).finish();
  assert.throws(
    () => externalDataRefs(model, 'm'),
    (e: unknown) => e instanceof PredictorError && e.code === 'UNSAFE_EXTERNAL_DATA',
  );
  const long = new ProtoWriter().bytes(7, new ProtoWriter().bytes(5, externalTensor('w', 'a/'.repeat(5000))).finish()).finish();
  assert.throws(
    () => externalDataRefs(long, 'm'),
    (e: unknown) => e instanceof PredictorError && e.code === 'UNSAFE_EXTERNAL_DATA',
  );
});
