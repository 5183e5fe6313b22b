import type { Disposable } from './disposable';

/**
 * Calls back when VS Code switches theme. It swaps the body's `vscode-light/dark/high-contrast`
 * class and its inline `--vscode-*` variables; CSS follows by itself, canvas must repaint.
 */
export function onThemeChange(callback: () => void): Disposable {
  const observer = new MutationObserver(() => callback());
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
  return { dispose: () => observer.disconnect() };
}
