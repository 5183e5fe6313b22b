import type { Adapter } from '../../adapter/model';
import type { Finding, Identity } from '../finding';
import { LOADER_RULES } from './registry';
import { LOAD_TARGETS, type LoadTarget, type LoaderRules, type TargetVerdict } from './types';

export const LOAD_DROPS_KEYS = 'LOAD_DROPS_KEYS';
export const LOAD_REFUSED = 'LOAD_REFUSED';
export const LOAD_TARGET_UNFIT = 'LOAD_TARGET_UNFIT';

/** How many distinct drop reasons a message names before "and N more". */
const REASONS_SHOWN = 3;

/**
 * Each loader's verdict on the file. `asked` null is the default: every registered loader that
 * fits the file's architecture, in LOAD_TARGETS order; asked ones come in the order asked. Asked loaders are judged even when they do not fit (the user
 * asked; LOAD_TARGET_UNFIT says so); an asked loader with no rules in this build has no verdict.
 */
export function judgeTargets(
  adapter: Adapter,
  identity: Identity,
  asked: readonly LoadTarget[] | null,
  rules: Partial<Record<LoadTarget, LoaderRules>> = LOADER_RULES,
): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  const wanted = asked === null ? LOAD_TARGETS.filter((t) => rules[t] !== undefined) : [...new Set(asked)];
  for (const target of wanted) {
    const rule = rules[target];
    if (!rule) continue;
    const fit = rule.fits(adapter, identity);
    if (asked === null && !fit.fits) continue;
    const judged = rule.judge(adapter, identity);
    verdicts.push({ target, fit, source: rule.source, loaded: judged.loaded, dropped: judged.dropped, refused: judged.refused });
  }
  return verdicts;
}

/**
 * The findings the verdicts make: LOAD_REFUSED (error) where a loader refuses the whole file,
 * LOAD_DROPS_KEYS (error) where it would skip keys (the modules are the dropped keys), and
 * LOAD_TARGET_UNFIT (warning) for an asked loader that does not fit the architecture. Both are
 * errors: the file will not do in that loader what its owner expects.
 */
export function loadFindings(verdicts: readonly TargetVerdict[], asked: readonly LoadTarget[] | null): Finding[] {
  const findings: Finding[] = [];
  for (const v of verdicts) {
    if (v.refused !== null) {
      findings.push({ code: LOAD_REFUSED, severity: 'error', message: `${v.target} refuses the file: ${v.refused} (rules from ${v.source})`, modules: [] });
    } else if (v.dropped.length > 0) {
      const total = v.loaded.length + v.dropped.length;
      findings.push({
        code: LOAD_DROPS_KEYS,
        severity: 'error',
        message: `${v.target} drops ${v.dropped.length} of ${total} keys: ${reasonsText(v.dropped.map((d) => d.reason))} (rules from ${v.source})`,
        modules: v.dropped.map((d) => d.key),
      });
    }
  }
  if (asked !== null) {
    for (const v of verdicts) {
      if (!v.fit.fits) findings.push({ code: LOAD_TARGET_UNFIT, severity: 'warning', message: `--target ${v.target} does not fit this file: ${v.fit.reason}`, modules: [] });
    }
  }
  return findings;
}

/** The distinct reasons, most frequent first, the first few named and the rest counted. */
function reasonsText(reasons: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, REASONS_SHOWN).map(([r, n]) => (n > 1 ? `${r} (${n} keys)` : r));
  const more = sorted.length > REASONS_SHOWN ? `; and ${sorted.length - REASONS_SHOWN} more reasons` : '';
  return `${shown.join('; ')}${more}`;
}
