import type { Adapter } from '../../adapter/model';
import type { Identity } from '../finding';

/** The image/video model families the diffusion loaders (diffusers, ComfyUI, kohya) tell apart. */
export type DiffusionFamily = 'SD 1.x' | 'SD 2.x' | 'SDXL' | 'SD3' | 'FLUX.1' | 'Wan' | 'HunyuanVideo' | 'LTX-Video' | 'Qwen-Image';

/** The U-Net families (SD 1.x/2.x, SDXL): diffusers `unet.`, no DiT `transformer.`. */
export const UNET_FAMILIES: readonly DiffusionFamily[] = ['SD 1.x', 'SD 2.x', 'SDXL'];

/** The family of one fingerprint name of architectures.ts, or null for a language or vision model. */
function familyOfName(name: string): DiffusionFamily | null {
  if (name === 'SD 1.x' || name === 'SD 2.x' || name === 'SDXL' || name === 'FLUX.1' || name === 'HunyuanVideo' || name === 'LTX-Video' || name === 'Qwen-Image') return name;
  if (name.startsWith('SD3')) return 'SD3';
  if (name.startsWith('Wan ')) return 'Wan';
  return null;
}

/**
 * The diffusion family the identified architecture belongs to; null when it is not a diffusion
 * model, unknown, or a tie between models of different families ("FLUX.1 or HunyuanVideo").
 */
export function diffusionFamily(identity: Identity): DiffusionFamily | null {
  const name = identity.architecture?.name;
  if (name === undefined) return null;
  const families = name.split(' or ').map(familyOfName);
  const first = families[0] ?? null;
  return families.every((f) => f === first) ? first : null;
}

/** True when the tensors name a diffusion model (by the fingerprints) or the writer is a diffusion trainer's layout. */
export function looksDiffusion(adapter: Adapter, identity: Identity): boolean {
  const name = identity.architecture?.name ?? '';
  return (
    name.split(' or ').some((n) => familyOfName(n) !== null) || ((adapter.format === 'kohya' || adapter.format === 'lycoris' || adapter.format === 'diffusers') && name === '')
  );
}

/** The stored tensor names, in header order. */
export function storedNames(adapter: Adapter): string[] {
  return adapter.header.tensors.map((t) => t.name);
}
