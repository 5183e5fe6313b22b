/**
 * Playwright passes evaluate arguments as JSON-like values (here as JSON text), which would turn a Float64Array
 * into a plain object. Messages are encoded here with their typed arrays tagged, and revived
 * in the page (by the same function's source) before `postMessage`, so the webview receives
 * typed arrays exactly as a structured clone from the host would deliver them.
 */
export type Encoded = null | boolean | number | string | Encoded[] | { [key: string]: Encoded };

export function encodeMessage(value: unknown): Encoded {
  if (value instanceof Float64Array || value instanceof Float32Array || value instanceof Int32Array) {
    return { __typed: value.constructor.name, values: Array.from(value, (v) => (Number.isFinite(v) ? v : String(v))) };
  }
  if (Array.isArray(value)) return value.map(encodeMessage);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Encoded } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = encodeMessage(v);
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { __number: String(value) };
  return value as Encoded;
}

/** Runs in the page: posts each encoded message (a JSON array) to the window, typed arrays revived. */
export function postEncoded(json: string): void {
  const messages = JSON.parse(json) as unknown[];
  const revive = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(revive);
    if (value !== null && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (typeof o.__typed === 'string' && Array.isArray(o.values)) {
        const numbers = (o.values as (number | string)[]).map(Number);
        if (o.__typed === 'Int32Array') return Int32Array.from(numbers);
        return o.__typed === 'Float64Array' ? Float64Array.from(numbers) : Float32Array.from(numbers);
      }
      if (typeof o.__number === 'string') return Number(o.__number);
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, revive(v)]));
    }
    return value;
  };
  for (const m of messages) window.postMessage(revive(m), '*');
}
