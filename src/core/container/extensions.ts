import type { ContainerKind } from './source';

/**
 * The file extensions each container openTensorSource reads goes by. The reader tells the
 * containers apart by their first bytes (containerOf), so an extension only decides which files
 * are offered: in open dialogs, the explorer's menus, the hover's adapter search and report names.
 * torch.save checkpoints go by .bin (PEFT's WEIGHTS_NAME `adapter_model.bin`, diffusers'
 * LORA_WEIGHT_NAME `pytorch_lora_weights.bin`), .pt, .pth and .ckpt; llama.cpp's
 * convert_lora_to_gguf.py writes .gguf.
 */
export const CONTAINER_EXTENSIONS: Readonly<Record<ContainerKind, readonly string[]>> = {
  safetensors: ['safetensors'],
  'pytorch-zip': ['bin', 'pt', 'pth', 'ckpt'],
  'pytorch-legacy': ['bin', 'pt', 'pth', 'ckpt'],
  gguf: ['gguf'],
};

/** Every extension (without the dot, lower case) of an adapter weights file that can be read. */
export const ADAPTER_WEIGHT_EXTENSIONS: readonly string[] = [...new Set(Object.values(CONTAINER_EXTENSIONS).flat())];

/** The open dialogs' filters: every readable container, then any file (the reader names what a file is). */
export const ADAPTER_DIALOG_FILTERS: Readonly<Record<string, string[]>> = {
  'Adapter weights (safetensors, PyTorch, GGUF)': [...ADAPTER_WEIGHT_EXTENSIONS],
  'All files': ['*'],
};

/** The extension of a weights file name (lower case, no dot), or null when no container goes by it. */
export function weightExtensionOf(name: string): string | null {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return null;
  const extension = name.slice(dot + 1).toLowerCase();
  return ADAPTER_WEIGHT_EXTENSIONS.includes(extension) ? extension : null;
}

/** Whether a file name has the extension of a readable weights file. */
export function isWeightFileName(name: string): boolean {
  return weightExtensionOf(name) !== null;
}

/** The name without its weights extension (`adapter_model.bin` → `adapter_model`); other names unchanged. */
export function weightFileStem(name: string): string {
  const extension = weightExtensionOf(name);
  return extension === null ? name : name.slice(0, name.length - extension.length - 1);
}
