import { openAdapter, type OpenedAdapter } from '../adapter/load';
import { assertUnchanged } from '../container/unchanged';

/**
 * Opens the adapters in order, runs `use`, and closes all that opened (also when one fails to
 * open). A file that changed while `use` read it fails the call (FILE_CHANGED), so no result
 * comes from it.
 */
export async function withOpened<T>(paths: readonly string[], use: (opened: OpenedAdapter[]) => Promise<T>): Promise<T> {
  const opened: OpenedAdapter[] = [];
  try {
    for (const path of paths) opened.push(await openAdapter(path));
    const result = await use(opened);
    await assertUnchanged(...opened.map((o) => o.file));
    return result;
  } finally {
    for (const o of opened) await o.file.close().catch(() => undefined);
  }
}
