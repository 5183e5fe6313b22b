import * as vscode from 'vscode';
import type { EditorSession } from './editorSession';

/**
 * The open LoRA Lens editors, and which was active last: palette commands (Export Report,
 * Copy Layer Stats, Reveal Layer) act on it, since a custom editor is not `activeTextEditor`.
 */
export class EditorRegistry {
  private readonly sessions = new Set<EditorSession>();
  private last: EditorSession | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when an editor opens, closes or becomes active. */
  readonly onDidChange = this.changed.event;

  add(session: EditorSession): vscode.Disposable {
    this.sessions.add(session);
    if (session.panel.active || !this.last) this.last = session;
    const state = session.panel.onDidChangeViewState(({ webviewPanel }) => {
      if (webviewPanel.active) this.last = session;
      this.changed.fire();
    });
    this.changed.fire();
    return new vscode.Disposable(() => {
      state.dispose();
      this.sessions.delete(session);
      if (this.last === session) this.last = [...this.sessions].find((s) => s.panel.active) ?? [...this.sessions].pop();
      this.changed.fire();
    });
  }

  /** The active editor, else the one active last, else none. */
  active(): EditorSession | undefined {
    for (const s of this.sessions) if (s.panel.active) return s;
    return this.last;
  }

  all(): EditorSession[] {
    return [...this.sessions];
  }

  dispose(): void {
    this.changed.dispose();
  }
}
