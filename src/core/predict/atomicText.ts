import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a text file atomically: the whole text goes to a temporary name beside the target
 * (same directory, so the rename never crosses file systems), is flushed, and is then renamed
 * over the target. Readers see the old file or the new one, never half of one, and an
 * interrupted write leaves the old file intact. Replaces the target: callers decide before
 * calling whether it may be replaced (scan checks that it is its own output).
 */
export async function writeTextAtomic(target: string, text: string): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
    await handle.close();
    await rename(temp, target);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
