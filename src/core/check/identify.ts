import type { Adapter } from '../adapter/model';
import { familyOf } from '../adapter/architecture';
import { FAMILY_KEYS, familyOfArchitecture } from './contradictions';
import { ggufArchitecture, ggufFamily, modulesForMatching } from './ggufIdentity';
import { confidenceOf, fingerprintNamed, matchAll } from './fingerprintMatch';
import { meta, musubiArchitecture, writerFromMetadata } from './writers';
import type { FingerprintMatch } from './fingerprintMatch';
import type { Identity } from './finding';

/** What a file is: container, algorithm, writer and base architecture, each from its evidence. */
export function identify(adapter: Adapter): Identity {
  return {
    container: adapter.container ?? 'safetensors',
    algorithm: algorithmOf(adapter),
    writer: writerOf(adapter),
    architecture: architectureOf(adapter),
  };
}

/** PEFT peft_type values and the algorithm each names (peft src/peft/utils/peft_types.py PeftType). */
const PEFT_TYPES: Readonly<Record<string, string>> = {
  LORA: 'LoRA',
  ADALORA: 'AdaLoRA',
  LOHA: 'LoHa',
  LOKR: 'LoKr',
  VERA: 'VeRA',
  IA3: 'IA3',
  OFT: 'OFT',
  BOFT: 'BOFT',
  FOURIERFT: 'FourierFT',
  VBLORA: 'VB-LoRA',
  HRA: 'HRA',
  BONE: 'Bone',
  LN_TUNING: 'LN Tuning',
  RANDLORA: 'RandLoRA',
  SHIRA: 'SHiRA',
  C3A: 'C3A',
  MISS: 'MiSS',
};

function algorithmOf(adapter: Adapter): string {
  const values = adapter.config?.values ?? {};
  const factors = adapter.modules.map((m) => m.factors).filter((f) => f !== null);
  let base: string;
  if (adapter.peftType !== null && adapter.peftType !== 'LORA') {
    base = PEFT_TYPES[adapter.peftType] ?? adapter.peftType;
  } else if (factors.length > 0 && factors.every((f) => f.type === 'hadamard')) {
    base = 'LoHa';
  } else if (factors.length > 0 && factors.every((f) => f.type === 'kronecker')) {
    base = 'LoKr';
  } else if (adapter.modules.some((m) => m.tensors.E !== undefined || (m.factors?.type === 'lowRank' && m.factors.diagonal))) {
    base = 'AdaLoRA';
  } else if (adapter.modules.some((m) => m.factors?.type === 'lowRank' && m.factors.mixer)) {
    base = 'MoSLoRA';
  } else if (adapter.modules.some((m) => m.factors?.type === 'lowRank' && (m.factors.A.scaleRows ?? m.factors.B.scaleRows))) {
    base = 'VeRA';
  } else {
    // Other LyCORIS algorithms (OFT, BOFT, GLoRA, (IA)^3, …) are named in the format detail.
    const named = /\b(Diag-OFT|BOFT|OFT|GLoRA|IA3|\(IA\)\^3|LoHa|LoKr|DyLoRA)\b/.exec(adapter.formatDetail);
    // A LoRA on 3×3 convolutions is LoCon (LyCORIS algo "locon"; kohya sd-scripts conv_dim).
    const conv = adapter.modules.some((m) => m.kind === 'conv' && (m.kernel ?? []).some((k) => k > 1));
    base = named?.[1] ?? (conv && (adapter.format === 'kohya' || adapter.format === 'lycoris') ? 'LoCon' : 'LoRA');
  }
  const variants: string[] = [];
  if (values.use_dora === true || adapter.modules.some((m) => m.magnitude !== undefined)) variants.push('DoRA');
  if (values.use_rslora === true) variants.push('rsLoRA');
  return variants.length === 0 ? base : base === 'LoRA' ? variants.join(' + ') : `${base} (${variants.join(', ')})`;
}

function writerOf(adapter: Adapter): Identity['writer'] {
  const named = writerFromMetadata(adapter);
  if (named !== null) return named;
  switch (adapter.format) {
    case 'peft':
      return {
        name: 'PEFT',
        evidence: adapter.peftType !== null ? `adapter_config.json peft_type = ${adapter.peftType}` : 'PEFT key layout (lora_A / lora_B under base_model.model.)',
      };
    case 'mlx':
      return { name: 'mlx-lm', evidence: `${adapter.formatDetail} (lora_a / lora_b stored [in, r] / [r, out])` };
    case 'gguf':
      return { name: 'llama.cpp', evidence: 'GGUF LoRA adapter (convert_lora_to_gguf.py layout)' };
    case 'torchtune':
      return { name: 'torchtune', evidence: adapter.formatDetail };
    case 'diffusers':
      return { name: 'diffusers', evidence: adapter.formatDetail };
    default:
      break;
  }
  if (adapter.formatDetail.startsWith('cloneofsimo')) return { name: 'cloneofsimo lora_diffusion', evidence: adapter.formatDetail };
  return null;
}

