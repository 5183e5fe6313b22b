import * as vscode from 'vscode';
import type { FileCheck } from '../../core/check/runCheck';
import { Disposable } from '../disposable';

/**
 * The latest check of each adapter the editor has checked, by weights-file path: one place the
 * Problems panel, the status-bar item, the Overview's Identity card and the config hovers read.
 * Whoever runs a check stores it here; readers listen for `onDidChange` (the path that changed).
 */
export class CheckResults extends Disposable {
  private readonly results = new Map<string, FileCheck>();
  private readonly changed = this._register(new vscode.EventEmitter<string>());
  readonly onDidChange = this.changed.event;

  get(path: string): FileCheck | undefined {
    return this.results.get(path);
  }

  set(path: string, check: FileCheck): void {
    this.results.set(path, check);
    this.changed.fire(path);
  }

  delete(path: string): void {
    if (this.results.delete(path)) this.changed.fire(path);
  }
}
