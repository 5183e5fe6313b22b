/** What identifies a file's contents cheaply: a file replaced or rewritten changes size or mtime. */
export interface FileStamp {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Adapters remembered at most; analyses are small (r values per module), files are not re-read. */
const DEFAULT_CAPACITY = 32;

/**
 * An in-memory cache of analyses keyed by file stamp, least recently used dropped first.
 * A path whose stamp changed misses (and its stale entry is dropped), so reopening an
 * unchanged file shows its numbers at once and an edited one is analysed again.
 */
export class ResultCache<T> {
  private readonly entries = new Map<string, { readonly stamp: FileStamp; readonly value: T }>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  get(stamp: FileStamp): T | undefined {
    const entry = this.entries.get(stamp.path);
    if (!entry) return undefined;
    if (entry.stamp.size !== stamp.size || entry.stamp.mtimeMs !== stamp.mtimeMs) {
      this.delete(stamp.path);
      return undefined;
    }
    this.entries.delete(stamp.path);
    this.entries.set(stamp.path, entry);
    return entry.value;
  }

  /** True when an entry for this exact stamp is held; changes nothing (no LRU bump, no eviction). */
  has(stamp: FileStamp): boolean {
    const entry = this.entries.get(stamp.path);
    return entry !== undefined && entry.stamp.size === stamp.size && entry.stamp.mtimeMs === stamp.mtimeMs;
  }

  set(stamp: FileStamp, value: T): void {
    this.entries.delete(stamp.path);
    this.entries.set(stamp.path, { stamp, value });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.changed();
  }

  delete(path: string): void {
    if (this.entries.delete(path)) this.changed();
  }

  clear(): void {
    this.entries.clear();
    this.changed();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Every entry, least recently used first. */
  values(): T[] {
    return [...this.entries.values()].map((e) => e.value);
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
