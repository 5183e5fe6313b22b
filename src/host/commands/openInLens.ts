import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { resolveWeightsFile } from '../../core/adapter/resolve';
import { ADAPTER_VIEW_TYPE, PYTORCH_VIEW_TYPE, SAFETENSORS_VIEW_TYPE } from '../editor/adapterEditorProvider';
import type { HostContext } from '../hostContext';
import { showError } from '../log';

export const OPEN_IN_LENS = 'loraLens.openInLens';

/** Names that open in LoRA Lens by default (package.json's customEditors selector says the same). */
const ADAPTER_NAME = /^(adapter_model|adapters|pytorch_lora_weights)\.safetensors$|lora.*\.safetensors$|^(adapter_model|pytorch_lora_weights)\.bin$|lora.*\.gguf$/i;
/** PyTorch checkpoint extensions, opened with the editor offered for any checkpoint when the name is not an adapter's. */
const PYTORCH_FILE = /\.(bin|pt|pth|ckpt)$/i;

/**
 * Open in LoRA Lens: from the explorer or editor title (a Uri), a hover's link (a path and a
 * module name to reveal), or Inspect Adapter Folder (a folder, resolved to its weights).
 */
export function registerOpenInLens(ctx: HostContext): vscode.Disposable {
  // The explorer passes (uri, selected uris); a hover link passes (path, module name).
  return vscode.commands.registerCommand(OPEN_IN_LENS, async (target?: vscode.Uri | string, second?: unknown) => {
    const module = typeof second === 'string' ? second : undefined;
    try {
      const uri = typeof target === 'string' ? vscode.Uri.file(target) : (target ?? activeUri());
      if (!uri) return void vscode.window.showInformationMessage('Select a .safetensors, PyTorch checkpoint or GGUF file, or an adapter folder to open in LoRA Lens.');
      await openInLens(ctx, uri, module);
    } catch (error) {
      showError('Open in LoRA Lens', error);
    }
  });
}

/** Opens a weights file, or the adapter weights in a folder, and reveals `module` when given. */
export async function openInLens(ctx: HostContext, target: vscode.Uri, module?: string): Promise<void> {
  const isFolder = (await stat(target.fsPath)).isDirectory();
  const file = isFolder ? vscode.Uri.file(await resolveWeightsFile(target.fsPath)) : target;
  const name = basename(file.fsPath);
  const viewType = ADAPTER_NAME.test(name) ? ADAPTER_VIEW_TYPE : PYTORCH_FILE.test(name) ? PYTORCH_VIEW_TYPE : SAFETENSORS_VIEW_TYPE;
  await vscode.commands.executeCommand('vscode.openWith', file, viewType);
  if (!module) return;
  const session = ctx.registry.all().find((s) => s.document.uri.fsPath === file.fsPath);
  const index = session?.document.overview.layers.findIndex((l) => l.name === module) ?? -1;
  if (session && index >= 0) session.reveal(index);
}

function activeUri(): vscode.Uri | undefined {
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (tab instanceof vscode.TabInputText || tab instanceof vscode.TabInputCustom) return tab.uri;
  return undefined;
}
