import type { Disposable } from '../disposable';
import type { TabId } from '../model/viewState';
import type { Change, Store } from '../state/store';

/**
 * Re-renders a tab's charts only while it is showing: a hidden panel has no width to lay out
 * in, and streaming hundreds of batches into charts nobody sees would only cost time. Changes
 * made while hidden are drawn when the tab is shown.
 */
export function renderWhileVisible(store: Store, tab: TabId, render: () => void, relevant: (changes: ReadonlySet<Change>) => boolean): Disposable {
  let dirty = true;
  let wasVisible = false;
  const check = (changes: ReadonlySet<Change> | null) => {
    const visible = store.view.tab === tab;
    if (changes && relevant(changes)) dirty = true;
    if (visible && (dirty || !wasVisible)) {
      dirty = false;
      render();
    }
    wasVisible = visible;
  };
  check(null);
  return store.subscribe((changes) => check(changes));
}
