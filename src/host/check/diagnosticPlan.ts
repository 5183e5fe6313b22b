import type { ConfigFix, Finding, Severity } from '../../core/check/finding';
import type { FileCheck } from '../../core/check/runCheck';
import { ConfigIndex, locateConfigKey, type TextPosition } from '../../core/check/configLocation';

/** Modules listed one by one in a problem's related information; the rest are counted in one more line. */
export const MAX_RELATED_MODULES = 20;

/**
 * One Problems-panel entry, before it becomes a vscode.Diagnostic: which file, where, what. A
 * finding whose cause is a config key is placed on that key in adapter_config.json (the weights
 * file follows as related information); every other finding, and one whose key is not in the
 * text, is placed at the top of the weights file.
 */
export interface PlannedProblem {
  readonly path: string;
  readonly start: TextPosition;
  readonly end: TextPosition;
  readonly severity: Severity;
  readonly code: string;
  readonly message: string;
  /** Related information: the weights file (for a config problem), then the modules, bounded. */
  readonly related: readonly { readonly path: string; readonly message: string }[];
}

const TOP: TextPosition = { line: 0, character: 0 };

/** The Problems-panel entries of one checked file, in the check's order (most serious first). */
export function planProblems(check: FileCheck): PlannedProblem[] {
  // One index of the config text for all findings: a scan per finding would grow with their number.
  const index = check.config ? new ConfigIndex(check.config.text) : null;
  return check.findings.map((finding) => {
    const place = configPlace(check, index, finding) ?? { path: check.path, start: TOP, end: TOP };
    const related = [
      ...(place.path === check.path ? [] : [{ path: check.path, message: 'the adapter weights this finding is about' }]),
      ...moduleLines(check.path, finding.modules),
    ];
    return { ...place, severity: finding.severity, code: finding.code, message: finding.message, related };
  });
}

/** The key's place in adapter_config.json: from the key to the end of its value when that is on the same line, else the key (or an array entry) alone. */
function configPlace(check: FileCheck, index: ConfigIndex | null, finding: Finding): Pick<PlannedProblem, 'path' | 'start' | 'end'> | null {
  if (finding.configKey === undefined || !check.config || !index) return null;
  const found = index.locate(finding.configKey);
  if (!found) return null;
  const first = found.key ?? found.value;
  const start = index.positionAt(first.start);
  const valueEnd = index.positionAt(found.value.end);
  const end = valueEnd.line === start.line ? valueEnd : index.positionAt(first.end);
  return { path: check.config.path, start, end };
}

function moduleLines(path: string, modules: readonly string[]): PlannedProblem['related'] {
  const listed = modules.slice(0, MAX_RELATED_MODULES).map((name) => ({ path, message: `module ${name}` }));
  const more = modules.length - listed.length;
  return more > 0 ? [...listed, { path, message: `and ${more} more module${more === 1 ? '' : 's'}` }] : listed;
}

/** A replacement in a text: [start, end) offsets and the new text. */
export interface TextReplacement {
  readonly start: number;
  readonly end: number;
  readonly newText: string;
}

/**
 * The edit a quick fix makes to adapter_config.json's current text: the fix's key's value
 * replaced by the fixed number, nothing else touched. Null when the key is no longer there or
 * the value cannot be written as JSON.
 */
export function fixReplacement(text: string, fix: ConfigFix): TextReplacement | null {
  if (!Number.isFinite(fix.value)) return null;
  const found = locateConfigKey(text, fix.configKey);
  if (!found) return null;
  return { start: found.value.start, end: found.value.end, newText: JSON.stringify(fix.value) };
}
