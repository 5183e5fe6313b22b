import type { Adapter, AdapterFormat } from '../../adapter/model';
import type { Identity } from '../finding';
import type { DroppedKey, LoadJudgement, TargetFit } from './types';

/**
 * Shared pieces of the language-model loaders' rules (PEFT, vLLM, llama.cpp, mlx-lm): which
 * identified architectures they serve, and one way to collect a verdict key by key.
 */

/** Fingerprint names (../architectures.ts) of decoder language models: what vLLM, llama.cpp and mlx-lm serve. */
const DECODER_PREFIXES = ['Llama', 'Mistral', 'Qwen', 'Gemma', 'Phi', 'GPT-2', 'GPT-Neo', 'OPT', 'BLOOM'] as const;
/** Encoders and encoder-decoders of transformers that PEFT adapts but the serving engines here do not. */
const TRANSFORMERS_PREFIXES = ['BERT', 'RoBERTa', 'T5', 'Whisper', 'ViT', 'CLIP'] as const;

function namesOf(identity: Identity): string[] {
  return identity.architecture ? identity.architecture.name.split(' or ') : [];
}

/** The identified architecture's names that start with one of `prefixes`. */
function matching(identity: Identity, prefixes: readonly string[]): string[] {
  return namesOf(identity).filter((n) => prefixes.some((p) => n.startsWith(p)));
}

/**
 * Whether a file is one a loader's user would hand it: in a layout the loader reads (`formats`;
 * a file in another layout needs converting first, which `--target` still judges) and on a
 * decoder language model, an encoder too where `encoders` is set, or on a base not identified.
 * Models whose names start with an `unsupported` prefix are ones the loader has no model for.
 */
export function languageModelFit(
  adapter: Adapter,
  identity: Identity,
  loader: string,
  formats: readonly AdapterFormat[],
  encoders = false,
  unsupported: readonly string[] = [],
): TargetFit {
  if (!formats.includes(adapter.format)) {
    return { fits: false, reason: `${loader} reads ${formats.join(' or ')} files; this is a ${adapter.formatDetail} file, which would need converting first` };
  }
  const models = matching(identity, encoders ? [...DECODER_PREFIXES, ...TRANSFORMERS_PREFIXES] : DECODER_PREFIXES).filter((m) => !unsupported.some((u) => m.startsWith(u)));
  if (models.length > 0) return { fits: true, reason: `${models.join(' or ')} is a model ${loader} loads adapters for` };
  if (identity.architecture === null) {
    // The serving engines (no encoders) serve language models, which have no convolutions; PEFT adapts any model.
    if (!encoders && adapter.modules.some((m) => m.kind === 'conv')) return { fits: false, reason: `convolution modules: not a language model ${loader} serves` };
    // Unidentified: the loader fits only a file in its own layout; a conversion (PEFT to GGUF)
    // maps names by the base model's architecture, which is not known here.
    if (adapter.format === formats[0]) return { fits: true, reason: `the file is in the layout ${loader} reads (${adapter.formatDetail}); its base model was not identified` };
    return { fits: false, reason: `${loader} would need a conversion that depends on the base model, which was not identified` };
  }
  return { fits: false, reason: `${identity.architecture.name} is not a model ${loader} serves` };
}

/** Collects a judgement key by key; a refusal ends it with nothing loaded. */
export class Verdict {
  private readonly loaded: string[] = [];
  private readonly dropped: DroppedKey[] = [];

  load(key: string): void {
    this.loaded.push(key);
  }

  drop(key: string, reason: string): void {
    this.dropped.push({ key, reason });
  }

  done(): LoadJudgement {
    return { loaded: this.loaded, dropped: this.dropped, refused: null };
  }
}

/** A whole-file refusal: the loader raises before it applies anything. */
export function refusal(reason: string): LoadJudgement {
  return { loaded: [], dropped: [], refused: reason };
}

/** A name as it may appear in a message: quoted and cut to a readable length. */
export function quoted(text: string, max = 120): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** Config entries for a message: the first eight, each cut short, or `none`. */
export function shortList(entries: readonly string[]): string {
  if (entries.length === 0) return 'none';
  const shown = entries.slice(0, 8).map((e) => (e.length > 60 ? `${e.slice(0, 60)}…` : e));
  return `${shown.join(', ')}${entries.length > 8 ? `, … ${entries.length} in all` : ''}`;
}

/** A config value that is a list of strings (bounded), else null. */
export function stringList(value: unknown, max = 4096): string[] | null {
  if (!Array.isArray(value) || value.length > max) return null;
  return value.filter((v): v is string => typeof v === 'string');
}

/** The file name of a path, either separator. */
export function baseName(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(cut + 1);
}

/** Whether `name` is `entry` or ends with `.entry` (PEFT's and vLLM's suffix rule for module lists). */
export function endsWithModule(name: string, entry: string): boolean {
  return name === entry || name.endsWith(`.${entry}`);
}
