import type { Finding, Identity } from '../../core/check/finding';
import type { FileCheck } from '../../core/check/runCheck';
import { cardText, MAX_CARD_EVIDENCE, MAX_CARD_FINDINGS, MAX_CARD_MODULES, type FindingPayload, type IdentityCardPayload, type SeverityName } from '../../protocol/checkPayloads';

/**
 * The Identity card of an adapter: `identity` is what identify() says from the header (shown at
 * once); `check`, once the check of that file has run, gives its findings (and its identity,
 * which is the same function's on the same file). Lists and strings are cut to the card's bounds.
 */
export function identityCardOf(identity: Identity, check: FileCheck | undefined): IdentityCardPayload {
  const shown = check?.identity ?? identity;
  return {
    identity: {
      container: cardText(shown.container),
      algorithm: cardText(shown.algorithm),
      writer: shown.writer ? { name: cardText(shown.writer.name), evidence: cardText(shown.writer.evidence) } : null,
      architecture: shown.architecture
        ? {
            name: cardText(shown.architecture.name),
            confidence: fraction(shown.architecture.confidence),
            evidence: shown.architecture.evidence.slice(0, MAX_CARD_EVIDENCE).map(cardText),
          }
        : null,
    },
    check: check ? { kind: 'checked', counts: severityCounts(check.findings), findings: check.findings.slice(0, MAX_CARD_FINDINGS).map(findingPayload) } : { kind: 'checking' },
  };
}

/** A confidence in [0, 1], as the webview requires (NaN counts as none). */
function fraction(x: number): number {
  return x >= 0 ? Math.min(1, x) : 0;
}

/** How many findings there are at each severity. */
export function severityCounts(findings: readonly Finding[]): Record<SeverityName, number> {
  const counts: Record<SeverityName, number> = { error: 0, warning: 0, note: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

function findingPayload(f: Finding): FindingPayload {
  return { code: cardText(f.code), severity: f.severity, message: cardText(f.message), modules: f.modules.slice(0, MAX_CARD_MODULES).map(cardText), moduleCount: f.modules.length };
}
