import type { Finding, Identity } from '../../core/check/finding';
import { markdownCell, textSafe } from '../../core/report/escape';
import type { FileCheck } from '../../core/check/runCheck';
import { severityCounts } from './identityCard';

/** Characters of one name in the status bar; the tooltip has it whole. */
const MAX_ITEM_TEXT = 48;
/** Findings named in the tooltip; the Problems panel has them all. */
const MAX_TOOLTIP_FINDINGS = 5;

/** What the status-bar item shows for one adapter. */
export interface StatusContent {
  /** `$(icon) <format> · <architecture> · <N findings>`. */
  readonly text: string;
  /** Markdown, every string from the file escaped (no theme icons, no commands). */
  readonly tooltip: string;
}

/**
 * The status-bar item of an adapter: what it is (writer and algorithm, e.g. "PEFT LoRA"), its
 * base architecture and its findings ("checking…" before the check has run). The icon follows
 * the most serious finding.
 */
export function statusContent(identity: Identity, check: FileCheck | undefined): StatusContent {
  const shown = check?.identity ?? identity;
  const format = formatLabel(shown);
  const arch = shown.architecture?.name ?? 'unknown base';
  const findings = check ? findingsLabel(check.findings) : 'checking…';
  const text = `${icon(check)} ${itemText(format)} · ${itemText(arch)} · ${findings}`;
  return { text, tooltip: tooltipOf(shown, check) };
}

/** The writer and the algorithm ("PEFT LoRA", "kohya sd-scripts LoCon"), or the algorithm alone. */
export function formatLabel(identity: Identity): string {
  return identity.writer ? `${identity.writer.name} ${identity.algorithm}` : identity.algorithm;
}

export function findingsLabel(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'no findings';
  return `${findings.length} finding${findings.length === 1 ? '' : 's'}`;
}

function icon(check: FileCheck | undefined): string {
  if (!check) return '$(sync~spin)';
  const counts = severityCounts(check.findings);
  if (counts.error > 0) return '$(error)';
  if (counts.warning > 0) return '$(warning)';
  if (counts.note > 0) return '$(info)';
  return '$(pass)';
}

/**
 * A name from a file as status-bar text: one line, cut, and no `$(` (the status bar would take
 * it for an icon; it has no escape for it).
 */
export function itemText(name: string): string {
  const line = textSafe(name.replace(/\r\n|[\r\n]/g, ' ')).replaceAll('$(', '$ (');
  return line.length <= MAX_ITEM_TEXT ? line : `${line.slice(0, MAX_ITEM_TEXT - 1)}…`;
}

function tooltipOf(identity: Identity, check: FileCheck | undefined): string {
  const arch = identity.architecture;
  const rows: [string, string][] = [
    ['Container', identity.container],
    ['Algorithm', identity.algorithm],
    ['Writer', identity.writer ? `${identity.writer.name} (${identity.writer.evidence})` : 'unknown'],
    ['Architecture', arch ? `${arch.name}, confidence ${Math.round(arch.confidence * 100)}%` : 'unknown'],
  ];
  const table = `| | |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${markdownCell(v)} |`).join('\n')}`;
  const parts = ['**LoRA Lens** · adapter check', table];
  if (!check) {
    parts.push('Checking…');
  } else {
    const counts = severityCounts(check.findings);
    parts.push(check.findings.length === 0 ? 'No findings.' : `${counts.error} error(s) · ${counts.warning} warning(s) · ${counts.note} note(s)`);
    const listed = check.findings.slice(0, MAX_TOOLTIP_FINDINGS).map((f) => `- ${f.severity} ${markdownCell(f.code)}: ${markdownCell(f.message)}`);
    if (listed.length > 0) parts.push(listed.join('\n'));
    if (check.findings.length > 0) parts.push('Click to open the Problems panel.');
  }
  return parts.join('\n\n');
}
