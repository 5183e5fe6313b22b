import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { Actions } from '../actions';
import { DisposableStore, type Disposable } from '../disposable';
import { component, el } from '../dom';
import type { Store } from '../state/store';

/**
 * Predicted properties need a trained invariant predictor (DESIGN.md §6); until one is
 * configured the panel says so and offers the command that sets one up.
 */
export function mountPredict(parent: HTMLElement, _store: Store, actions: Actions): Disposable {
  const disposables = new DisposableStore();
  const section = el('section', 'predict');
  section.append(
    el('h2', undefined, 'No predictor configured'),
    el('p', undefined, 'A predictor estimates properties of the finetune from GL(r)-invariant features of its weights. Configure one to see its predictions here.'),
  );
  const button = component<HTMLElement>('vscode-button', 'configure', 'Configure predictor…');
  section.append(button);
  parent.append(section);
  disposables.listen(button, 'click', () => void actions.runCommand('loraLens.configurePredictor'));
  return disposables;
}
