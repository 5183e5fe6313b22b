import { accessSync, closeSync, constants, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileSystemCause } from '../core/errors';
import { checkFsFault } from '../core/io/fsFaults';
import { temporaryName } from '../core/io/staleTemporaries';
import { UsageError } from './usage';
import type { OutputTarget } from './command';

/**
 * Checks a path the command will write before any input is read, so a typo in --out fails in a
 * second rather than after the analysis: the parent folder exists and is a writable folder (or,
 * for a command that creates missing parents, the nearest existing ancestor is),
 * and the target is not a folder where a file goes (nor a file where a folder goes). Whether an
 * existing output may be replaced (--force, --overwrite, an empty folder) stays the command's
 * decision.
 */
export function checkOutputPath(target: OutputTarget): void {
  const path = resolve(target.path);
  const say = (what: string): never => {
    throw new UsageError(`${target.option} ${target.path}: ${what}`);
  };
  const existing = statOf(path);
  if (existing?.isDirectory() && target.kind === 'file') say('is a folder; give a file name');
  if (existing && !existing.isDirectory() && target.kind === 'folder') say('is a file; give a folder');
  const parent = target.createsParents ? nearestExisting(dirname(path)) : dirname(path);
  const folder = statOf(parent);
  if (!folder) say(`the folder ${parent} does not exist`);
  else if (!folder.isDirectory()) say(`${parent} is not a folder`);
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    say(`the folder ${parent} is not writable`);
  }
  const cause = probeFails(parent);
  if (cause) say(`the folder ${parent} is not writable: ${cause}`);
  if (existing?.isDirectory()) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      say('is a folder that is not writable');
    }
    const inside = probeFails(path);
    if (inside) say(`is a folder that is not writable: ${inside}`);
  }
}

/**
 * Creates and removes a hidden file in `folder`: the one honest test of writability, as W_OK
 * says yes to root on a read-only mount and to any user on a full disk's quota. The cause when
 * it fails, else null. The probe's name is a temporary's (staleTemporaries), so one left by a
 * killed run is removed by the next.
 */
function probeFails(folder: string): string | null {
  const probe = temporaryName(join(folder, 'lora-lens-probe'));
  try {
    checkFsFault('create', folder);
    closeSync(openSync(probe, 'wx'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return (typeof code === 'string' ? fileSystemCause(code) : undefined) ?? (error as Error).message;
  }
  try {
    unlinkSync(probe);
  } catch {
    // A probe that cannot be removed is only clutter, and is removed as stale by a later run.
  }
  return null;
}

/** The path itself or its closest ancestor that exists (the root at worst: each step is shorter). */
function nearestExisting(path: string): string {
  let at = path;
  while (!statOf(at) && dirname(at) !== at) at = dirname(at);
  return at;
}

function statOf(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
