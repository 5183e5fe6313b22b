import type { IdentityCardPayload, SeverityName } from '../../src/protocol/checkPayloads';

/** One fact of the card: label, value, and the evidence behind the value when there is some. */
export interface IdentityFact {
  readonly label: string;
  readonly value: string;
  readonly evidence: readonly string[];
}

export interface CardFinding {
  readonly code: string;
  readonly severity: SeverityName;
  readonly message: string;
  /** The first modules it concerns, and how many more there are (empty for a file-wide finding). */
  readonly modules: string;
}

export interface IdentityCardModel {
  readonly facts: readonly IdentityFact[];
  /** `checking` before the check has run, `clean` with no findings, else the most serious severity. */
  readonly status: 'checking' | 'clean' | SeverityName;
  /** "checking…", "no findings", or the counts ("1 error · 2 warnings"). */
  readonly summary: string;
  /** The per-severity counts that are not zero, most serious first. */
  readonly counts: readonly { readonly severity: SeverityName; readonly count: number }[];
  readonly findings: readonly CardFinding[];
  /** Findings not listed on the card (the Problems panel lists them). */
  readonly more: number;
}

const SEVERITIES: readonly SeverityName[] = ['error', 'warning', 'note'];

/** The Identity card as text: what the file is, then what the check found. */
export function identityCardModel(card: IdentityCardPayload): IdentityCardModel {
  const { identity, check } = card;
  const arch = identity.architecture;
  const facts: IdentityFact[] = [
    { label: 'Container', value: identity.container, evidence: [] },
    { label: 'Algorithm', value: identity.algorithm, evidence: [] },
    { label: 'Writer', value: identity.writer?.name ?? 'unknown', evidence: identity.writer ? [identity.writer.evidence] : [] },
    { label: 'Architecture', value: arch ? `${arch.name} (confidence ${Math.round(arch.confidence * 100)}%)` : 'unknown', evidence: arch?.evidence ?? [] },
  ];
  if (check.kind === 'checking') return { facts, status: 'checking', summary: 'checking…', counts: [], findings: [], more: 0 };
  const counts = SEVERITIES.filter((s) => check.counts[s] > 0).map((severity) => ({ severity, count: check.counts[severity] }));
  const total = SEVERITIES.reduce((sum, s) => sum + check.counts[s], 0);
  const findings = check.findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message, modules: moduleList(f.modules, f.moduleCount) }));
  return {
    facts,
    status: counts[0]?.severity ?? 'clean',
    summary: counts.length === 0 ? 'no findings' : counts.map(({ severity, count }) => plural(count, severity)).join(' · '),
    counts,
    findings,
    more: Math.max(0, total - findings.length),
  };
}

function moduleList(modules: readonly string[], count: number): string {
  if (modules.length === 0) return '';
  const rest = count - modules.length;
  return rest > 0 ? `${modules.join(', ')} and ${rest} more` : modules.join(', ');
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
