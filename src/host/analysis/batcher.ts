/**
 * Collects items and hands them on in batches at most every `intervalMs`: a module result
 * arrives every few milliseconds on a fast machine, and one postMessage per module would keep
 * the webview re-rendering. The first item of a quiet period waits at most one interval.
 */
export class Batcher<T> {
  private pending: T[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly flushTo: (items: T[]) => void,
    private readonly intervalMs = 50,
  ) {}

  push(item: T): void {
    this.pending.push(item);
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Hands on whatever is pending now (at the end of a job, before `done`). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    this.flushTo(items);
  }

  /** Drops what is pending without handing it on. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }
}
