/**
 * Tick choices shared by the charts: which labels fit side by side, and readable ticks on a
 * log axis.
 */

/**
 * Indices of the positions to label, keeping labels at least `gap` pixels apart: positions
 * are in increasing order; the first is always kept, then each one far enough from the last
 * kept. Labels of fixed height rotated to run down a narrow band need only their line height.
 */
export function thinPositions(positions: readonly number[], gap: number): number[] {
  const kept: number[] = [];
  let last = Number.NEGATIVE_INFINITY;
  positions.forEach((p, i) => {
    if (p - last >= gap) {
      kept.push(i);
      last = p;
    }
  });
  return kept;
}

/** The most ticks a log axis labels before it keeps only some multiples. */
const MAX_LOG_TICKS = 10;

/**
 * Ticks of a log axis at 1, 2 and 5 × 10ᵏ inside [lo, hi]: over many decades only the
 * powers of ten (then every second or third power) so that at most about ten remain; over
 * less than a decade 1…9 × 10ᵏ so that at least two show over a factor of three (a narrower
 * range may hold one: the caller falls back on linear ticks).
 */
export function logTicks(lo: number, hi: number): number[] {
  const a = Math.min(lo, hi);
  const b = Math.max(lo, hi);
  if (!(a > 0) || !Number.isFinite(b)) return [];
  const k0 = Math.floor(Math.log10(a));
  const k1 = Math.ceil(Math.log10(b));
  // Bounded: a float64 range spans at most ~650 decades.
  const inside = (v: number) => v >= a * (1 - 1e-12) && v <= b * (1 + 1e-12);
  const multiples = (ms: readonly number[]) => {
    const out: number[] = [];
    for (let k = k0; k <= k1; k++) for (const m of ms) if (inside(m * 10 ** k)) out.push(Number((m * 10 ** k).toPrecision(12)));
    return out;
  };
  const fine = multiples([1, 2, 5]);
  if (fine.length <= MAX_LOG_TICKS) {
    const finer = multiples([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    return fine.length >= 2 || finer.length < 2 ? fine : finer;
  }
  const powers = multiples([1]);
  const step = Math.max(1, Math.ceil(powers.length / MAX_LOG_TICKS));
  return powers.filter((p) => Math.round(Math.log10(p)) % step === 0);
}

/** The parts of a d3 axis a log axis sets; typed structurally so both axisLeft and axisBottom fit. */
interface TickedAxis<A> {
  tickValues(values: number[]): A;
  tickFormat(format: (value: number | { valueOf(): number }) => string): A;
  ticks(count: number): A;
}

/**
 * Puts 1, 2, 5 × 10ᵏ ticks on a log axis over [lo, hi], labelled in the charts' number format
 * (`0.01`, `200`, `5e-7`, never `1e+2`); a range too narrow for two such ticks keeps d3's own.
 */
export function logAxis<A extends TickedAxis<A>>(axis: A, domain: readonly number[], format: (value: number) => string): A {
  const values = logTicks(domain[0], domain[domain.length - 1]);
  if (values.length < 2) return axis.ticks(4).tickFormat((v) => format(Number(v)));
  return axis.tickValues(values).tickFormat((v) => format(Number(v)));
}

/** A small multiple is a hundred-odd pixels tall: more gridlines than this would hide its curve. */
const MAX_GRID_LINES = 4;

/** Where the shared log axis of the multiples gets a gridline: powers of ten, thinned to a few. */
export function gridValues(domain: readonly number[]): number[] {
  const powers = logTicks(domain[0], domain[domain.length - 1]).filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9);
  const step = Math.max(1, Math.ceil(powers.length / MAX_GRID_LINES));
  return powers.filter((_v, i) => (powers.length - 1 - i) % step === 0);
}
