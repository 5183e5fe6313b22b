import * as vscode from 'vscode';
import type { AttachedBase } from '../../core/check/attachedBase';
import { Disposable } from '../disposable';

/**
 * The base analysis attached to each open adapter (Attach Base Model), by the document's path:
 * the check derives the base-model findings from it without reading the base again. Kept until
 * another base is attached or the document closes (the check service forgets it then); the
 * check itself ignores it once the adapter or a shard of the base changed on disk.
 */
export class AttachedBases extends Disposable {
  private readonly bases = new Map<string, AttachedBase>();
  private readonly changed = this._register(new vscode.EventEmitter<string>());
  /** Fires with the document path whose base was attached or forgotten. */
  readonly onDidChange = this.changed.event;

  get(path: string): AttachedBase | undefined {
    return this.bases.get(path);
  }

  set(path: string, base: AttachedBase): void {
    this.bases.set(path, base);
    this.changed.fire(path);
  }

  delete(path: string): void {
    if (this.bases.delete(path)) this.changed.fire(path);
  }
}
