import type * as vscode from 'vscode';
import type { AnalysisService } from './analysis/analysisService';
import type { EditorRegistry } from './editor/editorRegistry';

/** What commands, the editor and the hover share: made once at activation. */
export interface HostContext {
  readonly extensionUri: vscode.Uri;
  readonly service: AnalysisService;
  readonly registry: EditorRegistry;
}
