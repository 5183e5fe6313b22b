import * as vscode from 'vscode';
import type { HostContext } from '../hostContext';
import type { AttachedBases } from './attachedBases';
import type { CheckResults } from './checkResults';
import { CheckService } from './checkService';
import { ProblemsPanel } from './problems';
import { CONFIG_SELECTOR, ConfigQuickFixes } from './quickFixes';

/** The check of open adapters: its service, the Problems panel entries and the config quick fixes. */
export function registerChecks(ctx: HostContext, results: CheckResults, bases: AttachedBases): vscode.Disposable {
  const problems = new ProblemsPanel();
  const service = new CheckService(ctx.service, ctx.registry, results, problems, bases);
  const fixes = vscode.languages.registerCodeActionsProvider(CONFIG_SELECTOR, new ConfigQuickFixes(problems), ConfigQuickFixes.metadata);
  // The service first: closing it clears what it showed before the panel goes.
  return vscode.Disposable.from(service, fixes, problems);
}
