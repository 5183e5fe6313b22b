import type { Stats } from 'node:fs';
import { stat, type FileHandle } from 'node:fs/promises';

/**
 * What identifies an opened weights file, compared before results read from it are handed on,
 * as the safetensors reader does (safetensors/reader.ts): a file rewritten in place, truncated,
 * re-extended or replaced since the open shows in its size, mtime, ctime, inode or device.
 */
export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly ino: number;
  readonly dev: number;
}

export function identityOf(info: Stats): FileIdentity {
  return { size: info.size, mtimeMs: info.mtimeMs, ctimeMs: info.ctimeMs, ino: info.ino, dev: info.dev };
}

/** The changes between two identities in words, or null when there are none. */
export function identityChanges(opened: FileIdentity, now: FileIdentity): string | null {
  const what: string[] = [];
  if (now.size !== opened.size) what.push(`its size went from ${opened.size} to ${now.size} bytes`);
  if (now.mtimeMs !== opened.mtimeMs) what.push(`it was modified (mtime ${new Date(opened.mtimeMs).toISOString()} → ${new Date(now.mtimeMs).toISOString()})`);
  else if (now.ctimeMs !== opened.ctimeMs) what.push('its status changed (ctime)');
  if (now.ino !== opened.ino) what.push('its inode changed');
  return what.length > 0 ? what.join(', ') : null;
}

/**
 * How the file at `path`, opened through `handle` as `opened`, has changed since, in words, or
 * null when it has not: its path no longer found or naming another file (replaced), or the open
 * handle's size or times differ (rewritten in place). A handle that cannot be read is thrown as is.
 */
export async function fileChanges(path: string, handle: FileHandle, opened: FileIdentity): Promise<string | null> {
  let now: Stats;
  try {
    now = await stat(path);
  } catch (error) {
    return `it can no longer be found at its path (${(error as Error).message})`;
  }
  if (now.ino !== opened.ino || now.dev !== opened.dev) return 'its path now names another file (it was replaced)';
  return identityChanges(opened, identityOf(await handle.stat()));
}

/** The FILE_CHANGED message every container gives: what changed, and that no results are given. */
export function fileChangedMessage(path: string, what: string): string {
  return `${path} changed while it was being read: ${what}; results read from it would not be its contents, so none are given. Run again once the file is no longer being written`;
}
