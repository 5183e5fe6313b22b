import { lstat, readdir, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The temporary name a write uses beside its target: `.<name>.<pid>-<12 hex>.tmp`. The writer's
 * process id is in the name so that a later run can tell a temporary whose writer is gone (killed
 * with SIGKILL, a power cut) from one being written right now.
 */
export function temporaryName(target: string, kind = 'tmp'): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(6).toString('hex')}.${kind}`);
}

/** Our temporaries and rollback copies: hidden, the writer's pid, 12 hex digits. */
const OURS = /^\.(.{1,240})\.(\d{1,10})-([0-9a-f]{12})\.(tmp|bak)$/;
/** The earlier naming, without the pid: `.<name>.<12 hex>.tmp`. */
const OURS_WITHOUT_PID = /^\.(.{1,240})\.([0-9a-f]{12})\.tmp$/;
/** A temporary of the earlier naming (no pid to check) is stale after this long: no write of ours takes a day. */
const STALE_WITHOUT_PID_MS = 24 * 60 * 60 * 1000;

/**
 * When each folder was last cleaned by this process. A scan writes its output once a second, and
 * an editor session lasts days: a folder is looked at again only after this long.
 */
const cleanedAt = new Map<string, number>();
const RECLEAN_MS = 60 * 1000;

/**
 * Removes the temporaries that earlier runs left in `dir` when they were killed mid-write: only
 * regular files named exactly as {@link temporaryName} makes them, whose writer process is gone
 * (or, for this process's own pid reused, that are older than this process), and those of the
 * earlier naming older than a day. Anything else, including a temporary of a live writer, is
 * never touched. Best effort: a file that cannot be removed is left. At most once a minute per
 * folder.
 */
export async function removeStaleTemporaries(dir: string): Promise<string[]> {
  const key = resolve(dir);
  const last = cleanedAt.get(key);
  if (last !== undefined && Date.now() - last < RECLEAN_MS) return [];
  if (cleanedAt.size >= 1024) cleanedAt.clear();
  cleanedAt.set(key, Date.now());
  let names: string[];
  try {
    names = await readdir(key);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const startedAt = Date.now() - process.uptime() * 1000;
  for (const name of names) {
    const ours = OURS.exec(name);
    if (!ours && !OURS_WITHOUT_PID.test(name)) continue;
    const path = join(key, name);
    const info = await lstat(path).catch(() => null);
    if (!info?.isFile()) continue;
    const stale = ours ? writerGone(Number(ours[2]), info.mtimeMs, startedAt) : Date.now() - info.mtimeMs > STALE_WITHOUT_PID_MS;
    if (
      stale &&
      (await unlink(path).then(
        () => true,
        () => false,
      ))
    )
      removed.push(path);
  }
  return removed;
}

/** Whether the process that wrote a temporary has ended: no such process, or it is this one and the file predates it. */
function writerGone(pid: number, mtimeMs: number, startedAt: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return mtimeMs < startedAt;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to another user; only ESRCH says it is gone.
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
