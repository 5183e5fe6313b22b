import { openAdapter, type OpenedAdapter } from '../adapter/load';

/** Opens the adapters in order, runs `use`, and closes all that opened (also when one fails to open). */
export async function withOpened<T>(paths: readonly string[], use: (opened: OpenedAdapter[]) => Promise<T>): Promise<T> {
  const opened: OpenedAdapter[] = [];
  try {
    for (const path of paths) opened.push(await openAdapter(path));
    return await use(opened);
  } finally {
    for (const o of opened) await o.file.close().catch(() => undefined);
  }
}
