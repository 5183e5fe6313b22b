import type { GlFactors } from '../factorsInput';
import { matmul, matmulNt, matmulTn } from './smallMatmul';

/**
 * One module's equivariant stack of a GL-net, for one adapter, after the paper's EquivariantMLP
 * (Putterman et al., "Learning on LoRAs"; moeputt/LoL, diffusion/models/models.py,
 * EquivariantLinear, GLNonlin, EquivariantMLP.forward, InvariantOutput). U (m×r) and V (n×r)
 * transform as (U·R, V·R⁻ᵀ) under the adapter's symmetry; every step multiplies on the left
 * only, so it commutes with R:
 *   X₁ = (W_U¹/c)·U, Y₁ = W_V¹·V                      widths h₁×r; c the module's scale (glnetScale.ts)
 *   for l = 2…L:
 *     s = X(Yᵀ1), t = Y(Xᵀ1)                          row / column sums of X·Yᵀ, never formed
 *     X ← W_Uˡ·diag(H(s))·X, Y ← W_Vˡ·diag(H(t))·Y      the gate H(x) = (1 + sign x)/2, then h_l×h_{l−1}
 *   P_l = X_l·Y_lᵀ (h_l×h_l) after every layer l      R·R⁻¹ cancels: invariant
 * s and t are invariant, so the gates keep X, Y equivariant and every P_l invariant. The paper's
 * head reads the last layer's P only; this one reads every layer's (a skip to the head). Why:
 * P₁ = W_U¹·ΔW·W_V¹ᵀ/c is linear in ΔW, but the gate flips with ΔW → −ΔW (s is linear in ΔW),
 * so the gated layers cannot pass a target that is odd in ΔW, such as ⟨T, ΔW⟩; with the last
 * P only, a two-layer net scored R² ≈ −0.1 on uᵀΔWv where one layer scored 0.92. No slog:
 * c already keeps P near O(1), and a log would bend exactly those linear targets.
 * Beside P, three spectral traces ln(ε + tr(Mᵏ)), k = 1…3, M = (UᵀU)(VᵀV) (r×r), i.e. ln Σσ²,
 * ln Σσ⁴, ln Σσ⁶ of ΔW = U·Vᵀ. Every product is r×r, h×r or h×h, so a large module costs
 * O((m + n)·r·h + L·h²·r), never m·n.
 */
const TRACE_FEATURES = 3;
/** Keeps ln finite for an all-zero module; far below any σ⁶ a stored adapter has. */
export const TRACE_EPSILON = 1e-30;

/** Features per module: P₁…P_L (Σ h_l², each row-major), then the traces. */
export function moduleFeatureCount(widths: readonly number[]): number {
  return bilinearFeatureCount(widths) + TRACE_FEATURES;
}

export function bilinearFeatureCount(widths: readonly number[]): number {
  return widths.reduce((s, h) => s + h * h, 0);
}

/** One module's weights, layer by layer: W_U¹ (h₁×m), W_V¹ (h₁×n), then W_Uˡ, W_Vˡ (h_l×h_{l−1}). */
export interface ModuleWeights {
  readonly WU: readonly Float64Array[];
  readonly WV: readonly Float64Array[];
}

/** What the backward pass needs of one module's forward pass. */
export interface LayerCache {
  /** X, Y after each layer (before the next gate). */
  readonly X: readonly Float64Array[];
  readonly Y: readonly Float64Array[];
  /** Gate values before layer l + 1 (index l − 1), and the gated inputs it multiplies. */
  readonly gX: readonly Float64Array[];
  readonly gY: readonly Float64Array[];
  readonly Xg: readonly Float64Array[];
  readonly Yg: readonly Float64Array[];
}

/** Gate values H(X·(Yᵀ1)) of the rows of X (h×r) and the gated X. */
function gate(X: Float64Array, Y: Float64Array, h: number, r: number): { readonly gated: Float64Array; readonly g: Float64Array } {
  const colSums = new Float64Array(r);
  for (let a = 0; a < h; a++) for (let k = 0; k < r; k++) colSums[k] += Y[a * r + k];
  const g = new Float64Array(h);
  const gated = new Float64Array(h * r);
  for (let a = 0; a < h; a++) {
    let s = 0;
    for (let k = 0; k < r; k++) s += X[a * r + k] * colSums[k];
    g[a] = (1 + Math.sign(s)) / 2;
    for (let k = 0; k < r; k++) gated[a * r + k] = g[a] * X[a * r + k];
  }
  return { gated, g };
}

/**
 * W_U¹·(1/c), entry by entry: the first layer's effective weights, which the ONNX export stores
 * as they are. Scaling the weights rather than X₁ keeps the two bit-identical: onnxruntime fuses
 * a MatMul followed by a Mul with a scalar into one FusedMatMul whose alpha is a float32
 * attribute, which moved outputs by ~1e-8 relative.
 */
export function scaledFirstLayer(WU: Float64Array, inverseScale: number): Float64Array {
  return WU.map((v) => v * inverseScale);
}

