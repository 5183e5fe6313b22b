import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Finding, Identity } from '../core/check/finding';
import { SEVERITIES } from '../core/check/finding';
import { CHECK_SOURCES } from '../core/check/sources';
import { reaches, runCheck, type CheckProgress, type CheckSources, type FileCheck } from '../core/check/runCheck';
import { toSarif } from '../core/check/sarif';
import type { LoadTarget, TargetVerdict } from '../core/check/targets/types';
import { jsonText } from '../core/report/escape';
import type { CheckArgs } from './checkArgs';
import { FINDING_DESCRIPTIONS } from './checkCodes';
import { stepProgress } from './progress';
import { clean } from './table';

declare const LORA_LENS_VERSION: string | undefined;

/** Where the SARIF log's tool points for more about it. */
const INFORMATION_URI = 'https://github.com/lora-lens/lora-lens';
/** How many module names a text line shows before "… and N more". */
const MODULES_SHOWN = 3;
/** How many distinct drop reasons a loader's line shows. */
const REASONS_SHOWN = 3;

/** What the command prints and the exit status it ends with (1 when a finding reaches --fail-on). */
export interface CheckOutcome {
  readonly text: string;
  readonly status: number;
}

/** `lora-lens check`: every path checked in order; any unreadable one ends the run with its typed error (exit 2). */
export async function checkCommand(args: CheckArgs, sources: CheckSources = CHECK_SOURCES, cwd = process.cwd()): Promise<CheckOutcome> {
  // As inspect: the backend the policy picks for each file (auto/auto), ORT on its own thread,
  // and progress on stderr only when it is a terminal, so --json and --sarif stdout stay clean.
  const step = stepProgress(process.stderr, process.stderr.isTTY !== true);
  const compute = { compute: { backend: 'auto', device: 'auto' } as const, ...ortWorker() };
  const onProgress = (p: CheckProgress): void => step(`checking ${clean(basename(p.path))}: ${p.done}/${p.total} modules`);
  let checks: FileCheck[];
  try {
    checks = await runCheck(
      args.paths,
      { ...compute, onProgress, ...(args.base === undefined ? {} : { base: args.base }), ...(args.targets === undefined ? {} : { targets: args.targets }) },
      sources,
    );
  } finally {
    step(null);
  }
  const status = checks.some((c) => reaches(c.findings, args.failOn)) ? 1 : 0;
  return { text: render(checks, args, cwd), status };
}

function render(checks: readonly FileCheck[], args: CheckArgs, cwd: string): string {
  switch (args.output) {
    case 'json':
      return `${jsonText({ files: checks.map((c) => ({ path: c.path, identity: c.identity, targets: c.targets, findings: c.findings })) }, undefined, 2)}\n`;
    case 'sarif': {
      const version = typeof LORA_LENS_VERSION === 'string' ? LORA_LENS_VERSION : 'dev';
      return `${jsonText(toSarif(checks, { name: 'lora-lens', version, informationUri: INFORMATION_URI }, FINDING_DESCRIPTIONS, cwd), undefined, 2)}\n`;
    }
    case 'text':
      return checks.map((c) => fileText(c, args.targets ?? [], cwd)).join('\n');
  }
}

/** The identity card, whether each loader would load it, then the findings grouped by severity, one line each. */
function fileText(check: FileCheck, asked: readonly LoadTarget[], cwd: string): string {
  const shown = relative(cwd, check.path);
  const lines = [clean(shown.startsWith('..') || shown === '' ? check.path : shown), ...identityLines(check.identity), ...loadLines(check.targets, asked)];
  if (check.findings.length === 0) lines.push('  no findings');
  for (const severity of SEVERITIES) {
    const group = check.findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    lines.push(`  ${severity}s (${group.length}):`);
    for (const f of group) lines.push(`    ${findingLine(f)}`);
  }
  return `${lines.join('\n')}\n`;
}

function identityLines(identity: Identity): string[] {
  const arch = identity.architecture;
  return [
    `  container     ${clean(identity.container)}`,
    `  algorithm     ${clean(identity.algorithm)}`,
    `  writer        ${identity.writer ? `${clean(identity.writer.name)} (${clean(identity.writer.evidence)})` : 'unknown'}`,
    `  architecture  ${arch ? `${clean(arch.name)} (confidence ${arch.confidence.toFixed(2)}${arch.evidence.length > 0 ? `; ${arch.evidence.map(clean).join('; ')}` : ''})` : 'unknown'}`,
  ];
}

/**
 * The "will it load" block: a line per judged loader (loads N of M keys, drops K with the
 * reasons, or why it refuses the file), and for an asked loader this build has no rules for,
 * that it was not judged. Nothing when no loader was judged or asked.
 */
function loadLines(verdicts: readonly TargetVerdict[], asked: readonly LoadTarget[]): string[] {
  const unjudged = asked.filter((t) => !verdicts.some((v) => v.target === t));
  if (verdicts.length === 0 && unjudged.length === 0) return [];
  const width = Math.max(...[...verdicts.map((v) => v.target), ...unjudged].map((t) => t.length)) + 2;
  const lines = ['  will it load'];
  for (const v of verdicts) lines.push(`    ${v.target.padEnd(width)}${verdictText(v)}`);
  for (const t of unjudged) lines.push(`    ${t.padEnd(width)}not judged — no rules for this loader in this build`);
  return lines;
}

function verdictText(v: TargetVerdict): string {
  const total = v.loaded.length + v.dropped.length;
  const unfit = v.fit.fits ? '' : ` (does not fit: ${clean(v.fit.reason)})`;
  if (v.refused !== null) return `refused: ${clean(v.refused)}${unfit}`;
  if (v.dropped.length === 0) return `loads ${total} of ${total} keys${unfit}`;
  const reasons = [...new Set(v.dropped.map((d) => d.reason))];
  const shown = reasons.slice(0, REASONS_SHOWN).map(clean).join('; ');
  const more = reasons.length > REASONS_SHOWN ? `; and ${reasons.length - REASONS_SHOWN} more reasons` : '';
  return `loads ${v.loaded.length} of ${total} keys, drops ${v.dropped.length}: ${shown}${more}${unfit}`;
}

/** `CODE [modules] message`: the first few modules and how many more. */
export function findingLine(f: Finding): string {
  const names = f.modules.slice(0, MODULES_SHOWN).map(clean).join(', ');
  const more = f.modules.length > MODULES_SHOWN ? ` and ${f.modules.length - MODULES_SHOWN} more` : '';
  const modules = f.modules.length > 0 ? ` [${names}${more}]` : '';
  const key = f.configKey !== undefined ? ` (adapter_config.json: ${clean(f.configKey)})` : '';
  return `${clean(f.code)}${modules}${key} ${clean(f.message)}`;
}

/** The ORT worker's script beside this bundle in dist/, when there is one (as resize finds it). */
function ortWorker(): { ortWorker?: string } {
  const script = join(__dirname, 'ortWorker.js');
  return existsSync(script) ? { ortWorker: script } : {};
}
