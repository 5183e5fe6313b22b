import type { DisplayEntry } from '../../src/protocol/payloads';
import { el } from '../dom';
import { jsonSummary, jsonText, oneLine } from '../model/jsonText';

/** Values longer than this are collapsed behind a summary line. */
const INLINE_LIMIT = 160;

/**
 * A list of metadata or config entries. JSON values (and long strings) open as a collapsible
 * pre with the value pretty-printed; all of it is set as text, never parsed as markup.
 */
export function entryList(entries: readonly DisplayEntry[]): HTMLElement {
  const list = el('dl', 'entries');
  for (const entry of entries) {
    const term = el('dt', undefined, entry.label);
    term.title = entry.key;
    const value = el('dd');
    if (entry.json !== undefined && entry.json !== null && typeof entry.json === 'object') {
      value.append(collapsible(jsonSummary(entry.json), jsonText(entry.json)));
    } else if (entry.value.length > INLINE_LIMIT) {
      value.append(collapsible(oneLine(entry.value, 80), entry.value));
    } else {
      value.textContent = entry.value;
    }
    list.append(term, value);
  }
  return list;
}

function collapsible(summary: string, body: string): HTMLDetailsElement {
  const details = el('details', 'json');
  details.append(el('summary', undefined, summary), el('pre', undefined, body));
  return details;
}
