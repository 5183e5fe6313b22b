import type { LayerAnalysis, LayerRow } from '../../../src/protocol/payloads';

/** Layer rows and results for view-model tests, with only the fields a test names set apart. */
export function layerRow(index: number, fields: Partial<LayerRow> = {}): LayerRow {
  return {
    index,
    name: `model.layers.${index}.self_attn.q_proj`,
    kind: 'linear',
    rows: 64,
    cols: 64,
    rank: 8,
    alpha: 16,
    scale: 2,
    scaleRule: 'lora_alpha / r = 16 / 8',
    block: `model.layers.${index}`,
    depth: index,
    moduleType: 'self_attn.q_proj',
    family: 'attention',
    hasMixer: false,
    warnings: [],
    ...fields,
  };
}

/** An analysed layer with these singular values; metrics computed here directly from the definitions. */
export function analysed(index: number, sigma: readonly number[], rank = sigma.length): LayerAnalysis {
  const total = sigma.reduce((s, v) => s + v * v, 0);
  const p = sigma.map((v) => (v * v) / total);
  const entropy = -p.reduce((s, q) => (q > 0 ? s + q * Math.log(q) : s), 0);
  const energyRank = (level: number) => {
    let acc = 0;
    for (let k = 0; k < p.length; k++) if ((acc += p[k]) >= level - 1e-12) return k + 1;
    return p.length;
  };
  return {
    index,
    status: 'ok',
    singularValues: Float64Array.from(sigma),
    metrics: {
      frobenius: Math.sqrt(total),
      sigma1: sigma[0],
      effectiveRank: Math.exp(entropy),
      stableRank: total / (sigma[0] * sigma[0]),
      r90: energyRank(0.9),
      r95: energyRank(0.95),
      r99: energyRank(0.99),
      utilization: Math.exp(entropy) / rank,
      dominanceRatio: sigma.length > 1 && sigma[1] > 0 ? sigma[0] / sigma[1] : null,
      topEnergy: p[0],
    },
    core: null,
    mixer: null,
    warnings: [],
  };
}

export function skipped(index: number, reason = 'missing partner'): LayerAnalysis {
  return { index, status: 'skipped', reason };
}
