import { DIFFUSION_RULES } from './diffusionKeys';

/**
 * The naming schemes adapter writers use for factor tensors. A scheme is recognised by the
 * suffix; the rest of the key is the module path (still carrying the layout's own prefix).
 */
export type KeyScheme = 'peft' | 'kohya' | 'diffusers' | 'mlx' | 'cloneofsimo' | 'xlabs' | 'torchtune';

/**
 * The part a tensor plays, in canonical terms: `A` is the down (input-side) factor and `B` the
 * up (output-side) factor of ΔW = s·B·M·A, whatever the writer called them.
 */
export type FactorRole = 'A' | 'B' | 'mixer' | 'E' | 'magnitude' | 'embA' | 'embB' | 'alpha' | 'mid' | 'biasB' | HadamardRole | KroneckerRole;

export type HadamardRole = 'hada_w1_a' | 'hada_w1_b' | 'hada_w2_a' | 'hada_w2_b' | 'hada_t1' | 'hada_t2';
export type KroneckerRole = 'lokr_w1' | 'lokr_w1_a' | 'lokr_w1_b' | 'lokr_w2' | 'lokr_w2_a' | 'lokr_w2_b' | 'lokr_t1' | 'lokr_t2';

export interface ClassifiedKey {
  readonly key: string;
  readonly module: string;
  readonly role: FactorRole;
  readonly scheme: KeyScheme;
  /** PEFT adapter name when the key carries one (`lora_A.default.weight`). */
  readonly adapterName?: string;
}

export interface SuffixRule {
  /** Text every matching key contains: a cheap test that skips the pattern for most keys. */
  readonly hint: string;
  readonly pattern: RegExp;
  readonly role: FactorRole;
  readonly scheme: KeyScheme;
  /** The module the factor adapts, from the match; default: the first group. */
  readonly moduleOf?: (match: RegExpExecArray) => string;
}

/**
 * PEFT keeps the adapter name in saved keys only in some versions (`.default.`), and factors
 * held as bare parameters (AdaLoRA's lora_A/B/E, embeddings, DoRA's magnitude) have no
 * `.weight`: both parts are optional. A captured adapter name of "weight" means neither.
 */
const peft = (name: string, role: FactorRole): SuffixRule => ({
  hint: `.${name}`,
  pattern: new RegExp(`^(.+)\\.${name}(?:\\.([A-Za-z0-9_-]+))?(?:\\.weight)?$`),
  role,
  scheme: 'peft',
});

const suffix = (tail: string, role: FactorRole, scheme: KeyScheme): SuffixRule => ({
  hint: tail,
  pattern: new RegExp(`^(.+)${tail.replace(/\./g, '\\.')}$`),
  role,
  scheme,
});

/**
 * diffusers' old attention-processor names put the projection inside the suffix:
 * `attn1.processor.to_out_lora.down.weight` adapts `attn1.to_out.0`.
 */
const processorRule = (end: 'down' | 'up'): SuffixRule => ({
  hint: `_lora.${end}.weight`,
  pattern: new RegExp(`^(.+)\\.processor\\.(to_q|to_k|to_v|to_out|add_q_proj|add_k_proj|add_v_proj|to_add_out)_lora\\.${end}\\.weight$`),
  role: end === 'down' ? 'A' : 'B',
  scheme: 'diffusers',
  moduleOf: (match) => `${match[1]}.${match[2] === 'to_out' ? 'to_out.0' : match[2]}`,
});

const RULES: readonly SuffixRule[] = [
  suffix('.lora_B.bias', 'biasB', 'peft'),
  peft('lora_A', 'A'),
  peft('lora_B', 'B'),
  peft('lora_AB', 'mixer'),
  peft('lora_embedding_A', 'embA'),
  peft('lora_embedding_B', 'embB'),
  peft('lora_E', 'E'),
  peft('lora_magnitude_vector', 'magnitude'),
  // KaSA (PEFT LoraConfig use_kasa): a learned r-vector between B and A, ΔW = s·B·diag(lora_diag)·A.
  peft('lora_diag', 'E'),
  suffix('.lora_down.weight', 'A', 'kohya'),
  suffix('.lora_up.weight', 'B', 'kohya'),
  suffix('.lora_mid.weight', 'mid', 'kohya'),
  suffix('.dora_scale', 'magnitude', 'kohya'),
  suffix('.hada_w1_a', 'hada_w1_a', 'kohya'),
  suffix('.hada_w1_b', 'hada_w1_b', 'kohya'),
  suffix('.hada_w2_a', 'hada_w2_a', 'kohya'),
  suffix('.hada_w2_b', 'hada_w2_b', 'kohya'),
  suffix('.hada_t1', 'hada_t1', 'kohya'),
  suffix('.hada_t2', 'hada_t2', 'kohya'),
  suffix('.lokr_w1', 'lokr_w1', 'kohya'),
  suffix('.lokr_w1_a', 'lokr_w1_a', 'kohya'),
  suffix('.lokr_w1_b', 'lokr_w1_b', 'kohya'),
  suffix('.lokr_w2', 'lokr_w2', 'kohya'),
  suffix('.lokr_w2_a', 'lokr_w2_a', 'kohya'),
  suffix('.lokr_w2_b', 'lokr_w2_b', 'kohya'),
  // LyCORIS lycoris/modules/lokr.py: Tucker cores of the decomposed w1 and w2 (use_tucker on conv layers).
  suffix('.lokr_t1', 'lokr_t1', 'kohya'),
  suffix('.lokr_t2', 'lokr_t2', 'kohya'),
  suffix('.lora.down.weight', 'A', 'diffusers'),
  suffix('.lora.up.weight', 'B', 'diffusers'),
  suffix('.lora_linear_layer.down.weight', 'A', 'diffusers'),
  suffix('.lora_linear_layer.up.weight', 'B', 'diffusers'),
  processorRule('down'),
  processorRule('up'),
  // Layouts of diffusion tools with their own suffixes (XLabs, cloneofsimo, ComfyUI's `_lora.up`).
  ...DIFFUSION_RULES,
  suffix('.lora_a', 'A', 'mlx'),
  suffix('.lora_b', 'B', 'mlx'),
  // `.alpha` is shared by kohya and diffusers files converted from kohya; the scheme of the
  // module's factors decides which rule applies.
  suffix('.alpha', 'alpha', 'kohya'),
  // mlx-lm's DoRA magnitude; only kept when the module also has lora_a/lora_b.
  suffix('.m', 'magnitude', 'mlx'),
  // torchtune torchtune/modules/peft/lora.py LoRALinear (lora_a/lora_b nn.Linear) and dora.py DoRALinear (magnitude).
  suffix('.lora_a.weight', 'A', 'torchtune'),
  suffix('.lora_b.weight', 'B', 'torchtune'),
  suffix('.magnitude', 'magnitude', 'torchtune'),
];

/** Classifies one tensor name, or returns null when it is not a factor of a known scheme. */
export function classifyKey(key: string): ClassifiedKey | null {
  for (const rule of RULES) {
    if (!key.includes(rule.hint)) continue;
    const match = rule.pattern.exec(key);
    if (!match) continue;
    const module = rule.moduleOf ? rule.moduleOf(match) : match[1];
    const adapterName = rule.scheme === 'peft' && match[2] !== 'weight' ? match[2] : undefined;
    return { key, module, role: rule.role, scheme: rule.scheme, ...(adapterName ? { adapterName } : {}) };
  }
  return null;
}
