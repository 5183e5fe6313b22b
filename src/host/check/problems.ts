import * as vscode from 'vscode';
import type { Finding, Severity } from '../../core/check/finding';
import type { FileCheck } from '../../core/check/runCheck';
import { Disposable } from '../disposable';
import { planProblems, type PlannedProblem } from './diagnosticPlan';

/** The Problems panel's name for LoRA Lens findings (the diagnostic's source). */
export const DIAGNOSTIC_SOURCE = 'LoRA Lens';
/** The code of the one problem shown for a file the check could not read. */
export const CHECK_FAILED_CODE = 'CHECK_FAILED';

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  note: vscode.DiagnosticSeverity.Information,
};

/**
 * The check's findings in the Problems panel (collection `lora-lens`), per checked weights file.
 * Two weights files may share one adapter_config.json: each file's entries are kept apart and
 * every file shown holds the union. The findings that carry a fix are kept by config path for
 * the quick fixes.
 */
export class ProblemsPanel extends Disposable {
  private readonly collection = this._register(vscode.languages.createDiagnosticCollection('lora-lens'));
  /** Weights path → (file URI string → its diagnostics). */
  private readonly byWeights = new Map<string, Map<string, vscode.Diagnostic[]>>();
  /** Config path → the checks that read it (by weights path). */
  private readonly configs = new Map<string, Map<string, FileCheck>>();

  /** Shows a checked file's findings, replacing what it showed before. */
  show(check: FileCheck): void {
    const entries = new Map<string, vscode.Diagnostic[]>();
    for (const problem of planProblems(check)) {
      const uri = vscode.Uri.file(problem.path).toString();
      entries.set(uri, [...(entries.get(uri) ?? []), diagnosticOf(problem)]);
    }
    this.replace(check.path, entries);
    this.forgetConfig(check.path);
    if (check.config) {
      const readers = this.configs.get(check.config.path) ?? new Map<string, FileCheck>();
      readers.set(check.path, check);
      this.configs.set(check.config.path, readers);
    }
  }

  /** Shows one problem on a weights file the check could not read. */
  showFailure(path: string, message: string): void {
    const diagnostic = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), `This file could not be checked: ${message}`, vscode.DiagnosticSeverity.Warning);
    diagnostic.source = DIAGNOSTIC_SOURCE;
    diagnostic.code = CHECK_FAILED_CODE;
    this.replace(path, new Map([[vscode.Uri.file(path).toString(), [diagnostic]]]));
    this.forgetConfig(path);
  }

  /** Removes a weights file's problems (its editor closed, or checks were turned off). */
  clear(path: string): void {
    this.replace(path, new Map());
    this.forgetConfig(path);
  }

  /** The findings with a fix of every check that read this adapter_config.json, each with the weights file it is about. */
  fixesFor(configPath: string): { readonly weights: string; readonly finding: Finding }[] {
    return [...(this.configs.get(configPath)?.values() ?? [])].flatMap((check) =>
      check.findings.filter((f) => f.fix !== undefined).map((finding) => ({ weights: check.path, finding })),
    );
  }

  private replace(weights: string, entries: Map<string, vscode.Diagnostic[]>): void {
    const touched = new Set([...(this.byWeights.get(weights)?.keys() ?? []), ...entries.keys()]);
    if (entries.size > 0) this.byWeights.set(weights, entries);
    else this.byWeights.delete(weights);
    for (const uri of touched) {
      const all = [...this.byWeights.values()].flatMap((e) => e.get(uri) ?? []);
      this.collection.set(vscode.Uri.parse(uri), all.length > 0 ? all : undefined);
    }
  }

  private forgetConfig(weights: string): void {
    for (const [config, readers] of this.configs) {
      if (readers.delete(weights) && readers.size === 0) this.configs.delete(config);
    }
  }
}

function diagnosticOf(problem: PlannedProblem): vscode.Diagnostic {
  const range = new vscode.Range(problem.start.line, problem.start.character, problem.end.line, problem.end.character);
  const diagnostic = new vscode.Diagnostic(range, problem.message, SEVERITY[problem.severity]);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = problem.code;
  diagnostic.relatedInformation = problem.related.map(
    (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(r.path), new vscode.Position(0, 0)), r.message),
  );
  return diagnostic;
}
