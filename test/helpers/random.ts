import { randomInt } from 'node:crypto';
import { SeededRandom } from '../../src/core/predict/zoo/random';

/**
 * A seeded generator for test inputs (the zoo's mulberry32 generator, so both draw the same
 * sequences from a seed). Every run draws a fresh seed (so tests see new inputs each
 * time) and every failure message carries it (so a failure can be replayed with LORA_LENS_SEED).
 */
export class Rng extends SeededRandom {
  constructor(readonly seed: number) {
    super(seed);
  }

  /** A fresh generator: the seed comes from LORA_LENS_SEED when set, else from the OS. */
  static fresh(): Rng {
    const fixed = process.env.LORA_LENS_SEED;
    return new Rng(fixed !== undefined ? Number(fixed) : randomInt(1, 2 ** 31));
  }

  /** Standard normal (Box–Muller), the name the tests use. */
  gaussian(): number {
    return this.normal();
  }

  /** `count` standard normals. */
  gaussians(count: number): Float64Array {
    return this.normals(count);
  }

  /** Text to append to assertion messages. */
  get tag(): string {
    return `(seed ${this.seed}; replay with LORA_LENS_SEED=${this.seed})`;
  }
}
