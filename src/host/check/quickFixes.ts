import * as vscode from 'vscode';
import { fixReplacement } from './diagnosticPlan';
import { DIAGNOSTIC_SOURCE, type ProblemsPanel } from './problems';

/** Where quick fixes are offered: PEFT's config file, whatever language it is opened as. */
export const CONFIG_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/adapter_config.json' },
  { scheme: 'untitled', pattern: '**/adapter_config.json' },
];

/**
 * Quick fixes on adapter_config.json for the findings that carry a certain fix (a config `r`
 * or `lora_alpha` the tensors contradict, every module agreeing on the value): the key's value
 * is replaced in the document's current text, nothing else.
 */
export class ConfigQuickFixes implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(private readonly problems: ProblemsPanel) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const fixable = this.problems.fixesFor(document.uri.fsPath);
    if (fixable.length === 0) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE) continue;
      // Two weights files may share this config with different ranks: the diagnostic's first
      // related location is the weights file it is about (diagnosticPlan), so its own fix is taken.
      const weights = diagnostic.relatedInformation?.[0]?.location.uri.fsPath;
      const finding = fixable.find((f) => f.finding.code === diagnostic.code && f.weights === weights)?.finding;
      if (!finding?.fix) continue;
      const text = document.getText();
      const replacement = fixReplacement(text, finding.fix);
      if (!replacement) continue;
      const action = new vscode.CodeAction(`Set ${finding.fix.configKey} to ${replacement.newText} (what the weights say)`, vscode.CodeActionKind.QuickFix);
      action.edit = new vscode.WorkspaceEdit();
      action.edit.replace(document.uri, new vscode.Range(document.positionAt(replacement.start), document.positionAt(replacement.end)), replacement.newText);
      action.diagnostics = [diagnostic];
      action.isPreferred = true;
      actions.push(action);
    }
    return actions;
  }
}
