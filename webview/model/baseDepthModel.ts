import type { BaseModelPayload } from '../../src/protocol/basePayloads';
import { ofType } from './moduleTypes';

/** The base-model numbers by depth, over the analysed modules of one type (or all). */
export interface BaseDepth {
  /** Depths with at least one analysed module, ascending. */
  readonly depths: Float64Array;
  /** Mean over modules of the mean column-space cosine with W0's top-k. */
  readonly column: Float64Array;
  readonly row: Float64Array;
  /**
   * Geometric mean of the finite amplifications (a ratio: 2× and ½× should average to 1×);
   * NaN where every module's is infinite.
   */
  readonly amplification: Float64Array;
  /** Sums over the modules at each depth: intruders as computed, and how many of the tested vectors are undetermined. */
  readonly intruders: Float64Array;
  readonly undetermined: Float64Array;
  /** Modules at each depth. */
  readonly counts: Float64Array;
}

interface Sums {
  column: number;
  row: number;
  logAmp: number;
  amps: number;
  intruders: number;
  undetermined: number;
  n: number;
}

/**
 * Per-depth aggregates of the Base model view's charts. A module without a depth (no layer
 * index in its name) is left out; so is a NaN cosine (a zero ΔW) from the cosine means.
 */
export function baseDepth(payload: BaseModelPayload, moduleType: string | null): BaseDepth {
  const sums = new Map<number, Sums>();
  payload.modules.forEach((module, i) => {
    if (module.depth === null || !ofType(module, moduleType)) return;
    const s = sums.get(module.depth) ?? { column: 0, row: 0, logAmp: 0, amps: 0, intruders: 0, undetermined: 0, n: 0 };
    s.column += payload.columnCosine[i];
    s.row += payload.rowCosine[i];
    const amp = payload.amplification[i];
    if (Number.isFinite(amp) && amp > 0) {
      s.logAmp += Math.log(amp);
      s.amps++;
    }
    s.intruders += payload.intruders[i];
    s.undetermined += payload.undetermined[i];
    s.n++;
    sums.set(module.depth, s);
  });
  const depths = [...sums.keys()].sort((a, b) => a - b);
  const pick = (f: (s: Sums) => number) =>
    Float64Array.from(depths, (d) => {
      const s = sums.get(d);
      return s ? f(s) : NaN;
    });
  return {
    depths: Float64Array.from(depths),
    column: pick((s) => s.column / s.n),
    row: pick((s) => s.row / s.n),
    amplification: pick((s) => (s.amps > 0 ? Math.exp(s.logAmp / s.amps) : NaN)),
    intruders: pick((s) => s.intruders),
    undetermined: pick((s) => s.undetermined),
    counts: pick((s) => s.n),
  };
}
