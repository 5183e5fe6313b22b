export interface Disposable {
  dispose(): void;
}

/** Owns what a view registered (listeners, child renderers) and releases it all at once. */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  add<T extends Disposable>(item: T): T {
    if (this.disposed) item.dispose();
    else this.items.push(item);
    return item;
  }

  /** Listens to `type` on `target` until disposal. */
  listen<K extends keyof HTMLElementEventMap>(target: HTMLElement, type: K, listener: (event: HTMLElementEventMap[K]) => void): void;
  listen(target: EventTarget, type: string, listener: (event: Event) => void): void;
  listen(target: EventTarget, type: string, listener: (event: never) => void): void {
    const handler = listener as (event: Event) => void;
    target.addEventListener(type, handler);
    this.add({ dispose: () => target.removeEventListener(type, handler) });
  }

  dispose(): void {
    this.disposed = true;
    for (const item of this.items.splice(0).reverse()) item.dispose();
  }
}
