import type * as vscode from 'vscode';

/**
 * Owns what it registers and disposes it all, last registered first, once. Subclasses register
 * listeners and children with `_register` so nothing outlives the object that made it.
 */
export abstract class Disposable implements vscode.Disposable {
  private readonly owned: { dispose(): unknown }[] = [];
  private disposedFlag = false;

  protected get isDisposed(): boolean {
    return this.disposedFlag;
  }

  protected _register<T extends { dispose(): unknown }>(value: T): T {
    if (this.disposedFlag) value.dispose();
    else this.owned.push(value);
    return value;
  }

  dispose(): void {
    if (this.disposedFlag) return;
    this.disposedFlag = true;
    while (this.owned.length > 0) {
      try {
        this.owned.pop()?.dispose();
      } catch {
        // One failing dispose must not keep the rest alive.
      }
    }
  }
}
