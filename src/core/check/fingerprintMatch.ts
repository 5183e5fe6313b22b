import type { AdaptedModule } from '../adapter/model';
import { ANY, FINGERPRINTS, toRegExp } from './architectures';
import type { Fingerprint } from './architectures';
import { MORE_FINGERPRINTS } from './moreArchitectures';

/** Every fingerprint, in the order ties are named. */
export const ALL_FINGERPRINTS: readonly Fingerprint[] = [...FINGERPRINTS, ...MORE_FINGERPRINTS];

/** How well one fingerprint fits an adapter's modules. */
export interface FingerprintMatch {
  readonly fingerprint: Fingerprint;
  /** Why the fingerprint cannot be the base (a shape or a layer index that contradicts it), else null. */
  readonly excluded: string | null;
  /** Modules whose names match one of the fingerprint's markers. */
  readonly covered: number;
  /** Shape features present in the file with exactly the fingerprint's size. */
  readonly shapeMatches: number;
  /** The layer indices reach exactly the fingerprint's last layer. */
  readonly depthExact: boolean;
  readonly evidence: readonly string[];
}

const compiled = new Map<string, RegExp>();
function re(pattern: string): RegExp {
  let r = compiled.get(pattern);
  if (!r) {
    r = toRegExp(pattern);
    compiled.set(pattern, r);
  }
  return r;
}

function fmt(shape: readonly number[]): string {
  return `[${shape.map((d) => (d === ANY ? '*' : String(d))).join(', ')}]`;
}

/** Matches one fingerprint against the modules (shapes are [out, in]; conv modules are skipped for shapes). */
export function matchFingerprint(fp: Fingerprint, all: readonly AdaptedModule[]): FingerprintMatch {
  const modules = fp.skip ? all.filter((m) => !fp.skip?.test(m.name)) : all;
  const markers = fp.markers.map(re);
  const evidence: string[] = [];
  let covered = 0;
  let maxLayer = -1;
  for (const m of modules) {
    const hit = markers.find((r) => r.test(m.name));
    if (!hit) continue;
    covered++;
    const index = hit.exec(m.name)?.groups?.layer;
    if (index !== undefined && index.length < 7) maxLayer = Math.max(maxLayer, Number(index));
  }
  const base = { fingerprint: fp, covered, shapeMatches: 0, depthExact: false };
  if (covered === 0) return { ...base, excluded: 'no module name of this model', evidence };
  const rejected = fp.rejects ? modules.find((m) => fp.rejects?.some((r) => r.test(m.name))) : undefined;
  if (rejected) return { ...base, excluded: `${rejected.name} is not a module of ${fp.name}`, evidence };
  evidence.push(`${covered} module name${covered === 1 ? '' : 's'} of ${fp.name}'s layout`);
  if (fp.layers !== undefined && maxLayer >= fp.layers) {
    return { ...base, excluded: `layer index ${maxLayer} but ${fp.name} has ${fp.layers} layers (${fp.source})`, evidence };
  }
  let shapeMatches = 0;
  for (const feature of fp.shapes) {
    const r = re(feature.pattern);
    const found = modules.filter((m) => m.kind !== 'embedding' && r.test(m.name));
    if (found.length === 0) continue;
    const bad = found.find((m) => !feature.shape.every((d, i) => d === ANY || d === m.shape[i]));
    if (bad) {
      return { ...base, excluded: `${bad.name} is ${fmt(bad.shape)} but ${fp.name} has ${fmt(feature.shape)} (${feature.source ?? fp.source})`, evidence };
    }
    shapeMatches++;
    evidence.push(`${found[0]?.name ?? ''} is ${fmt(found[0]?.shape ?? [])} as in ${feature.source ?? fp.source}`);
  }
  const depthExact = fp.layers !== undefined && maxLayer === fp.layers - 1;
  if (depthExact) evidence.push(`layer indices reach ${maxLayer}, ${fp.name}'s last layer`);
  return { fingerprint: fp, excluded: null, covered, shapeMatches, depthExact, evidence };
}

/** Every fingerprint in the table matched against the modules. */
export function matchAll(modules: readonly AdaptedModule[]): FingerprintMatch[] {
  return ALL_FINGERPRINTS.map((fp) => matchFingerprint(fp, modules));
}

/**
 * Confidence from the evidence: names alone 0.3; each exact shape (and an exact layer depth)
 * halves the remaining doubt from 0.7, so one shape gives 0.65, two 0.825, three 0.91.
 */
export function confidenceOf(match: FingerprintMatch): number {
  const strong = match.shapeMatches + (match.depthExact ? 1 : 0);
  return Math.min(0.97, 1 - 0.7 * 0.5 ** strong);
}

/** The fingerprint whose repository name (without the owner) a base-model string names, longest first. */
export function fingerprintNamed(stated: string): Fingerprint | null {
  const last =
    stated
      .replace(/\\/g, '/')
      .split('/')
      .filter((p) => p.length > 0)
      .pop()
      ?.toLowerCase() ?? '';
  let best: Fingerprint | null = null;
  let bestLength = 0;
  for (const fp of ALL_FINGERPRINTS) {
    const repo = (fp.source.split(' ')[0] ?? '').split('/').pop()?.toLowerCase() ?? '';
    if (repo.length === 0 || repo.length <= bestLength) continue;
    if (last === repo || last.startsWith(`${repo}-`)) {
      best = fp;
      bestLength = repo.length;
    }
  }
  return best;
}