/**
 * Writes P₁…P_L into `out` from `at`; `widths` are h₁…h_L and `inverseScale` is 1/c. Returns
 * the cache for the backward pass.
 */
export function layerForward(f: GlFactors, w: ModuleWeights, widths: readonly number[], inverseScale: number, out: Float64Array, at: number): LayerCache {
  const X: Float64Array[] = [matmul(scaledFirstLayer(w.WU[0], inverseScale), f.U, widths[0], f.m, f.r)];
  const Y: Float64Array[] = [matmul(w.WV[0], f.V, widths[0], f.n, f.r)];
  const gX: Float64Array[] = [];
  const gY: Float64Array[] = [];
  const Xg: Float64Array[] = [];
  const Yg: Float64Array[] = [];
  for (let l = 1; l < widths.length; l++) {
    const u = gate(X[l - 1], Y[l - 1], widths[l - 1], f.r);
    const v = gate(Y[l - 1], X[l - 1], widths[l - 1], f.r);
    gX.push(u.g);
    gY.push(v.g);
    Xg.push(u.gated);
    Yg.push(v.gated);
    X.push(matmul(w.WU[l], u.gated, widths[l], widths[l - 1], f.r));
    Y.push(matmul(w.WV[l], v.gated, widths[l], widths[l - 1], f.r));
  }
  let offset = at;
  widths.forEach((h, l) => {
    out.set(matmulNt(X[l], Y[l], h, f.r, h), offset);
    offset += h * h;
  });
  return { X, Y, gX, gY, Xg, Yg };
}

/**
 * Adds dLoss/dW into `grad` (same layout as `w`) given dLoss/dP₁…P_L (from `at` of dFeatures).
 * The gates are piecewise constant (zero derivative off the measure-zero set s = 0).
 */
export function layerBackward(
  f: GlFactors,
  w: ModuleWeights,
  widths: readonly number[],
  inverseScale: number,
  cache: LayerCache,
  dFeatures: Float64Array,
  at: number,
  grad: ModuleWeights,
): void {
  const L = widths.length;
  const starts: number[] = [];
  widths.reduce((o, h) => (starts.push(o), o + h * h), at);
  let dX: Float64Array = new Float64Array(widths[L - 1] * f.r);
  let dY: Float64Array = new Float64Array(widths[L - 1] * f.r);
  for (let l = L - 1; l >= 0; l--) {
    const h = widths[l];
    const dP = dFeatures.subarray(starts[l], starts[l] + h * h);
    addInto(dX, matmul(dP, cache.Y[l], h, h, f.r));
    addInto(dY, matmulTn(dP, cache.X[l], h, h, f.r));
    if (l === 0) break;
    addInto(grad.WU[l], matmulNt(dX, cache.Xg[l - 1], h, f.r, widths[l - 1]));
    addInto(grad.WV[l], matmulNt(dY, cache.Yg[l - 1], h, f.r, widths[l - 1]));
    const dXg = matmulTn(w.WU[l], dX, h, widths[l - 1], f.r);
    const dYg = matmulTn(w.WV[l], dY, h, widths[l - 1], f.r);
    const gx = cache.gX[l - 1];
    const gy = cache.gY[l - 1];
    for (let a = 0; a < widths[l - 1]; a++)
      for (let k = 0; k < f.r; k++) {
        dXg[a * f.r + k] *= gx[a];
        dYg[a * f.r + k] *= gy[a];
      }
    dX = dXg;
    dY = dYg;
  }
  addInto(
    grad.WU[0],
    matmulNt(dX, f.U, widths[0], f.r, f.m).map((v) => v * inverseScale),
  );
  addInto(grad.WV[0], matmulNt(dY, f.V, widths[0], f.r, f.n));
}

function addInto(target: Float64Array, d: Float64Array): void {
  for (let i = 0; i < d.length; i++) target[i] += d[i];
}

/** ln(ε + tr(Mᵏ)), k = 1…3, M = (UᵀU)(VᵀV): functions of ΔW's singular values only. */
export function traceFeatures(f: GlFactors): Float64Array {
  const GU = matmulTn(f.U, f.U, f.m, f.r, f.r);
  const GV = matmulTn(f.V, f.V, f.n, f.r, f.r);
  const M = matmul(GU, GV, f.r, f.r, f.r);
  const M2 = matmul(M, M, f.r, f.r, f.r);
  let t1 = 0;
  let t2 = 0;
  let t3 = 0;
  for (let i = 0; i < f.r; i++)
    for (let j = 0; j < f.r; j++) {
      t1 += GU[i * f.r + j] * GV[i * f.r + j];
      t2 += M[i * f.r + j] * M[j * f.r + i];
      t3 += M2[i * f.r + j] * M[j * f.r + i];
    }
  return Float64Array.of(Math.log(TRACE_EPSILON + t1), Math.log(TRACE_EPSILON + t2), Math.log(TRACE_EPSILON + t3));
}