/** The best non-excluded fingerprints: most exact shapes, then exact depth, then most modules named. */
export function rankMatches(matches: readonly FingerprintMatch[]): FingerprintMatch[] {
  const key = (m: FingerprintMatch): [number, number, number] => [m.shapeMatches, m.depthExact ? 1 : 0, m.covered];
  const live = matches.filter((m) => m.excluded === null);
  return live.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return kb[0] - ka[0] || kb[1] - ka[1] || kb[2] - ka[2];
  });
}

function architectureOf(adapter: Adapter): Identity['architecture'] {
  // A GGUF adapter's general.architecture names the family; its shapes decide the size.
  const gguf = ggufArchitecture(adapter);
  const family = ggufFamily(gguf);
  const all = rankMatches(matchAll(modulesForMatching(adapter, gguf)));
  const ranked = family === null ? all : all.filter((m) => family(m.fingerprint.name)).map((m) => withGgufEvidence(m, gguf));
  const best = ranked[0];
  if (!best) return null;
  const same = (m: FingerprintMatch): boolean => m.shapeMatches === best.shapeMatches && m.depthExact === best.depthExact && m.covered === best.covered;
  const tied = ranked.filter(same);
  const named = namedByMusubi(adapter, ranked) ?? (tied.length > 1 ? (namedByMetadata(adapter, tied) ?? namedByBaseModel(adapter, tied)) : null);
  if (named) {
    return { name: named.match.fingerprint.name, confidence: Math.round(confidenceOf(named.match) * 1000) / 1000, evidence: [...named.match.evidence, named.evidence] };
  }
  // Models the tensors cannot tell apart (Llama 3 8B and Mistral 7B share every shape) are all
  // named, and the confidence is shared between them.
  return {
    name: tied.map((m) => m.fingerprint.name).join(' or '),
    confidence: Math.round((confidenceOf(best) / tied.length) * 1000) / 1000,
    evidence: best.evidence,
  };
}

function withGgufEvidence(match: FingerprintMatch, architecture: string | null): FingerprintMatch {
  return { ...match, evidence: [`GGUF general.architecture = ${architecture ?? ''}`, ...match.evidence] };
}

type Named = { match: FingerprintMatch; evidence: string } | null;

/**
 * Among models the tensors cannot tell apart (FLUX.1 and HunyuanVideo share block names and
 * sizes), the one whose family the kohya / ModelSpec metadata names, if exactly one.
 */
function namedByMetadata(adapter: Adapter, tied: readonly FingerprintMatch[]): Named {
  for (const key of FAMILY_KEYS) {
    const value = meta(adapter, key);
    const family = value === null ? null : familyOf(value);
    if (value === null || family === null) continue;
    const hits = tied.filter((m) => familyOfArchitecture(m.fingerprint.name) === family);
    const hit = hits[0];
    if (hits.length === 1 && hit) return { match: hit, evidence: `__metadata__ ${key} = ${value.slice(0, 80)} names ${family} among the candidates` };
  }
  return null;
}

/**
 * The model musubi-tuner's `ss_base_model_version` names, when the tensors fit it (it is among
 * the fingerprints not ruled out, though another may fit as well: FramePack's blocks are FLUX.1's).
 */
function namedByMusubi(adapter: Adapter, live: readonly FingerprintMatch[]): Named {
  const musubi = musubiArchitecture(adapter);
  if (musubi === null) return null;
  const hits = live.filter((m) => musubi.names(m.fingerprint.name));
  const hit = hits[0];
  return hits.length === 1 && hit ? { match: hit, evidence: `__metadata__ ss_base_model_version = ${musubi.value} names ${hit.fingerprint.name} among the candidates` } : null;
}

/**
 * Among tied models (Qwen2 and Qwen2.5 share every size), the one the stated base model names:
 * adapter_config.json's base_model_name_or_path, mlx-lm's `model`, or the file's own base model.
 */
function namedByBaseModel(adapter: Adapter, tied: readonly FingerprintMatch[]): Named {
  const values = adapter.config?.values ?? {};
  const stated: [string, unknown][] = [
    ['adapter_config.json base_model_name_or_path', values.base_model_name_or_path],
    ['adapter_config.json model', values.model],
    ["the file's base model", adapter.baseModel],
  ];
  for (const [where, value] of stated) {
    if (typeof value !== 'string' || value.length > 1000) continue;
    const fp = fingerprintNamed(value);
    const hit = fp === null ? undefined : tied.find((m) => m.fingerprint === fp);
    if (hit) return { match: hit, evidence: `${where} = ${value.slice(0, 120)} names ${hit.fingerprint.name} among the candidates` };
  }
  return null;
}
