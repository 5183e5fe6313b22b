import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
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
  if (existing?.isDirectory()) {
    try {
      accessSync(path, constants.W_OK);
    } catch {
      say('is a folder that is not writable');
    }
  }
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
