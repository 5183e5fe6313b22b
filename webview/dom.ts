/**
 * Small DOM builders. Text goes in through textContent only: names and metadata come from the
 * file and are untrusted, and nothing in this app ever parses a string as HTML.
 */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A vscode-elements component by tag; its module must have been imported to upgrade it. */
export function component<T extends HTMLElement>(tag: string, className?: string, text?: string): T {
  const node = document.createElement(tag) as T;
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A definition list of label/value pairs. */
export function definitionList(pairs: readonly (readonly [string, string])[], className = 'facts'): HTMLDListElement {
  const list = el('dl', className);
  for (const [label, value] of pairs) list.append(el('dt', undefined, label), el('dd', undefined, value));
  return list;
}
