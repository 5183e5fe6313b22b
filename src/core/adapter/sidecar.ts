import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, sep } from 'node:path';

/**
 * Why a file read beside an adapter's weights (adapter_config.json, trainer_state.json, a model
 * card) must not be read, or null when it may be. The folder is the one the weights sit in; the
 * file, once links are resolved, must lie inside that folder once links are resolved too, so
 * that a link planted in a downloaded adapter cannot make the tool read (and quote in a
 * warning) a file from elsewhere on the machine. A file that does not exist is the caller's
 * business (null).
 */
export async function sidecarOutsideFolder(file: string): Promise<string | null> {
  let real: string;
  let folder: string;
  try {
    [real, folder] = await Promise.all([realpath(file), realpath(dirname(file))]);
  } catch {
    return null;
  }
  const inside = relative(folder, real);
  if (inside !== '' && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside)) return null;
  return `${basename(file)} links to a file outside the adapter folder; not read`;
}
