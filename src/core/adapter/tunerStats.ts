import type { TensorSource } from '../container/source';
import type { AdaptedModule } from './model';
import { oftRotationDistance } from './oftStats';

/** Scaling vectors longer than this are not read at open (the statistics are a note, not a cost). */
const MAX_VECTOR = 1 << 20;

const fmt = (x: number): string => String(Number(x.toPrecision(4)));

/**
 * (IA)³ modules (PEFT `ia3_l`, listed by tuners.ts): the learned vector l rescales the layer's
 * output or input, so ΔW = (diag(l) − I)·W; without the base weight the file still says how far
 * l is from the identity. Adds min, max, mean and ‖l − 1‖₂ to each such module's note; OFT
 * modules get ‖R − I‖_F of their rotation (oftStats.ts), ΔW = (R − I)·W then being bounded by
 * ‖R − I‖_F·‖W‖₂.
 */
export async function withTunerStatistics(file: TensorSource, modules: readonly AdaptedModule[], config: Readonly<Record<string, unknown>>): Promise<AdaptedModule[]> {
  const out: AdaptedModule[] = [];
  for (const m of modules) {
    const oft = m.factors === null && m.tensors.weight?.endsWith('.oft_R.weight') ? file.header.byName.get(m.tensors.weight) : undefined;
    if (oft && oft.shape.length === 2 && oft.elements > 0 && oft.elements <= MAX_VECTOR) {
      const values = await file.readFloat64(oft).catch(() => null);
      const found = values ? oftRotationDistance(values, oft.shape[0], config) : null;
      out.push(
        found ? { ...m, warnings: [...m.warnings, `‖R − I‖_F = ${fmt(found.distance)} over ${oft.shape[0]} blocks of ${found.blockSize}×${found.blockSize} (${found.rule})`] } : m,
      );
      continue;
    }
    const name = m.factors === null ? m.tensors.ia3_l : undefined;
    const info = name ? file.header.byName.get(name) : undefined;
    if (!info || info.elements === 0 || info.elements > MAX_VECTOR) {
      out.push(m);
      continue;
    }
    let values: Float64Array;
    try {
      values = await file.readFloat64(info);
    } catch {
      out.push(m);
      continue;
    }
    let [min, max, sum, dev] = [Infinity, -Infinity, 0, 0];
    for (const v of values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      dev += (v - 1) * (v - 1);
    }
    const stats = `l has ${values.length} values: min ${fmt(min)}, max ${fmt(max)}, mean ${fmt(sum / values.length)}, ‖l − 1‖₂ = ${fmt(Math.sqrt(dev))}`;
    out.push({ ...m, warnings: [...m.warnings, stats] });
  }
  return out;
}
