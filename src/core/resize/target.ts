import { access, realpath, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Adapter } from '../adapter/model';
import type { ResizeErrorCode } from './errors';

/** The two layouts a resize writes. */
export type OutputLayout = 'peft' | 'kohya';

/** Where a resize writes, and in which layout. */
export interface OutputTarget {
  readonly layout: OutputLayout;
  /** The adapter weights file. */
  readonly weights: string;
  /** adapter_config.json for PEFT; null for kohya. */
  readonly config: string | null;
  /** The report's path without its extension (".json" / ".md" are appended). */
  readonly report: string;
  /** Said in the report when the layout is not the input's own (e.g. mlx written as PEFT). */
  readonly note: string | null;
}

/** A problem found before writing, with the error code it raises. */
export interface Problem {
  readonly code: ResizeErrorCode;
  readonly message: string;
}

/**
 * The layout for a requested format: 'same' keeps PEFT and kohya/LyCORIS layouts; a diffusers
 * file is written in kohya's layout (which diffusers' load_lora_weights reads, per-module alpha
 * included), an mlx-lm file as PEFT (mlx-lm's config holds one rank for every module, so
 * per-module ranks cannot be written back natively), a llama.cpp GGUF adapter as PEFT safetensors
 * under its Hugging Face module names (convert_lora_to_gguf.py turns that back into a GGUF).
 */
export function outputTarget(output: string, format: 'peft' | 'kohya' | 'same', adapter: Adapter): OutputTarget {
  let layout: OutputLayout;
  let note: string | null = null;
  if (format !== 'same') layout = format;
  else if (adapter.format === 'kohya' || adapter.format === 'lycoris') layout = 'kohya';
  else if (adapter.format === 'diffusers') {
    layout = 'kohya';
    note = /^cloneofsimo/.test(adapter.formatDetail)
      ? "the lora_diffusion input keeps its own <model>:<i>:up/down names, each module's new rank in its <model>:<i>:rank metadata, which lora_diffusion's loader reads"
      : "the diffusers input is written in kohya's layout (lora_unet_… names, per-module alpha), which diffusers loads";
  } else if (adapter.format === 'mlx') {
    layout = 'peft';
    note = "the mlx-lm input is written as a PEFT adapter: mlx-lm holds one rank for every module, so per-module ranks need PEFT's rank_pattern";
  } else if (adapter.format === 'gguf') {
    layout = 'peft';
    note = "the GGUF input is written as a PEFT adapter (safetensors, Hugging Face module names); llama.cpp's convert_lora_to_gguf.py converts it back";
  } else layout = 'peft';
  const out = resolve(output);
  if (layout === 'peft') return { layout, weights: join(out, 'adapter_model.safetensors'), config: join(out, 'adapter_config.json'), report: join(out, 'resize-report'), note };
  const stem = out.toLowerCase().endsWith('.safetensors') ? out.slice(0, -'.safetensors'.length) : out;
  return { layout, weights: out, config: null, report: `${stem}.resize-report`, note };
}

/**
 * What is wrong with writing to the target, before anything is written: the input's own files,
 * an output that exists (without overwrite), a folder that is missing or not writable, a kohya
 * file name without the .safetensors extension.
 */
export async function targetProblems(target: OutputTarget, inputFile: string, overwrite: boolean): Promise<Problem[]> {
  const problems: Problem[] = [];
  const input = await realpath(inputFile).catch(() => resolve(inputFile));
  const written = [target.weights, ...(target.config ? [target.config] : []), `${target.report}.json`, `${target.report}.md`];
  const inputConfig = join(dirname(input), 'adapter_config.json');
  for (const path of written) {
    const real = await realpath(path).catch(() => resolve(path));
    if (real === input || (target.config !== null && real === inputConfig)) {
      problems.push({ code: 'OUTPUT_IS_INPUT', message: `the output ${path} is the input's own ${basename(real)}; choose another output (the input is never overwritten)` });
      return problems;
    }
  }
  if (target.layout === 'kohya' && !target.weights.toLowerCase().endsWith('.safetensors')) {
    problems.push({ code: 'OUTPUT_NOT_WRITABLE', message: `a kohya output is one .safetensors file; ${target.weights} does not end in .safetensors` });
  }
  const folder = dirname(target.weights);
  const parent = target.layout === 'peft' && !(await isDirectory(folder)) ? dirname(folder) : folder;
  if (target.layout === 'peft' && (await exists(folder)) && !(await isDirectory(folder))) {
    problems.push({ code: 'OUTPUT_NOT_WRITABLE', message: `a PEFT output is a folder, and ${folder} is a file` });
  } else if (!(await isDirectory(parent))) {
    problems.push({ code: 'OUTPUT_NOT_WRITABLE', message: `the folder ${parent} does not exist` });
  } else if (!(await writable(parent))) {
    problems.push({ code: 'OUTPUT_NOT_WRITABLE', message: `the folder ${parent} is not writable` });
  }
  if (!overwrite) {
    const existing: string[] = [];
    for (const path of [target.weights, ...(target.config ? [target.config] : [])]) if (await exists(path)) existing.push(path);
    if (existing.length > 0)
      problems.push({
        code: 'OUTPUT_EXISTS',
        message: `${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; not overwritten (pass overwrite / --overwrite to replace)`,
      });
  }
  return problems;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function writable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
}
