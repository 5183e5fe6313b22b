import { textSafe as clean } from './escape';
import { formatNumber, formatPercent, formatShape } from './format';
import { fitTable, wrapWords, type TableColumn } from './fitTable';
import type { ModuleJson, ReportJson } from './report';

interface Column extends TableColumn {
  readonly cell: (m: ModuleJson) => string;
  /** What the column means, for the legend. */
  readonly legend: string;
}

const COLUMNS: readonly Column[] = [
  { title: 'kind', right: false, drop: 2, cell: (m) => m.kind, legend: 'the layer kind' },
  { title: 'm×n', right: false, cell: (m) => formatShape(m.shape, m.kernel), legend: "ΔW's shape" },
  { title: 'r', right: true, cell: (m) => String(m.rank), legend: 'the rank stored' },
  { title: 'scale', right: true, cell: (m) => formatNumber(m.scale) + (m.scaleKnown ? '' : '?'), legend: 'the factor in ΔW = scale·B·A (? when guessed)' },
  { title: '‖ΔW‖F', right: true, drop: 5, cell: (m) => formatNumber(m.frobenius), legend: 'the Frobenius norm of ΔW' },
  { title: 'σ1', right: true, drop: 1, cell: (m) => formatNumber(m.sigma1), legend: 'its largest singular value' },
  { title: 'eff.rank', right: true, drop: 4, cell: (m) => formatNumber(m.effectiveRank, 3), legend: 'the entropy effective rank of the spectrum' },
  { title: 'stable', right: true, drop: 0, cell: (m) => formatNumber(m.stableRank, 3), legend: 'the stable rank ‖ΔW‖F²/σ1²' },
  { title: 'r95', right: true, drop: 3, cell: (m) => (m.r95 === null ? '–' : String(m.r95)), legend: 'the rank holding 95% of the energy Σσ²' },
  { title: 'util', right: true, drop: 6, cell: (m) => formatPercent(m.utilization), legend: 'eff.rank / r, how much of the rank is used' },
];

/** Layout of the text report: the width to fit (unbounded when undefined) and whether to explain the columns. */
export interface TextOptions {
  readonly width?: number;
  readonly legend?: boolean;
}

/** How the text report names a container other than safetensors. */
const CONTAINER_NAMES: Readonly<Record<ReportJson['container'], string>> = {
  safetensors: 'safetensors',
  'pytorch-zip': 'PyTorch checkpoint (torch.save zip archive; pickle read as data, never run)',
  'pytorch-legacy': 'PyTorch checkpoint (legacy torch.save format; pickle read as data, never run)',
  gguf: 'GGUF',
};

/**
 * The human-readable report the CLI prints by default. Text from files goes
 * through textSafe; module names are never cut (see fitTable for how the table meets `width`).
 */
export function reportText(report: ReportJson, options: TextOptions = {}): string {
  const out: string[] = [];
  const s = report.summary;
  out.push(`LoRA Lens · ${clean(report.file)}`);
  if (report.container !== 'safetensors') out.push(`  container   ${CONTAINER_NAMES[report.container]}`);
  out.push(`  format      ${clean(report.formatDetail)}`);
  out.push(`  base model  ${clean(report.baseModel ?? 'unknown')}`);
  out.push(
    `  modules     ${s.modules} (${s.analysed} analysed${s.skipped ? `, ${s.skipped} skipped` : ''}) · ${s.adapterParameters.toLocaleString('en-US')} adapter parameters · ${Object.entries(
      s.dtypes,
    )
      .map(([d, n]) => `${d}×${n}`)
      .join(' ')}`,
  );
  const rules = new Set(report.modules.map((m) => m.scaleRule));
  if (rules.size === 1) out.push(`  scale       ${clean([...rules][0])}`);
  else if (rules.size > 1) out.push(`  scale       per module (${rules.size} rules)`);
  if (report.backend) out.push(`  computed    ${computedLine(report)}`);
  const training = report.metadataEntries.filter((e) => e.label !== e.key).slice(0, TRAINING_ITEMS);
  if (training.length > 0) {
    const width = training.reduce((w, e) => Math.max(w, e.label.length), 0);
    training.forEach((e, i) => out.push(`  ${i === 0 ? 'training  ' : '          '}  ${clean(e.label).padEnd(width)}  ${shortValue(e)}`));
  }
  if (report.modules.length > 0) {
    out.push('');
    // One push per line: a spread of 130k module lines exceeds the arguments a call takes.
    for (const line of moduleTable(report.modules, options)) out.push(line);
  }
  const allocated = report.modules.filter((m) => m.learnedAllocation);
  if (allocated.length > 0) {
    out.push('', "AdaLoRA's learned allocation (E_i ≠ 0, from its selection values):");
    for (const m of allocated) {
      const a = m.learnedAllocation;
      if (a) out.push(`  ${clean(m.name)}  kept ${a.learnedRank} of ${a.storedRank}${a.ranknum === null ? '' : ` · ranknum ${formatNumber(a.ranknum, 6)}`}`);
    }
  }
  const mixers = report.modules.filter((m) => m.mixer).length;
  if (mixers > 0) {
    out.push('', `MoSLoRA mixers: ${mixers}. M is only defined up to R⁻¹·M·S, so its σ(M) depends on the basis; --json gives each M against its kaiming_uniform_ init (not I).`);
  }
  if (report.otherTensors.length > 0) {
    const roles = new Map<string, number>();
    for (const t of report.otherTensors) roles.set(t.role, (roles.get(t.role) ?? 0) + 1);
    out.push('', `other tensors: ${[...roles].map(([role, n]) => `${n} ${clean(role)}`).join(', ')}`);
  }
  const warnings = [...report.warnings, ...report.modules.flatMap((m) => m.warnings.map((w) => `${m.name}: ${w}`))];
  if (warnings.length > 0) {
    out.push('', 'warnings:');
    for (const w of warnings) out.push(`  - ${clean(w)}`);
  }
  return `${out.join('\n')}\n`;
}

function moduleTable(modules: readonly ModuleJson[], options: TextOptions): string[] {
  const width = options.width ?? Infinity;
  const rows = modules.map((m) => [clean(m.name), ...COLUMNS.map((c) => c.cell(m))]);
  const { lines, dropped } = fitTable('module', COLUMNS, rows, width);
  if (!options.legend) return lines;
  const shown = COLUMNS.filter((c) => !dropped.includes(c.title));
  const legend = `${shown.map((c) => `${c.title}: ${c.legend}`).join('; ')}.${dropped.length > 0 ? ` Left out at this width: ${dropped.join(', ')} (--json has every column).` : ''}`;
  lines.push('');
  for (const line of wrapWords(legend, width)) lines.push(line);
  return lines;
}

function computedLine(report: ReportJson): string {
  const c = report.compute;
  if (!c) return clean(report.backend ?? '');
  const threads = c.threads ? `, ${c.threads} thread${c.threads === 1 ? '' : 's'}` : '';
  const fallbacks = c.fallbacks ? `; ${c.fallbacks} ill-conditioned factor(s) by Householder` : '';
  const why = c.fallbackReason ? ` (${c.fallbackReason})` : '';
  return clean(`${c.backend}${threads}${fallbacks}${why}`);
}

/** How many labelled metadata entries the overview shows (the JSON report has them all). */
const TRAINING_ITEMS = 8;

function shortValue(entry: ModuleJsonMetadata): string {
  const text = clean(entry.parsed !== undefined ? JSON.stringify(entry.parsed) : entry.value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

type ModuleJsonMetadata = ReportJson['metadataEntries'][number];
