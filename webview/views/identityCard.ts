import '@vscode-elements/elements/dist/vscode-badge/index.js';
import { DisposableStore, type Disposable } from '../disposable';
import { component, el } from '../dom';
import { identityCardModel, type IdentityFact } from '../model/identityCard';
import type { Store } from '../state/store';

/**
 * The Identity card at the top of the Overview: container, algorithm, writer and architecture
 * with their evidence, then the check's findings by severity and the first few of them. Every
 * string comes from the file (or names it): text only.
 */
export function mountIdentityCard(parent: HTMLElement, store: Store): Disposable {
  const disposables = new DisposableStore();
  const card = el('section', 'identity-card');
  card.setAttribute('aria-label', 'Identity');
  parent.append(card);
  const render = () => {
    const payload = store.identity;
    card.hidden = payload === null;
    if (!payload) {
      card.replaceChildren();
      return;
    }
    const model = identityCardModel(payload);
    const facts = el('dl', 'facts identity-facts');
    for (const fact of model.facts) facts.append(el('dt', undefined, fact.label), factValue(fact));
    const findings = el('div', `identity-findings status-${model.status}`);
    const head = el('p', 'findings-summary');
    head.append(el('span', 'findings-label', 'Findings: '));
    if (model.counts.length === 0) head.append(el('span', model.status === 'checking' ? 'findings-pending' : 'findings-none', model.summary));
    for (const { severity, count } of model.counts) {
      const badge = component<HTMLElement>('vscode-badge', `count count-${severity}`, String(count));
      badge.setAttribute('variant', 'counter');
      badge.title = `${count} ${severity}${count === 1 ? '' : 's'}`;
      head.append(badge, el('span', `count-label severity-${severity}`, severity + (count === 1 ? '' : 's')));
    }
    findings.append(head);
    if (model.findings.length > 0) {
      const list = el('ul', 'identity-finding-list');
      for (const f of model.findings) {
        const item = el('li', `finding severity-${f.severity}`);
        item.dataset.code = f.code;
        item.append(el('span', 'finding-severity', f.severity), el('code', 'finding-code', f.code), el('span', 'finding-message', f.message));
        if (f.modules) item.append(el('span', 'finding-modules', f.modules));
        list.append(item);
      }
      findings.append(list);
    }
    if (model.more > 0) findings.append(el('p', 'findings-more', `…and ${model.more} more in the Problems panel`));
    card.replaceChildren(el('h2', undefined, 'Identity'), facts, findings);
  };
  render();
  disposables.add(store.subscribe((changes) => changes.has('identity') && render()));
  return disposables;
}

/** A fact's value; its evidence shows on hover and in a details list that opens under it. */
function factValue(fact: IdentityFact): HTMLElement {
  const dd = el('dd', `fact-${fact.label.toLowerCase()}`);
  dd.append(el('span', 'fact-value', fact.value));
  if (fact.evidence.length === 0) return dd;
  dd.title = fact.evidence.join('\n');
  if (fact.evidence.length === 1) {
    dd.append(el('span', 'fact-evidence', ` — ${fact.evidence[0]}`));
    return dd;
  }
  const details = el('details', 'evidence');
  details.append(el('summary', undefined, `evidence (${fact.evidence.length})`));
  const list = el('ul');
  for (const line of fact.evidence) list.append(el('li', undefined, line));
  details.append(list);
  dd.append(details);
  return dd;
}
