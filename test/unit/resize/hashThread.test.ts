import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { AdapterError } from '../../../src/core/adapter/errors';
import { identityOf } from '../../../src/core/container/fileIdentity';
import { startSha256 } from '../../../src/core/resize/hash';
import { SafetensorsError } from '../../../src/core/safetensors/errors';
import { removeDir, tempDir } from '../../helpers/fixtures';
import { Rng } from '../../helpers/random';

test('the hashing thread gives the SHA-256 of the file, across chunk boundaries', async () => {
  const rng = Rng.fresh();
  const root = await tempDir();
  try {
    // More than one 4 MiB chunk, and not a whole number of them.
    const bytes = new Uint8Array(4 * 1024 * 1024 + rng.int(1, 100_000));
    for (let i = 0; i < bytes.length; i += 997) bytes[i] = rng.int(0, 255);
    const path = join(root, 'adapter.safetensors');
    await writeFile(path, bytes);
    const hash = startSha256(path);
    assert.equal(await hash.of(identityOf(await stat(path))), createHash('sha256').update(bytes).digest('hex'), rng.tag);
    await hash.stop();
  } finally {
    await removeDir(root);
  }
});

test('a hash of a file other than the one opened is FILE_CHANGED; a missing file is IO_ERROR', async () => {
  const root = await tempDir();
  try {
    const path = join(root, 'adapter.safetensors');
    await writeFile(path, 'first');
    const opened = identityOf(await stat(path));
    // The file is replaced before the thread opens it: the bytes hashed are not the opened file's.
    await writeFile(`${path}.new`, 'second, longer');
    await rename(`${path}.new`, path);
    const replaced = startSha256(path);
    await assert.rejects(replaced.of(opened), (error: unknown) => error instanceof SafetensorsError && error.code === 'FILE_CHANGED');
    await replaced.stop();
    const missing = startSha256(join(root, 'absent.safetensors'));
    await assert.rejects(missing.of(opened), (error: unknown) => error instanceof AdapterError && error.code === 'IO_ERROR');
    await missing.stop();
  } finally {
    await removeDir(root);
  }
});
