/**
 * Double-double arithmetic (about 106 bits, relative error ~1e-32) for the test reference.
 * A value is hi + lo with |lo| ≤ ulp(hi)/2. Error-free transformations: Knuth's TwoSum and
 * Dekker's TwoProd with Veltkamp splitting (JavaScript has no fused multiply-add).
 * Independent of src/: the reference must not share code with what it checks.
 */
export interface DD {
  hi: number;
  lo: number;
}

const SPLITTER = 134217729; // 2^27 + 1

export const dd = (hi: number, lo = 0): DD => ({ hi, lo });

function twoSum(a: number, b: number): DD {
  const s = a + b;
  const bb = s - a;
  return { hi: s, lo: a - (s - bb) + (b - bb) };
}

function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return { hi: s, lo: b - (s - a) };
}

function split(a: number): [number, number] {
  const t = SPLITTER * a;
  const hi = t - (t - a);
  return [hi, a - hi];
}

/** The exact product of two doubles as a double-double. */
export function twoProd(a: number, b: number): DD {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return { hi: p, lo: ah * bh - p + ah * bl + al * bh + al * bl };
}

export function add(a: DD, b: DD): DD {
  const s = twoSum(a.hi, b.hi);
  const t = twoSum(a.lo, b.lo);
  let r = quickTwoSum(s.hi, s.lo + t.hi);
  r = quickTwoSum(r.hi, r.lo + t.lo);
  return r;
}

export const neg = (a: DD): DD => ({ hi: -a.hi, lo: -a.lo });
export const sub = (a: DD, b: DD): DD => add(a, neg(b));

export function mul(a: DD, b: DD): DD {
  const p = twoProd(a.hi, b.hi);
  return quickTwoSum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

export function div(a: DD, b: DD): DD {
  const q1 = a.hi / b.hi;
  const r = sub(a, mul(b, dd(q1)));
  const q2 = r.hi / b.hi;
  const r2 = sub(r, mul(b, dd(q2)));
  const q3 = r2.hi / b.hi;
  return add(quickTwoSum(q1, q2), dd(q3));
}

export function sqrt(a: DD): DD {
  if (a.hi <= 0) return dd(0);
  const x = Math.sqrt(a.hi);
  // One Newton step in double-double doubles the 53 correct bits.
  const residual = sub(a, twoProd(x, x));
  return quickTwoSum(x, residual.hi / (2 * x));
}

export const abs = (a: DD): DD => (a.hi < 0 || (a.hi === 0 && a.lo < 0) ? neg(a) : a);
export const toNumber = (a: DD): number => a.hi + a.lo;
