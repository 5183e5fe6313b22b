import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import type { DisposableStore } from '../disposable';
import { component, el } from '../dom';
import { isRecommendKind, kindInfo, parseParam, RECOMMEND_KINDS, type RecommendChoice, type RecommendKind } from '../model/rankMethod';

export interface RecommendControls {
  readonly element: HTMLElement;
  /** Shows a choice (from saved state or after a change) without firing the callbacks. */
  show(choice: RecommendChoice): void;
}

export interface RecommendCallbacks {
  readonly onKind: (kind: RecommendKind) => void;
  readonly onParam: (value: number) => void;
  readonly onResize: () => void;
}

/**
 * The "Recommended rank" row of the ranks view: method, its parameter (checked as typed; a
 * refused value says why and changes nothing), and Resize Adapter… with the same method.
 */
export function recommendControls(disposables: DisposableStore, callbacks: RecommendCallbacks): RecommendControls {
  const element = el('div', 'toolbar recommend-controls');
  const label = el('span', 'label', 'Recommended rank');
  const method = component<VscodeSingleSelect>('vscode-single-select', 'rec-method');
  method.setAttribute('aria-label', 'Recommended rank method');
  for (const info of RECOMMEND_KINDS) {
    const option = component<HTMLElement & { value: string }>('vscode-option', undefined, info.label);
    option.value = info.kind;
    method.append(option);
  }
  const param = component<VscodeTextfield>('vscode-textfield', 'rec-param');
  const problem = el('span', 'rec-param-error');
  problem.setAttribute('role', 'alert');
  const resize = component<VscodeButton>('vscode-button', 'rec-resize', 'Resize Adapter…');
  resize.secondary = true;
  const legend = el('span', 'legend');
  for (const [className, text] of [
    ['rec-kept', 'recommended rank'],
    ['rec-error-key', 'relative error (right axis)'],
  ]) {
    const item = el('span', `key ${className}`);
    item.append(el('span', 'swatch'), document.createTextNode(text));
    legend.append(item);
  }
  element.append(label, method, param, problem, resize, legend);

  let kind: RecommendKind = 'none';
  disposables.listen(method, 'change', () => {
    if (isRecommendKind(method.value) && method.value !== kind) callbacks.onKind(method.value);
  });
  disposables.listen(param, 'input', () => {
    const parsed = parseParam(kind, param.value);
    param.invalid = 'error' in parsed;
    problem.textContent = 'error' in parsed ? parsed.error : '';
    if ('value' in parsed) callbacks.onParam(parsed.value);
  });
  disposables.listen(resize, 'click', () => callbacks.onResize());

  const show = (choice: RecommendChoice) => {
    const changedKind = choice.kind !== kind;
    kind = choice.kind;
    if (method.value !== choice.kind) method.value = choice.kind;
    const info = kindInfo(choice.kind);
    param.hidden = info.param === null;
    resize.disabled = choice.kind === 'none';
    legend.hidden = choice.kind === 'none';
    if (info.param === null) return;
    param.placeholder = info.param;
    param.setAttribute('aria-label', info.param);
    param.title = info.param;
    // A refused value being typed stays until the method changes; otherwise the field follows the choice.
    if (!changedKind && param.invalid) return;
    const typed = parseParam(choice.kind, param.value);
    if (changedKind || !('value' in typed) || typed.value !== choice.param) param.value = choice.param === null ? '' : String(choice.param);
    param.invalid = false;
    problem.textContent = '';
  };
  return { element, show };
}
