import * as vscode from 'vscode';
import { Disposable } from '../disposable';
import type { EditorRegistry } from '../editor/editorRegistry';
import type { CheckResults } from './checkResults';
import { identityOf } from './identityFeed';
import { statusContent } from './statusText';

/** The Problems panel, where every finding of the check is listed. */
export const SHOW_PROBLEMS = 'workbench.actions.view.problems';

/**
 * A status-bar item for the adapter of the active LoRA Lens editor: format · architecture ·
 * findings, the identity and counts in its tooltip; it opens the Problems panel. Hidden while no
 * Lens editor is active.
 */
export class CheckStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('loraLens.check', vscode.StatusBarAlignment.Left, 100));

  constructor(
    private readonly registry: EditorRegistry,
    private readonly checks: CheckResults,
  ) {
    super();
    this.item.name = 'LoRA Lens: Adapter Check';
    this.item.command = SHOW_PROBLEMS;
    this._register(registry.onDidChange(() => this.update()));
    this._register(checks.onDidChange(() => this.update()));
    this.update();
  }

  private update(): void {
    const session = this.registry.all().find((s) => s.panel.active);
    const adapter = session?.document.adapter;
    if (!adapter || adapter.modules.length === 0) {
      this.item.hide();
      return;
    }
    const content = statusContent(identityOf(adapter), this.checks.get(adapter.file));
    this.item.text = content.text;
    const tooltip = new vscode.MarkdownString(content.tooltip);
    tooltip.supportThemeIcons = false;
    this.item.tooltip = tooltip;
    this.item.show();
  }
}
