import { relative, sep } from 'node:path';
import { ConfigIndex } from './configLocation';
import type { Finding, Severity } from './finding';
import type { FileCheck } from './runCheck';

// SARIF 2.1.0 (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html): the
// objects emitted here are sarifLog, run, tool/toolComponent, reportingDescriptor, result,
// location, physicalLocation, artifactLocation, region and logicalLocation.

export const SARIF_VERSION = '2.1.0';
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/** The uriBaseId every artifact location is relative to: the folder the command ran in. */
export const SARIF_BASE_ID = 'SRCROOT';
/** How many modules one result names as logical locations; the message gives the full count. */
export const MAX_LOGICAL_LOCATIONS = 50;

export interface SarifTool {
  readonly name: string;
  readonly version: string;
  readonly informationUri: string;
}

/** A rule's one-line description, by finding code; a code without one gets its code as text. */
export type RuleDescriptions = Readonly<Record<string, string>>;

/**
 * The 1-based line of `key` as a member of the top-level object of JSON `text`, or null: the
 * config index the Problems panel places findings with (one bounded scan, no pattern built from
 * the key), so SARIF and the editor agree on the line.
 */
export function keyLine(text: string, key: string): number | null {
  const index = new ConfigIndex(text);
  const found = index.topLevel(key);
  return found?.key ? index.positionAt(found.key.start).line + 1 : null;
}

function level(severity: Severity): 'error' | 'warning' | 'note' {
  return severity;
}

/** A path relative to `cwd` with `/` separators, as a URI reference (each segment percent-encoded). */
export function relativeUri(path: string, cwd: string): string {
  return relative(cwd, path).split(sep).map(encodeURIComponent).join('/');
}

function result(check: FileCheck, finding: Finding, cwd: string): Record<string, unknown> {
  const locations: Record<string, unknown>[] = [{ physicalLocation: { artifactLocation: { uri: relativeUri(check.path, cwd), uriBaseId: SARIF_BASE_ID } } }];
  if (finding.configKey !== undefined && check.config) {
    const line = keyLine(check.config.text, finding.configKey);
    locations.unshift({
      physicalLocation: {
        artifactLocation: { uri: relativeUri(check.config.path, cwd), uriBaseId: SARIF_BASE_ID },
        ...(line === null ? {} : { region: { startLine: line } }),
      },
    });
  }
  const logical = finding.modules.slice(0, MAX_LOGICAL_LOCATIONS).map((name) => ({ name, kind: 'module' }));
  if (logical.length > 0) locations[0] = { ...locations[0], logicalLocations: logical };
  return { ruleId: finding.code, level: level(finding.severity), message: { text: finding.message }, locations };
}

/** The SARIF 2.1.0 log of a check: one run, a rule per finding code, a result per finding. */
export function toSarif(checks: readonly FileCheck[], tool: SarifTool, descriptions: RuleDescriptions, cwd: string): Record<string, unknown> {
  const rules = new Map<string, Severity>();
  for (const check of checks) for (const f of check.findings) if (!rules.has(f.code)) rules.set(f.code, f.severity);
  const codes = [...rules.keys()].sort();
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            informationUri: tool.informationUri,
            rules: codes.map((id) => ({ id, shortDescription: { text: descriptions[id] ?? id }, defaultConfiguration: { level: level(rules.get(id) ?? 'warning') } })),
          },
        },
        results: checks.flatMap((check) => check.findings.map((f) => result(check, f, cwd))),
      },
    ],
  };
}
