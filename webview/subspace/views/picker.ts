import type { AdapterLabel } from '../../../src/protocol/subspacePayloads';
import { el } from '../../dom';

/** A labelled select of options (value, text); `any` adds an "all" option with the value ''. */
export function picker(label: string, className: string, options: readonly (readonly [string, string])[], all?: string): { label: HTMLLabelElement; select: HTMLSelectElement } {
  const wrap = el('label', undefined, `${label} `);
  const select = el('select', className);
  if (all !== undefined) {
    const option = el('option', undefined, all);
    option.value = '';
    select.append(option);
  }
  for (const [value, text] of options) {
    const option = el('option', undefined, text);
    option.value = value;
    select.append(option);
  }
  wrap.append(select);
  return { label: wrap, select };
}

/** The other adapters of a comparison as select options, by index. */
export function otherOptions(others: readonly AdapterLabel[]): [string, string][] {
  return others.map((o, i) => [String(i), o.label]);
}
