import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Runs `body` with FileHandle.prototype.sync (fsync) spied on. Each call records whether `path`
 * existed at that moment, so a test can tell a file synced before its rename from a directory
 * synced after it.
 */
export async function withSyncSpy(path: string, body: () => Promise<void>): Promise<boolean[]> {
  const probe = await open(__filename, 'r');
  const proto = Object.getPrototypeOf(probe) as { sync: (this: unknown) => Promise<void> };
  await probe.close();
  const original = proto.sync;
  const calls: boolean[] = [];
  proto.sync = function (this: unknown) {
    calls.push(existsSync(path));
    return original.call(this);
  };
  try {
    await body();
  } finally {
    proto.sync = original;
  }
  return calls;
}
