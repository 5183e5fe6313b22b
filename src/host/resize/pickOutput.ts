import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { Adapter } from '../../core/adapter/model';
import type { ResizeFormat } from '../../core/resize/resize';
import { outputTarget } from '../../core/resize/target';
import { weightFileStem } from '../../core/container/extensions';

interface FormatItem extends vscode.QuickPickItem {
  readonly format: ResizeFormat;
}

/** Where and how the resized adapter is written, and whether the user agreed to replace what is there. */
export interface OutputChoice {
  readonly format: ResizeFormat;
  readonly output: string;
  readonly layout: 'peft' | 'kohya';
  readonly overwrite: boolean;
}

/**
 * Asks for the output format (PEFT | kohya | same as input), then the output path with a save
 * dialog (a folder for PEFT, a .safetensors file for kohya; a PEFT folder that exists is picked
 * by its adapter_model.safetensors), then, when an adapter is already there, for an explicit
 * "Replace". Undefined when the user stops at any step.
 */
export async function pickOutput(adapter: Adapter): Promise<OutputChoice | undefined> {
  const same = outputTarget(adapter.file, 'same', adapter).layout;
  const items: FormatItem[] = [
    { label: 'PEFT', description: 'a folder: adapter_model.safetensors + adapter_config.json', format: 'peft' },
    { label: 'kohya', description: 'one .safetensors file with per-module alpha', format: 'kohya' },
    { label: 'Same as input', description: `${adapter.formatDetail} → written as ${same === 'peft' ? 'PEFT' : 'kohya'}`, format: 'same' },
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Resize Adapter: output format',
    placeHolder: 'A MoSLoRA mixer or an AdaLoRA E is folded into plain LoRA factors',
    ignoreFocusOut: true,
  });
  if (!picked) return undefined;
  const layout = picked.format === 'same' ? same : picked.format;
  const uri = await vscode.window.showSaveDialog({
    title: layout === 'peft' ? 'Resized adapter: a new folder, or adapter_model.safetensors in a folder to replace' : 'Resized adapter: .safetensors file to write',
    defaultUri: vscode.Uri.file(defaultOutput(adapter.file, layout)),
    saveLabel: 'Resize',
    ...(layout === 'kohya' ? { filters: { 'Safetensors weights': ['safetensors'] } } : {}),
  });
  if (!uri) return undefined;
  // A save dialog will not take an existing folder: the weights file in it stands for the folder.
  const output = layout === 'peft' && uri.fsPath.toLowerCase().endsWith('.safetensors') ? dirname(uri.fsPath) : uri.fsPath;
  const existing = await existingAdapter(output, layout);
  if (existing) {
    const replace = 'Replace';
    const answer = await vscode.window.showWarningMessage(
      `${existing} already exists. Replace it with the resized adapter?`,
      { modal: true, detail: 'The input adapter is never overwritten.' },
      replace,
    );
    if (answer !== replace) return undefined;
  }
  return { format: picked.format, output, layout, overwrite: existing !== null };
}

/** Beside the input: a `…-resized` folder for PEFT, `<name>-resized.safetensors` for kohya. */
function defaultOutput(input: string, layout: 'peft' | 'kohya'): string {
  const folder = dirname(input);
  const stem = weightFileStem(basename(input));
  if (layout === 'kohya') return join(folder, `${stem}-resized.safetensors`);
  // A PEFT file is named for its folder: the new folder goes beside that one.
  if (/^(adapter_model|adapters|pytorch_lora_weights)$/.test(stem)) return join(dirname(folder), `${basename(folder)}-resized`);
  return join(folder, `${stem}-resized`);
}

/** The adapter file already at the output, or null. */
async function existingAdapter(output: string, layout: 'peft' | 'kohya'): Promise<string | null> {
  const candidates = layout === 'peft' ? [join(output, 'adapter_model.safetensors'), join(output, 'adapter_config.json')] : [output];
  for (const path of candidates)
    if (
      await stat(path).then(
        () => true,
        () => false,
      )
    )
      return path;
  return null;
}
