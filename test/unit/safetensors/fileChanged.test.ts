import { strict as assert } from 'node:assert';
import { statSync, truncateSync } from 'node:fs';
import { copyFile, mkdir, rename, truncate, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { InspectArgs } from '../../../src/cli/args';
import { describeError } from '../../../src/cli/exitStatus';
import { inspect } from '../../../src/cli/inspect';
import type { JobRunner } from '../../../src/core/jobs/client';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import { openSafetensors } from '../../../src/core/safetensors/reader';
import { corpusPath, removeDir, tempDir } from '../../helpers/fixtures';
import { inThreadJobs } from '../../helpers/inThreadJobs';

/** A copy of a real adapter folder, its weights dated in the past so any rewrite moves the mtime. */
async function copiedAdapter(dir: string, name: string): Promise<string> {
  const folder = join(dir, name);
  await mkdir(folder);
  for (const file of ['adapter_config.json', 'adapter_model.safetensors']) await copyFile(corpusPath(name, file), join(folder, file));
  const weights = join(folder, 'adapter_model.safetensors');
  const past = new Date('2020-01-01T00:00:00Z');
  await utimes(weights, past, past);
  return weights;
}

/** Truncates the file to its header and re-extends it to its size: same size, tensors now zeros. */
async function truncateAndReextend(path: string, headerBytes: number, size: number): Promise<void> {
  await truncate(path, headerBytes);
  await truncate(path, size);
}

const isFileChanged = (error: unknown): boolean => error instanceof SafetensorsError && error.code === 'FILE_CHANGED';

test('a tensor read from a file truncated and re-extended since it was opened is FILE_CHANGED, not zeros', async () => {
  const dir = await tempDir();
  try {
    const weights = await copiedAdapter(dir, 'peft-gpt2-a');
    const file = await openSafetensors(weights);
    try {
      const [first] = file.header.tensors;
      await truncateAndReextend(weights, file.header.dataStart, file.header.fileSize);
      await assert.rejects(file.readFloat64(first), isFileChanged);
      await assert.rejects(file.assertUnchanged(), (error: unknown) => isFileChanged(error) && /modified/.test((error as Error).message));
    } finally {
      await file.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('assertUnchanged passes for an untouched file and fails for one replaced at its path', async () => {
  const dir = await tempDir();
  try {
    const weights = await copiedAdapter(dir, 'peft-tinygpt2');
    const file = await openSafetensors(weights);
    try {
      await file.assertUnchanged();
      await file.readFloat64(file.header.tensors[0]);
      const other = join(dir, 'other.safetensors');
      await copyFile(weights, other);
      await rename(other, weights);
      // The open handle still reads the old, intact file; the path no longer names it.
      await assert.rejects(file.assertUnchanged(), (error: unknown) => isFileChanged(error) && /replaced/.test((error as Error).message));
    } finally {
      await file.close();
    }
  } finally {
    await removeDir(dir);
  }
});

test('inspect of a file rewritten during the analysis fails with FILE_CHANGED (exit 2) and gives no report', async () => {
  const dir = await tempDir();
  try {
    const weights = await copiedAdapter(dir, 'peft-gpt2-a');
    const probe = await openSafetensors(weights);
    const { fileSize, dataStart } = probe.header;
    await probe.close();
    let rewrites = 0;
    // The rewrite runs when the first module's result is reported: the file is open and the later
    // modules' factors are not read yet (the TypeScript backend reads one module per batch).
    const runner: JobRunner = {
      run: (kind, input, options = {}) =>
        inThreadJobs.run(kind, input, {
          ...options,
          onProgress: (p) => {
            if (rewrites++ === 0) {
              truncateSync(weights, dataStart);
              truncateSync(weights, fileSize);
            }
            options.onProgress?.(p);
          },
        }),
      dispose: () => Promise.resolve(),
    };
    const args: InspectArgs = { command: 'inspect', path: weights, output: 'json', quiet: true, compute: { backend: 'js', device: 'cpu' } };
    let failure: unknown = null;
    let report = '';
    try {
      report = await inspect(args, runner);
    } catch (error) {
      failure = error;
    }
    assert.ok(rewrites > 0, 'the analysis reported progress');
    assert.equal(statSync(weights).size, fileSize);
    assert.ok(isFileChanged(failure), `expected FILE_CHANGED, got ${failure === null ? `a report of ${report.length} characters` : String(failure)}`);
    assert.equal(describeError(failure).status, 2);
    assert.match((failure as Error).message, /adapter_model\.safetensors changed while .* was being read: it was modified/);
  } finally {
    await removeDir(dir);
  }
});
