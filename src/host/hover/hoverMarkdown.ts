import { markdownCell, markdownLinkTarget } from '../../core/report/escape';
import type { AdapterMatch, Match, ModuleStats } from './moduleIndex';
import { preferAdapter, type HoverContext } from './preferAdapter';

/** Other adapters linked under the shown one at most; more are counted. */
const MAX_OTHERS = 8;
/** Leading singular values shown for one module. */
const TOP_VALUES = 5;

export interface HoverLabels {
  /** `r95`, or `r90` etc. when the energy level setting differs. */
  readonly energyRank: string;
  /** A `command:` URI that opens the adapter, per weights file. */
  readonly openLink: (file: string) => string;
  /** The adapter's name as shown (usually a workspace-relative path). */
  readonly fileLabel: (file: string) => string;
}

const NO_CONTEXT: HoverContext = { documentPath: null, text: '', workspaceRoot: null };

/**
 * The hover's Markdown for a match: a table of one module's numbers, or a min/median/max
 * summary when the text names a module type (`q_proj`) that many layers share. When several
 * adapters have the name, one is shown (the one the document refers to: preferAdapter), the
 * hover says which and why, and the others are links that open them. Module names come from
 * files, so they go through markdownCell (Markdown and HTML specials escaped, controls shown
 * as escapes).
 */
export function hoverMarkdown(match: Match, labels: HoverLabels, context: HoverContext = NO_CONTEXT): string {
  if (match.adapters.length === 0) return '';
  const { shown, reason, others } = preferAdapter(match.adapters, context);
  const section = adapterSection(shown, labels);
  if (others.length === 0) return section;
  const links = others.slice(0, MAX_OTHERS).map((a) => `[${code(labels.fileLabel(a.adapter.file))}](${markdownLinkTarget(labels.openLink(a.adapter.file))})`);
  const more = others.length - MAX_OTHERS;
  if (more > 0) links.push(`…and ${more} more`);
  const which = `_Shown: ${code(labels.fileLabel(shown.adapter.file))}, ${code(reason)}._`;
  // First, so the hover's height limit never hides which adapter this is.
  return `${which} Also in: ${links.join(' · ')}\n\n---\n\n${section}`;
}

function adapterSection(match: AdapterMatch, labels: HoverLabels): string {
  const { adapter, modules } = match;
  const title = `**LoRA Lens** · ${code(labels.fileLabel(adapter.file))}`;
  const link = `[Open in LoRA Lens](${markdownLinkTarget(labels.openLink(adapter.file))})`;
  const body = modules.length === 1 ? moduleTable(modules[0], labels) : summaryTable(modules, labels);
  return `${title}\n\n${body}\n\n${link}`;
}

function moduleTable(m: ModuleStats, labels: HoverLabels): string {
  const rows: [string, string][] = [
    ['rank', String(m.rank)],
    ['alpha', m.alpha === null ? '—' : num(m.alpha)],
    ['scale', num(m.scale)],
    ['‖ΔW‖_F', num(m.frobenius)],
    ['effective rank', num(m.effectiveRank)],
    [labels.energyRank, m.energyRank === null ? '—' : String(m.energyRank)],
  ];
  if (m.singularValues) {
    const top = Array.from(m.singularValues.subarray(0, TOP_VALUES), (s) => num(s)).join(', ');
    rows.push(['top σ', m.singularValues.length > TOP_VALUES ? `${top}, …` : top]);
  }
  const pending = m.frobenius === null ? '\n\n_analysis pending_' : '';
  return `${code(m.name)}\n\n| | |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}${pending}`;
}

function summaryTable(modules: readonly ModuleStats[], labels: HoverLabels): string {
  const stat = (f: (m: ModuleStats) => number | null): string => {
    const values = modules
      .map(f)
      .filter((v): v is number => v !== null && Number.isFinite(v))
      .sort((a, b) => a - b);
    if (values.length === 0) return '— | — | —';
    return [values[0], median(values), values[values.length - 1]].map((v) => num(v)).join(' | ');
  };
  const rows = [
    ['rank', stat((m) => m.rank)],
    ['scale', stat((m) => m.scale)],
    ['‖ΔW‖_F', stat((m) => m.frobenius)],
    ['effective rank', stat((m) => m.effectiveRank)],
    [labels.energyRank, stat((m) => m.energyRank)],
  ];
  const head = `${modules.length} modules`;
  return `${head}\n\n| | min | median | max |\n|---|---|---|---|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}`;
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function num(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential(3);
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}

/**
 * A name from a file, as Markdown text (markdownCell). Not a code span: inside one a backslash
 * cannot escape itself, so `\|` would end a table cell.
 */
function code(text: string): string {
  return markdownCell(text);
}
