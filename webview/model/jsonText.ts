/**
 * Readable text for JSON values from a file's metadata or config. The result is only ever set
 * as textContent, so nothing in it is interpreted; it is still cut to a length the pane can
 * lay out, since kohya's `ss_tag_frequency` alone can run to megabytes.
 */
const MAX_JSON_TEXT = 200_000;

export function jsonText(value: unknown, limit = MAX_JSON_TEXT): string {
  let text: string;
  try {
    text = JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > limit ? `${text.slice(0, limit)}\n… (${text.length - limit} more characters)` : text;
}

/** One line that says what a JSON value holds, for a collapsed entry's summary. */
export function jsonSummary(value: unknown): string {
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 4).join(', ');
    return `object with ${keys.length} key${keys.length === 1 ? '' : 's'}${keys.length > 0 ? `: ${shown}${keys.length > 4 ? ', …' : ''}` : ''}`;
  }
  return oneLine(String(value), 120);
}

/** Cuts text to one line of at most `limit` characters. */
export function oneLine(text: string, limit: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}
