import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { Actions } from '../actions';
import { DisposableStore, type Disposable } from '../disposable';
import { component, definitionList, el } from '../dom';
import { predictionsModel, type CardModel, type CardValue } from '../model/predictionCards';
import type { Store } from '../state/store';

/**
 * Predicted properties: one card per predictor for this adapter (docs/design.md §6), with its value
 * or label probabilities, its training metrics beside the raw-factor baseline's, the provider
 * that ran it and the invariance badge. Everything in a card comes from files (manifests,
 * error messages) and goes in as text.
 */
export function mountPredict(parent: HTMLElement, store: Store, actions: Actions): Disposable {
  const disposables = new DisposableStore();
  let inner = new DisposableStore();
  disposables.add({ dispose: () => inner.dispose() });
  const section = el('section', 'predict');
  parent.append(section);
  const render = () => {
    inner.dispose();
    inner = new DisposableStore();
    const model = predictionsModel(store.predictions);
    const load = component<HTMLElement>('vscode-button', 'load-predictor', 'Load predictor…');
    const train = component<HTMLElement>('vscode-button', 'train-predictor', 'Train predictor…');
    load.setAttribute('secondary', '');
    train.setAttribute('secondary', '');
    inner.listen(load, 'click', () => void actions.runCommand('loraLens.loadPredictor'));
    inner.listen(train, 'click', () => void actions.runCommand('loraLens.trainPredictor'));
    const toolbar = el('div', 'toolbar predict-toolbar');
    toolbar.append(el('span', 'predict-status', model.status), load, train);
    const parts: Node[] = [toolbar];
    if (model.warnings.length > 0) {
      const list = el('ul', 'warnings predictor-warnings');
      for (const w of model.warnings) list.append(el('li', undefined, `Predictor not usable: ${w}`));
      parts.push(list);
    }
    for (const note of model.notes) parts.push(el('p', 'note predictor-note', note));
    if (model.empty) parts.push(el('p', 'placeholder', 'A predictor estimates a property of the finetune (a loss, a task, a rank) from GL(r)-invariant features of its weights.'));
    const cards = el('div', 'prediction-cards');
    for (const card of model.cards) cards.append(cardElement(card, inner, actions));
    parts.push(cards);
    section.replaceChildren(...parts);
  };
  render();
  disposables.add(store.subscribe((changes) => changes.has('predictions') && render()));
  return disposables;
}

function cardElement(card: CardModel, disposables: DisposableStore, actions: Actions): HTMLElement {
  const article = el('article', 'prediction-card');
  article.dataset.predictor = card.dir;
  const head = el('header', 'card-head');
  head.append(el('h3', 'card-name', card.name), el('span', 'card-subtitle', card.subtitle));
  article.append(head, valueElement(card.value));
  if (card.description) article.append(el('p', 'card-description', card.description));
  const facts: [string, string][] = [];
  if (card.metric) {
    facts.push(['Held-out', card.metric.model]);
    if (card.metric.baseline) facts.push(['Baseline', `${card.metric.baseline} (raw factors, not invariant)`]);
    facts.push(['Trained', card.metric.detail]);
  } else facts.push(['Trained', 'no training record']);
  if (card.provider) facts.push(['Ran on', card.provider]);
  article.append(definitionList(facts, 'facts card-facts'));
  const footer = el('footer', 'card-footer');
  const badge = el('span', `badge badge-${card.badge.kind}`, card.badge.text);
  badge.title = card.badge.title;
  footer.append(badge);
  if (card.badge.canCheck) {
    const check = component<HTMLElement>('vscode-button', 'check-invariance', 'Check invariance');
    check.setAttribute('secondary', '');
    disposables.listen(check, 'click', () => void actions.checkInvariance(card.dir));
    footer.append(check);
  }
  article.append(footer);
  return article;
}

function valueElement(value: CardValue): HTMLElement {
  const box = el('div', `card-value kind-${value.kind}`);
  switch (value.kind) {
    case 'pending':
      box.append(el('p', 'placeholder', value.text));
      break;
    case 'reason':
      box.classList.add(`reason-${value.tone}`);
      box.append(el('p', 'reason-title', value.title), el('p', 'reason-text', value.text));
      break;
    case 'number': {
      const line = el('p', 'value-line');
      line.append(el('span', 'value-target', `${value.target} `), el('span', 'value-number', value.text), el('span', 'value-unit', ` ${value.unit}`));
      box.append(line);
      if (value.range)
        box.append(el('p', value.outside ? 'value-range outside' : 'value-range', value.outside ? `${value.range} — this adapter is outside that range` : value.range));
      break;
    }
    case 'bars': {
      const line = el('p', 'value-line');
      line.append(el('span', 'value-target', `${value.target} `), el('span', 'value-number value-label', value.label));
      const list = el('ul', 'probability-bars');
      for (const bar of value.bars) {
        const item = el('li', bar.best ? 'probability best' : 'probability');
        const track = el('span', 'bar-track');
        const fill = el('span', 'bar-fill');
        fill.style.width = `${(bar.width * 100).toFixed(2)}%`;
        track.append(fill);
        item.append(el('span', 'bar-label', bar.label), track, el('span', 'bar-text', bar.text));
        list.append(item);
      }
      box.append(line, list);
      break;
    }
  }
  return box;
}
