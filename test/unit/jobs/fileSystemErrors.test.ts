import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { test } from 'node:test';
import { describeError, EXIT_INPUT } from '../../../src/cli/exitStatus';
import { deserializeError, FileSystemError, serializeError } from '../../../src/core/errors';
import { errnoError } from '../../../src/core/io/fsFaults';
import { OutputLockedError } from '../../../src/core/io/outputLock';
import { OutputWriteError } from '../../../src/core/io/outputSet';
import { JobClient } from '../../../src/core/jobs/client';
import { corpusPath } from '../../helpers/fixtures';

const ANALYSIS_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'jobs', 'analysisWorker.js');
const ORT_WORKER = join(__dirname, '..', '..', '..', 'src', 'core', 'compute', 'worker', 'ortWorker.js');

const CODES = ['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'ENOTDIR', 'EISDIR', 'ELOOP', 'EMFILE', 'ENAMETOOLONG', 'EBUSY', 'ETXTBSY'];

test('a Node file-system error reaching the CLI is an input error (exit 2) naming the path and the cause', () => {
  for (const code of CODES) {
    const d = describeError(errnoError(code, 'open', '/data/out/features.csv'));
    assert.equal(d.status, EXIT_INPUT, code);
    assert.equal(d.code, 'FILE_SYSTEM', code);
    assert.ok(d.message.includes('/data/out/features.csv') && d.message.includes(code), d.message);
  }
  assert.match(describeError(errnoError('ENOSPC', 'write', '/x/r.md')).message, /^\/x\/r\.md: no space left on device \(ENOSPC, in write\)$/);
});

test('a Node file-system error thrown in a worker arrives as an input error keeping its errno and path', () => {
  for (const code of CODES) {
    const back = deserializeError(structuredClone(serializeError(errnoError(code, 'rename', '/out/a.safetensors'))));
    assert.ok(back instanceof FileSystemError, code);
    assert.deepEqual([back.code, back.inputError, back.errno, back.path], ['FILE_SYSTEM', true, code, '/out/a.safetensors']);
    assert.equal(describeError(back).status, EXIT_INPUT);
  }
  for (const error of [new OutputWriteError('cannot write /o/r.md', '/o/r.md', 'ENOSPC'), new OutputLockedError('/o/f.csv is being written', '/o/f.csv.lock')]) {
    const back = deserializeError(structuredClone(serializeError(error)));
    assert.ok(back instanceof error.constructor, error.name);
    assert.deepEqual([back.code, back.inputError, back.message], [error.code, true, error.message]);
  }
});

test('a progress callback that throws neither breaks the job nor leaves it unsettled; it is reported as a warning', async () => {
  const client = new JobClient(ANALYSIS_WORKER, ORT_WORKER);
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    let calls = 0;
    const outcome = await client.run(
      'analyze',
      { path: corpusPath('peft-tinygpt2'), options: { backend: 'js', device: 'cpu' } },
      {
        onProgress: () => {
          calls++;
          throw new Error('the view is gone');
        },
      },
    );
    assert.equal(outcome.output.modules.length, 6);
    assert.equal(calls, 1, 'a callback that threw is not called again');
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(
      warnings.some((w) => /progress callback threw.*the view is gone/.test(w.message)),
      warnings.map((w) => w.message).join('; '),
    );
    // The client goes on serving jobs.
    assert.equal((await client.run('analyze', { path: corpusPath('peft-tinygpt2'), options: { backend: 'js', device: 'cpu' } })).output.modules.length, 6);
  } finally {
    process.off('warning', onWarning);
    await client.dispose();
  }
});
