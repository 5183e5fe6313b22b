import { randomInt } from 'node:crypto';

/**
 * A seeded generator for test inputs. Every run draws a fresh seed (so tests see new inputs each
 * time) and every failure message carries it (so a failure can be replayed with LORA_LENS_SEED).
 */
export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** A fresh generator: the seed comes from LORA_LENS_SEED when set, else from the OS. */
  static fresh(): Rng {
    const fixed = process.env.LORA_LENS_SEED;
    return new Rng(fixed !== undefined ? Number(fixed) : randomInt(1, 2 ** 31));
  }

  /** Uniform in [0, 1) (mulberry32: fast, 32-bit state, good enough for test data). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Standard normal (Box–Muller). */
  gaussian(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** `count` standard normals. */
  gaussians(count: number): Float64Array {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = this.gaussian();
    return out;
  }

  /** Text to append to assertion messages. */
  get tag(): string {
    return `(seed ${this.seed}; replay with LORA_LENS_SEED=${this.seed})`;
  }
}
