import { isAbsolute, join, resolve } from 'node:path';
import { WORKSPACE_PREDICTORS } from './predictorPaths';

/**
 * What decides where predictors are looked for. The setting's values come from
 * `inspect('predictors')`: `settingGlobal` is the user's own (global) value, `settingWorkspace`
 * the value a workspace (or one of its folders) sets, undefined where none does. Neither is
 * checked yet: anything other than a list of strings reads as an empty list.
 */
export interface SourceInputs {
  readonly trusted: boolean;
  /** File-system paths of the workspace folders, in order. */
  readonly workspaceFolders: readonly string[];
  readonly settingGlobal: unknown;
  readonly settingWorkspace: unknown;
}

/**
 * Where predictors are read from, and what waits for Workspace Trust. A predictor is an ONNX
 * model that runs as soon as it is listed, so in Restricted Mode nothing the workspace supplies
 * is listed: not its `.lora-lens/predictors/` folders, not its own `loraLens.predictors`, and not
 * a relative path of the user's setting (relative paths are taken from the first workspace
 * folder, so they point into the workspace too). Predictors the user loads by hand are not
 * decided here: an explicit pick is always honoured.
 */
export interface PredictorSources {
  /** `.lora-lens/predictors/` folders to list and watch, one per workspace folder. */
  readonly workspaceRoots: readonly string[];
  /** The setting's entries as absolute paths, in the setting's order. */
  readonly settingDirs: readonly string[];
  /** `.lora-lens/predictors/` folders left out until the folder is trusted. */
  readonly deferredRoots: readonly string[];
  /** Entries of the workspace's own setting left out until the folder is trusted. */
  readonly deferredSetting: readonly string[];
  /** Relative entries of the user's setting left out until the folder is trusted. */
  readonly deferredRelative: readonly string[];
}

export function predictorSources(inputs: SourceInputs): PredictorSources {
  const roots = inputs.workspaceFolders.map((folder) => join(folder, WORKSPACE_PREDICTORS));
  const base = inputs.workspaceFolders[0];
  const absolute = (path: string) => (isAbsolute(path) || base === undefined ? resolve(path) : resolve(base, path));
  const global = stringList(inputs.settingGlobal);
  const workspace = inputs.settingWorkspace === undefined ? undefined : stringList(inputs.settingWorkspace);
  if (inputs.trusted) {
    // A workspace value overrides the user's, as VS Code resolves any setting.
    return { workspaceRoots: roots, settingDirs: (workspace ?? global).map(absolute), deferredRoots: [], deferredSetting: [], deferredRelative: [] };
  }
  return {
    workspaceRoots: [],
    settingDirs: global.filter((path) => isAbsolute(path)).map((path) => resolve(path)),
    deferredRoots: roots,
    deferredSetting: workspace ?? [],
    deferredRelative: base === undefined ? [] : global.filter((path) => !isAbsolute(path)),
  };
}

/** Paths named in one note: enough to recognise the folders, short enough for a line. */
const NOTE_PATHS = 4;

/** The words every note of missing trust starts with (the panel and the output channel show them). */
export const UNTRUSTED_NOTE = 'workspace predictors run when the folder is trusted';

/**
 * The notes for what waits for trust, in words for the output channel and the predictions
 * panel; `presentRoots` are the deferred `.lora-lens/predictors/` folders that exist (an absent
 * one is not worth a note). Empty when nothing waits.
 */
export function trustNotes(sources: PredictorSources, presentRoots: readonly string[]): string[] {
  const notes: string[] = [];
  if (presentRoots.length > 0) notes.push(`${UNTRUSTED_NOTE}: ${listed(presentRoots)} not read in Restricted Mode`);
  if (sources.deferredSetting.length > 0) notes.push(`${UNTRUSTED_NOTE}: the workspace's loraLens.predictors (${listed(sources.deferredSetting)}) is not used in Restricted Mode`);
  if (sources.deferredRelative.length > 0)
    notes.push(`${UNTRUSTED_NOTE}: relative paths of loraLens.predictors (${listed(sources.deferredRelative)}) point into the workspace and are not used in Restricted Mode`);
  return notes;
}

/** A few paths for a note; a long list is cut, with its count. */
function listed(paths: readonly string[]): string {
  const shown = paths.slice(0, NOTE_PATHS).join(', ');
  return paths.length > NOTE_PATHS ? `${shown} and ${paths.length - NOTE_PATHS} more` : shown;
}

/** A settings value that should be a list of paths: anything else in it is left out. */
function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim()) : [];
}
