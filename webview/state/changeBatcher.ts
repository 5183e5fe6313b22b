import type { Disposable } from '../disposable';

/**
 * Collects named changes and delivers them to every listener once per microtask: a `layers`
 * batch followed by `progress` in the same task re-renders each view once, not twice.
 */
export class ChangeBatcher<C extends string> {
  private readonly listeners = new Set<(changes: ReadonlySet<C>) => void>();
  private pending = new Set<C>();

  subscribe(listener: (changes: ReadonlySet<C>) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  emit(...changes: C[]): void {
    const first = this.pending.size === 0;
    for (const c of changes) this.pending.add(c);
    if (!first) return;
    queueMicrotask(() => {
      const delivered = this.pending;
      this.pending = new Set();
      for (const listener of [...this.listeners]) listener(delivered);
    });
  }
}
