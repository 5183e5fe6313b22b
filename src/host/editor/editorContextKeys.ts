import * as vscode from 'vscode';
import type { EditorRegistry } from './editorRegistry';

/**
 * True while a LoRA Lens editor is the active editor: the editor-title buttons show then. One
 * key instead of repeating both view types in every `when` clause of package.json.
 */
const EDITOR_ACTIVE_KEY = 'loraLens.editorActive';
/**
 * True while any LoRA Lens editor is open: the palette commands that act on "the active editor,
 * else the one active last" (EditorRegistry.active) can apply, so they show then.
 */
const EDITOR_OPEN_KEY = 'loraLens.editorOpen';

/** Keeps the two context keys in step with the registry; the keys are cleared on dispose. */
export function trackEditorContextKeys(registry: EditorRegistry): vscode.Disposable {
  const current = new Map<string, boolean>();
  const set = (key: string, value: boolean): void => {
    if (current.get(key) === value) return;
    current.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  };
  const update = (): void => {
    const sessions = registry.all();
    set(EDITOR_OPEN_KEY, sessions.length > 0);
    set(
      EDITOR_ACTIVE_KEY,
      sessions.some((s) => s.panel.active),
    );
  };
  update();
  const listener = registry.onDidChange(update);
  return new vscode.Disposable(() => {
    listener.dispose();
    set(EDITOR_OPEN_KEY, false);
    set(EDITOR_ACTIVE_KEY, false);
  });
}
