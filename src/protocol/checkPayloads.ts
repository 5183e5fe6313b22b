/**
 * What the Overview's Identity card shows: what the file is (known from the header at once) and
 * what the check found (once it has run). Every string comes from a file or is built from one
 * (module names, metadata values): untrusted text. The core's Identity and Finding are repeated
 * here, trimmed, since the webview compiles against `src/protocol/` alone.
 */

export type SeverityName = 'error' | 'warning' | 'note';

export interface IdentityPayload {
  readonly container: string;
  /** LoRA, LoCon, LoHa, LoKr, DoRA, rsLoRA, AdaLoRA, … */
  readonly algorithm: string;
  /** The trainer or writer when the evidence shows it, with that evidence. */
  readonly writer: { readonly name: string; readonly evidence: string } | null;
  /** The inferred base architecture, a confidence in [0, 1] and the evidence for it. */
  readonly architecture: { readonly name: string; readonly confidence: number; readonly evidence: readonly string[] } | null;
}

/** One finding, its modules cut to the first few (`moduleCount` says how many there are). */
export interface FindingPayload {
  readonly code: string;
  readonly severity: SeverityName;
  readonly message: string;
  readonly modules: readonly string[];
  readonly moduleCount: number;
}

export type CheckState =
  /** The check has not reported yet. */
  | { readonly kind: 'checking' }
  /** `findings` are the first few, most serious first; `counts` count them all. */
  | { readonly kind: 'checked'; readonly counts: Readonly<Record<SeverityName, number>>; readonly findings: readonly FindingPayload[] };

export interface IdentityCardPayload {
  readonly identity: IdentityPayload;
  readonly check: CheckState;
}

/** Findings the card lists; the Problems panel has them all. */
export const MAX_CARD_FINDINGS = 5;
/** Modules named per finding on the card. */
export const MAX_CARD_MODULES = 3;
/** Evidence lines per architecture on the card. */
export const MAX_CARD_EVIDENCE = 12;
/** Characters of any one string on the card; a longer one is cut with an ellipsis. */
export const MAX_CARD_TEXT = 2000;

const SEVERITY_NAMES: readonly SeverityName[] = ['error', 'warning', 'note'];

/**
 * The card's payload as it arrived over the wire, checked field by field (messages are data):
 * null when its shape is wrong; lists and strings past the card's bounds are cut.
 */
export function checkedIdentityCard(raw: unknown): IdentityCardPayload | null {
  const o = record(raw);
  const identity = checkedIdentity(o?.identity);
  const check = checkedState(o?.check);
  return identity && check ? { identity, check } : null;
}

function checkedIdentity(raw: unknown): IdentityPayload | null {
  const o = record(raw);
  if (!o || typeof o.container !== 'string' || typeof o.algorithm !== 'string') return null;
  const w = record(o.writer);
  const a = record(o.architecture);
  if (o.writer !== null && (!w || typeof w.name !== 'string' || typeof w.evidence !== 'string')) return null;
  if (o.architecture !== null && (!a || typeof a.name !== 'string' || !isFraction(a.confidence) || !stringList(a.evidence))) return null;
  return {
    container: text(o.container),
    algorithm: text(o.algorithm),
    writer: w ? { name: text(w.name as string), evidence: text(w.evidence as string) } : null,
    architecture: a ? { name: text(a.name as string), confidence: a.confidence as number, evidence: (a.evidence as string[]).slice(0, MAX_CARD_EVIDENCE).map(text) } : null,
  };
}

function checkedState(raw: unknown): CheckState | null {
  const o = record(raw);
  if (o?.kind === 'checking') return { kind: 'checking' };
  if (o?.kind !== 'checked' || !Array.isArray(o.findings)) return null;
  const c = record(o.counts);
  if (!c || !SEVERITY_NAMES.every((s) => isCount(c[s]))) return null;
  const findings: FindingPayload[] = [];
  for (const f of (o.findings as unknown[]).slice(0, MAX_CARD_FINDINGS)) {
    const checked = checkedFinding(f);
    if (!checked) return null;
    findings.push(checked);
  }
  return { kind: 'checked', counts: { error: c.error as number, warning: c.warning as number, note: c.note as number }, findings };
}

function checkedFinding(raw: unknown): FindingPayload | null {
  const f = record(raw);
  if (!f || typeof f.code !== 'string' || typeof f.message !== 'string' || !SEVERITY_NAMES.includes(f.severity as SeverityName)) return null;
  if (!stringList(f.modules) || !isCount(f.moduleCount)) return null;
  const modules = (f.modules as string[]).slice(0, MAX_CARD_MODULES).map(text);
  return { code: text(f.code), severity: f.severity as SeverityName, message: text(f.message), modules, moduleCount: Math.max(f.moduleCount as number, modules.length) };
}

function record(raw: unknown): Record<string, unknown> | null {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
}

function stringList(raw: unknown): boolean {
  return Array.isArray(raw) && raw.every((s) => typeof s === 'string');
}

function isCount(raw: unknown): boolean {
  return typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0;
}

function isFraction(raw: unknown): boolean {
  return typeof raw === 'number' && raw >= 0 && raw <= 1;
}

/** A string cut to the card's bound. */
export function cardText(s: string): string {
  return s.length <= MAX_CARD_TEXT ? s : `${s.slice(0, MAX_CARD_TEXT - 1)}…`;
}

const text = cardText;
