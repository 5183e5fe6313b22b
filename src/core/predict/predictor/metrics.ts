/**
 * Cross-validation metrics. Each takes held-out truths and predictions in the same order.
 * NaN where a metric is undefined (R² of a constant target, τ of a constant ranking, AUC with
 * one class only): a number that cannot be computed is not reported as 0.
 */

/** R² = 1 − SS_res / SS_tot, with ȳ of the held-out truths (can be negative: worse than the mean). */
export function rSquared(truth: ArrayLike<number>, predicted: ArrayLike<number>): number {
  const n = truth.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i] / n;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    res += (truth[i] - predicted[i]) ** 2;
    tot += (truth[i] - mean) ** 2;
  }
  return tot > 0 ? 1 - res / tot : NaN;
}

/** Kendall's τ-b (ties in either ranking handled), O(n²): zoo sizes are hundreds at most. */
export function kendallTau(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i] - a[j]);
      const db = Math.sign(b[i] - b[j]);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denominator > 0 ? (concordant - discordant) / denominator : NaN;
}

/** Fraction of rows whose most probable class is the true one; `probabilities` row-major n×c. */
export function accuracy(truth: readonly number[], probabilities: Float64Array, classes: number): number {
  let right = 0;
  truth.forEach((t, i) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[i * classes + c] > probabilities[i * classes + best]) best = c;
    if (best === t) right++;
  });
  return truth.length > 0 ? right / truth.length : NaN;
}

/**
 * ROC AUC: binary, the probability that a positive outranks a negative (ties count half), the
 * Mann–Whitney form; with more classes the mean of one-vs-rest AUCs over classes present both
 * ways in the held-out rows.
 */
export function auc(truth: readonly number[], probabilities: Float64Array, classes: number): number {
  const perClass: number[] = [];
  for (let c = classes === 2 ? 1 : 0; c < classes; c++) {
    const pos: number[] = [];
    const neg: number[] = [];
    truth.forEach((t, i) => (t === c ? pos : neg).push(probabilities[i * classes + c]));
    if (pos.length === 0 || neg.length === 0) continue;
    let wins = 0;
    for (const p of pos) for (const q of neg) wins += p > q ? 1 : p === q ? 0.5 : 0;
    perClass.push(wins / (pos.length * neg.length));
  }
  return perClass.length > 0 ? perClass.reduce((a, b) => a + b, 0) / perClass.length : NaN;
}
