import { lstat, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory } from './atomicWrite';
import { checkFsFault, errnoError } from './fsFaults';
import { temporaryName } from './staleTemporaries';

/** Whether anything (a folder, a file, a link) has this name. */
export async function pathPresent(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Moves a finished folder `temp`, a sibling of `dir` (see temporaryName), to `dir`, then fsyncs
 * the parent. Without `replace`, a `dir` that exists is refused (EEXIST). With it, the old `dir`
 * is renamed aside, the new one renamed in, and only then the old one removed; if the second
 * rename fails the old folder is renamed back, so `dir` is the old folder or the whole new one,
 * never gone and never half written. On failure `temp` is left for the caller to remove.
 */
export async function moveFolderIntoPlace(temp: string, dir: string, replace: boolean): Promise<void> {
  const parent = dirname(dir);
  const exists = await pathPresent(dir);
  if (exists && !replace) throw errnoError('EEXIST', 'rename', dir);
  if (!exists) {
    checkFsFault('move', dir);
    await rename(temp, dir);
    await syncDirectory(parent);
    return;
  }
  const old = temporaryName(dir, 'old');
  await rename(dir, old);
  try {
    checkFsFault('move', dir);
    await rename(temp, dir);
  } catch (error) {
    await rename(old, dir);
    throw error;
  }
  await syncDirectory(parent);
  await rm(old, { recursive: true, force: true });
}
