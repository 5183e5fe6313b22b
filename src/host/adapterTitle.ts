import { basename, dirname } from 'node:path';

/**
 * An adapter file as a panel title names it: its folder and its name (`run-3/adapter_model.safetensors`).
 * PEFT and diffusers write every adapter under the same file name, so the name alone cannot tell
 * two panels apart; the folder is what a user named.
 */
export function adapterTitle(file: string): string {
  const name = basename(file);
  const folder = basename(dirname(file));
  return folder === '' || folder === '.' || folder === name ? name : `${folder}/${name}`;
}
