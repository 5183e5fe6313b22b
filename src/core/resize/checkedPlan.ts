import { fileStamp, type FileStamp } from './fileStamp';
import type { PlannedResize, PlanOptions } from './planResize';

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

/**
 * A checked plan kept for the write, so that pass one (every module read and its r×r maps) is
 * not done twice: the open input, the backend and the bases. Whoever holds it either hands it
 * to resizeAdapter, which takes it over and closes it on every path, or closes it; `close` is
 * safe to call more than once and closes the input and backend exactly once.
 */
export class CheckedPlan {
  private closing: Promise<void> | null = null;

  constructor(
    readonly planned: PlannedResize,
    private readonly options: PlanOptions,
  ) {}

  /**
   * Whether this plan stands for a write with `options`: made from the same input, output,
   * method, format and backend choice, and the weights file unchanged since it was stamped
   * (size, mtime, inode; the stamp is taken before the file is opened, so a change during pass
   * one counts too).
   */
  async fits(options: PlanOptions): Promise<boolean> {
    if (this.closing || planKey(options) !== planKey(this.options) || options.backend !== this.options.backend) return false;
    const now = await fileStamp(this.planned.opened.adapter.file).catch(() => null);
    return now !== null && sameStamp(now, this.planned.stamp);
  }

  close(): Promise<void> {
    this.closing ??= this.planned.close();
    return this.closing;
  }
}

/** What a plan depends on besides the file's content (progress, token and dtype do not change it). */
function planKey(o: PlanOptions): string {
  return JSON.stringify([o.input, o.output ?? null, o.method, o.format, o.overwrite === true, o.foldMixer !== false, o.compute ?? null, o.ortWorker ?? null]);
}
