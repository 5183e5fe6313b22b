/**
 * Ticks for a log axis at 1, 2 and 5 × 10ᵏ, thinned to decades (and then every few decades)
 * when the axis is too short for them to stay apart, and labels without exponent clutter:
 * `0.005`, `1`, `200` near 1; `10⁻⁶`, `2×10⁻⁶` far from it.
 */

/** Powers of ten printed as plain decimals; outside, labels switch to ×10ᵏ. */
const PLAIN_DECADES = { low: -3, high: 3 } as const;
/** Decades an axis can hold at most: bounds the loop whatever the domain (float64 spans ~630). */
const MAX_DECADES = 700;

const SUPERSCRIPT: Readonly<Record<string, string>> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/** m × 10ᵏ as the nearest double, parsed from its decimal form so 2e-7 is exactly the literal 2e-7. */
function decimal(mantissa: number, exponent: number): number {
  return Number(`${mantissa}e${exponent}`);
}

/**
 * Tick values in [min, max] (both > 0) on an axis `pixels` long, each at least `spacing` px from the
 * next: 1, 2, 5 × 10ᵏ when a decade is long enough, else 10ᵏ, else every s-th decade.
 */
export function logTicks(min: number, max: number, pixels: number, spacing = 16): number[] {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) return [];
  const low = Math.floor(Math.log10(min));
  const high = Math.ceil(Math.log10(max));
  if (high - low > MAX_DECADES) return [];
  const decades = Math.max(Math.log10(max / min), 1e-9);
  const perDecade = Math.abs(pixels) / decades;
  // Closest pair among 1, 2, 5, 10 is 0.301 of a decade apart (1→2 and 5→10).
  const mantissas = perDecade * Math.log10(2) >= spacing ? [1, 2, 5] : [1];
  const step = mantissas.length > 1 ? 1 : Math.max(1, Math.ceil(spacing / Math.max(perDecade, 1e-9)));
  const inside = (v: number) => v >= min * (1 - 1e-12) && v <= max * (1 + 1e-12);
  const ticks: number[] = [];
  for (let k = low; k <= high; k++) {
    if (step > 1 && ((k % step) + step) % step !== 0) continue;
    for (const m of mantissas) {
      const v = decimal(m, k);
      if (inside(v)) ticks.push(v);
    }
  }
  // A domain inside one decade (no 1, 2 or 5 in it) still gets its ends labelled.
  if (ticks.length < 2) return [min, max];
  return ticks;
}

function superscript(n: number): string {
  return String(n)
    .split('')
    .map((c) => SUPERSCRIPT[c] ?? c)
    .join('');
}

/** `0.001`…`5000` as decimals, `10⁻⁵` and `2×10⁻⁵` beyond; other values (domain ends) to 2 significant digits. */
export function formatLogTick(value: number): string {
  if (!(value > 0) || !Number.isFinite(value)) return String(value);
  let exponent = Math.floor(Math.log10(value) + 1e-9);
  let mantissa = Number((value / 10 ** exponent).toPrecision(2));
  // 9.96 rounds to 10: carry it into the exponent.
  if (mantissa >= 10) {
    mantissa = Number((mantissa / 10).toPrecision(2));
    exponent += 1;
  }
  if (exponent >= PLAIN_DECADES.low && exponent <= PLAIN_DECADES.high) return String(decimal(mantissa, exponent));
  const text = mantissa === 1 ? '' : `${mantissa}×`;
  return `${text}10${superscript(exponent)}`;
}
