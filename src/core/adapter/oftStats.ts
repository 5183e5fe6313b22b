import { numberField } from './config';

/**
 * ‖R − I‖_F of a PEFT OFT rotation (src/peft/tuners/oft/layer.py OFTRotationModule): `oft_R.weight`
 * holds, per block, the b(b−1)/2 upper-triangle entries of M (row by row, torch.triu_indices
 * offset 1), Q = M − Mᵀ, and R = (I − Q)(I + Q)⁻¹ (`_cayley_batch`, torch.linalg.solve with
 * left=False), or with `use_cayley_neumann` the truncated series I + 2Q + 2Q² + … + 2Q^(n−2) +
 * Q^(n−1) of n = `num_cayley_neumann_terms` terms. The rotation is block diagonal, so ‖R − I‖_F
 * is the root of the blocks' sums of squares. Returns null when the shape is not b(b−1)/2 a row.
 */
export function oftRotationDistance(values: Float64Array, blocks: number, config: Readonly<Record<string, unknown>>): { distance: number; blockSize: number; rule: string } | null {
  if (blocks <= 0 || values.length % blocks !== 0) return null;
  const per = values.length / blocks;
  const b = Math.round((1 + Math.sqrt(1 + 8 * per)) / 2);
  if ((b * (b - 1)) / 2 !== per || b < 2 || b > 4096) return null;
  const neumann = config.use_cayley_neumann === true;
  const terms = numberField(config, 'num_cayley_neumann_terms') ?? 5;
  if (neumann && (!Number.isInteger(terms) || terms < 1 || terms > 64)) return null;
  let total = 0;
  for (let k = 0; k < blocks; k++) {
    const Q = new Float64Array(b * b);
    let at = k * per;
    for (let i = 0; i < b; i++)
      for (let j = i + 1; j < b; j++) {
        Q[i * b + j] = values[at];
        Q[j * b + i] = -values[at++];
      }
    const D = neumann ? neumannMinusIdentity(Q, b, terms) : cayleyMinusIdentity(Q, b);
    for (const v of D) total += v * v;
  }
  const rule = neumann ? `Cayley–Neumann series of ${terms} terms (use_cayley_neumann)` : 'exact Cayley transform';
  return { distance: Math.sqrt(total), blockSize: b, rule };
}

function multiply(X: Float64Array, Y: Float64Array, b: number): Float64Array {
  const out = new Float64Array(b * b);
  for (let i = 0; i < b; i++) for (let k = 0; k < b; k++) for (let j = 0; j < b; j++) out[i * b + j] += X[i * b + k] * Y[k * b + j];
  return out;
}

function neumannMinusIdentity(Q: Float64Array, b: number, n: number): Float64Array {
  const D = new Float64Array(b * b);
  let power = Q;
  for (let k = 1; k <= n - 1; k++) {
    const weight = k === n - 1 && n > 2 ? 1 : 2;
    for (let i = 0; i < D.length; i++) D[i] += weight * power[i];
    if (k < n - 1) power = multiply(power, Q, b);
  }
  return D;
}

/** R − I = (I − Q)(I + Q)⁻¹ − I = −2Q(I + Q)⁻¹; I + Q is invertible for skew-symmetric Q. */
function cayleyMinusIdentity(Q: Float64Array, b: number): Float64Array {
  const M = new Float64Array(b * b);
  const inv = new Float64Array(b * b);
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < b; j++) M[i * b + j] = Q[i * b + j] + (i === j ? 1 : 0);
    inv[i * b + i] = 1;
  }
  for (let c = 0; c < b; c++) {
    let pivot = c;
    for (let r = c + 1; r < b; r++) if (Math.abs(M[r * b + c]) > Math.abs(M[pivot * b + c])) pivot = r;
    for (let j = 0; j < b; j++) {
      [M[c * b + j], M[pivot * b + j]] = [M[pivot * b + j], M[c * b + j]];
      [inv[c * b + j], inv[pivot * b + j]] = [inv[pivot * b + j], inv[c * b + j]];
    }
    const p = M[c * b + c];
    for (let j = 0; j < b; j++) {
      M[c * b + j] /= p;
      inv[c * b + j] /= p;
    }
    for (let r = 0; r < b; r++) {
      if (r === c) continue;
      const f = M[r * b + c];
      if (f === 0) continue;
      for (let j = 0; j < b; j++) {
        M[r * b + j] -= f * M[c * b + j];
        inv[r * b + j] -= f * inv[c * b + j];
      }
    }
  }
  const D = multiply(Q, inv, b);
  for (let i = 0; i < D.length; i++) D[i] *= -2;
  return D;
}
