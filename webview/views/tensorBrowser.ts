import type { TensorRow } from '../../src/protocol/payloads';
import { DisposableStore, type Disposable } from '../disposable';
import { el } from '../dom';
import { formatBytes, formatShape } from '../model/format';

/** Rows drawn at most: a full model has thousands of tensors; the filter narrows them. */
const MAX_ROWS = 2000;

/** A filterable list of a file's tensors: name, dtype, shape, bytes. */
export function mountTensorBrowser(parent: HTMLElement, tensors: readonly TensorRow[]): Disposable {
  const disposables = new DisposableStore();
  const filter = el('input', 'tensor-filter');
  filter.type = 'search';
  filter.placeholder = 'Filter tensors';
  filter.setAttribute('aria-label', 'Filter tensors');
  const count = el('span', 'count');
  const table = el('table', 'tensors');
  const head = el('tr');
  for (const label of ['Tensor', 'dtype', 'Shape', 'Size']) head.append(el('th', undefined, label));
  table.createTHead().append(head);
  const body = table.createTBody();
  const toolbar = el('div', 'toolbar');
  toolbar.append(filter, count);
  parent.append(toolbar, table);
  const render = () => {
    const terms = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = tensors.filter((t) => terms.every((term) => t.name.toLowerCase().includes(term)));
    body.replaceChildren(
      ...rows.slice(0, MAX_ROWS).map((t) => {
        const tr = el('tr');
        tr.append(el('td', 'name', t.name), el('td', undefined, t.dtype), el('td', 'num', formatShape(t.shape)), el('td', 'num', formatBytes(t.bytes)));
        return tr;
      }),
    );
    count.textContent = `${rows.length} of ${tensors.length} tensors${rows.length > MAX_ROWS ? ` (first ${MAX_ROWS} shown)` : ''}`;
  };
  render();
  disposables.listen(filter, 'input', render);
  return disposables;
}
