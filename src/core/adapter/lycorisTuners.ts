import type { TensorInfo } from '../safetensors/types';
import type { BuildContext, BuildResult } from './build';
import { listedModule } from './listedModule';
import type { AdaptedModule, OtherTensor } from './model';
import { kohyaPrefixOf } from './moduleNames';

/**
 * LyCORIS algorithms that are not a B·A pair, by the tensor suffixes their modules save
 * (KohakuBlueleaf/LyCORIS lycoris/modules/*.py `weight_list`):
 * - GLoRA (glora.py): a1, a2, b1, b2 (and bm) with get_diff_weight = W·(a2·a1) + b2·b1: the
 *   first term needs the base weight;
 * - Diag-OFT and BOFT (diag_oft.py, boft.py): `oft_blocks` (skew or rotation blocks) and an
 *   optional `rescale`: ΔW = (R − I)·W needs the base weight;
 * - IA³ (ia3.py): `weight` vectors with `on_input`.
 */
const SUFFIXES: readonly { readonly suffix: string; readonly algorithm: string }[] = [
  { suffix: '.a1.weight', algorithm: 'GLoRA' },
  { suffix: '.a2.weight', algorithm: 'GLoRA' },
  { suffix: '.b1.weight', algorithm: 'GLoRA' },
  { suffix: '.b2.weight', algorithm: 'GLoRA' },
  { suffix: '.bm.weight', algorithm: 'GLoRA' },
  { suffix: '.oft_blocks', algorithm: 'OFT' },
  { suffix: '.oft_diag', algorithm: 'OFT' },
  { suffix: '.rescale', algorithm: 'OFT' },
  { suffix: '.on_input', algorithm: 'IA3' },
  { suffix: '.alpha', algorithm: '' },
];

const NOTES: Readonly<Record<string, string>> = {
  GLoRA: 'GLoRA: ΔW = W·(a2·a1) + b2·b1 (LyCORIS glora.py get_diff_weight); the W·A term needs the base weight, so ΔW is not analysed here',
  OFT: 'OFT/BOFT: block rotations R of the base weight (LyCORIS diag_oft.py, boft.py); ΔW = (R − I)·W needs the base weight; not analysed',
  IA3: 'IA³: a learned rescaling vector (LyCORIS ia3.py); ΔW needs the base weight; not analysed',
};

/** A kohya-named file whose modules are LyCORIS tuners that are not B·A, listed per module; null when there are none. */
export function buildLycorisTuners(ctx: BuildContext): BuildResult | null {
  const groups = new Map<string, { algorithms: Set<string>; tensors: TensorInfo[] }>();
  const others: OtherTensor[] = [];
  for (const t of ctx.header.tensors) {
    const hit = kohyaPrefixOf(t.name) ? SUFFIXES.find((s) => t.name.endsWith(s.suffix)) : undefined;
    if (!hit) {
      others.push({ name: t.name, dtype: t.dtype, shape: t.shape, role: 'unrecognized' });
      continue;
    }
    const module = t.name.slice(0, -hit.suffix.length);
    let group = groups.get(module);
    if (!group) groups.set(module, (group = { algorithms: new Set(), tensors: [] }));
    if (hit.algorithm) group.algorithms.add(hit.algorithm);
    group.tensors.push(t);
  }
  const modules: AdaptedModule[] = [];
  const found = new Set<string>();
  for (const [name, group] of groups) {
    if (group.algorithms.size === 0) {
      for (const t of group.tensors) others.push({ name: t.name, dtype: t.dtype, shape: t.shape, role: 'unrecognized' });
      continue;
    }
    const algorithm = [...group.algorithms][0];
    found.add(algorithm);
    // A LyCORIS tensor's role is its key past the module name (`a1.weight`, `oft_diag`).
    modules.push(listedModule(name, group.tensors, (t) => t.name.slice(name.length + 1), 0, NOTES[algorithm]));
  }
  if (modules.length === 0) return null;
  const names = [...found].join(', ');
  return {
    formatDetail: `LyCORIS ${names} (not a low-rank adapter: ${modules.length} modules listed)`,
    peftType: null,
    baseModel: null,
    modules,
    otherTensors: others,
    analysable: false,
    warnings: [`LyCORIS ${names} modules change the base weight itself: each is listed with its tensors; no spectrum is computed`],
  };
}
