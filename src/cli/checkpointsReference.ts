import { formatNumber } from '../core/report/format';
import type { CheckpointSeries, ReferenceSeries } from '../core/subspace/checkpoints';
import { clean, shortName, textTable } from './table';

type Pick = (s: ReferenceSeries) => readonly (number | null)[];

const MEASURES: readonly { readonly title: string; readonly pick: Pick }[] = [
  { title: '|cos u|', pick: (s) => s.alignmentU },
  { title: '|cos v|', pick: (s) => s.alignmentV },
  { title: 'error', pick: (s) => s.recoveryError },
  { title: 'σ1/θ', pick: (s) => s.sigma1Ratio },
];

/**
 * The text of `checkpoints --reference`: one row per checkpoint with each measure's mean over
 * the modules the reference covers (the curves of Dayi & Chen by step), then one row per module
 * with its first and last checkpoint (the whole series per module is in --json).
 */
export function referenceText(s: CheckpointSeries, labels: readonly string[]): string[] {
  const ref = s.reference;
  if (!ref) return [];
  const out: string[] = ['', `against ${clean(ref.file)} (${ref.kind === 'uv' ? 'θ·u·vᵀ per module' : ref.kind === 'delta_w' ? 'ΔW_ref per module' : 'u/v and ΔW_ref entries'}):`];
  const series = s.modules.flatMap((m) => (m.againstReference ? [m.againstReference] : []));
  if (series.length === 0) {
    out.push('  no module of the final checkpoint has a reference entry');
    return out;
  }
  const meanAt = (pick: Pick, t: number): number | null => {
    const values = series.flatMap((x) => {
      const v = pick(x)[t];
      return v === null ? [] : [v];
    });
    return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
  };
  const stepRows = labels.map((label, t) => [label, ...MEASURES.map((m) => formatNumber(meanAt(m.pick, t)))]);
  out.push(`mean over ${series.length} module${series.length === 1 ? '' : 's'}:`, ...textTable(['checkpoint', ...MEASURES.map((m) => m.title)], stepRows));
  const first = 0;
  const last = labels.length - 1;
  const moduleRows = s.modules.flatMap((m) => {
    const r = m.againstReference;
    if (!r) return [];
    return [[shortName(m.name), ...MEASURES.flatMap((x) => [formatNumber(x.pick(r)[first]), formatNumber(x.pick(r)[last])])]];
  });
  const header = ['module', ...MEASURES.flatMap((m) => [`${m.title} ${labels[first]}`, `${m.title} ${labels[last]}`])];
  out.push('', 'per module, first and last checkpoint:', ...textTable(header, moduleRows));
  if (ref.unreferenced.length > 0) out.push('', `no reference entry (not measured): ${ref.unreferenced.map(shortName).join(', ')}`);
  out.push(
    '',
    "|cos u|, |cos v| = alignment of ΔW_t's top left/right singular vectors with the reference's u, v; error = ‖ΔW_t − ΔW_ref‖F / ‖ΔW_ref‖F (ΔW_ref = θ·u·vᵀ); σ1/θ = σ1(ΔW_t) / ‖ΔW_ref‖F",
  );
  return out;
}
