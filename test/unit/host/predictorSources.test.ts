import { strict as assert } from 'node:assert';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { WORKSPACE_PREDICTORS } from '../../../src/host/predict/predictorPaths';
import { predictorSources, trustNotes, UNTRUSTED_NOTE } from '../../../src/host/predict/predictorSources';

const FOLDER = resolve('/work/repo');
const OTHER = resolve('/work/other');
const MINE = resolve('/home/me/predictors');

test('a trusted folder lists its .lora-lens/predictors and its own setting, which overrides the user value', () => {
  const s = predictorSources({ trusted: true, workspaceFolders: [FOLDER, OTHER], settingGlobal: [MINE], settingWorkspace: ['shared/p', '/opt/p'] });
  assert.deepEqual(s.workspaceRoots, [join(FOLDER, WORKSPACE_PREDICTORS), join(OTHER, WORKSPACE_PREDICTORS)]);
  assert.deepEqual(s.settingDirs, [resolve(FOLDER, 'shared/p'), resolve('/opt/p')]);
  assert.deepEqual([s.deferredRoots, s.deferredSetting, s.deferredRelative], [[], [], []]);
  assert.deepEqual(trustNotes(s, []), []);
});

test('a trusted folder without a workspace value uses the user value, relative paths from the first folder', () => {
  const s = predictorSources({ trusted: true, workspaceFolders: [FOLDER], settingGlobal: [MINE, 'rel'], settingWorkspace: undefined });
  assert.deepEqual(s.settingDirs, [MINE, resolve(FOLDER, 'rel')]);
});

test('an untrusted folder lists no workspace predictors and ignores its own loraLens.predictors', () => {
  const s = predictorSources({ trusted: false, workspaceFolders: [FOLDER], settingGlobal: [MINE], settingWorkspace: ['/etc/evil', '../up'] });
  assert.deepEqual(s.workspaceRoots, []);
  assert.deepEqual(s.settingDirs, [MINE]);
  assert.deepEqual(s.deferredRoots, [join(FOLDER, WORKSPACE_PREDICTORS)]);
  assert.deepEqual(s.deferredSetting, ['/etc/evil', '../up']);
});

test('an untrusted folder leaves out relative user entries: they would point into the workspace', () => {
  const s = predictorSources({ trusted: false, workspaceFolders: [FOLDER], settingGlobal: ['models', MINE], settingWorkspace: undefined });
  assert.deepEqual(s.settingDirs, [MINE]);
  assert.deepEqual(s.deferredRelative, ['models']);
});

test('an empty workspace value still overrides when trusted and is still deferred when not', () => {
  assert.deepEqual(predictorSources({ trusted: true, workspaceFolders: [FOLDER], settingGlobal: [MINE], settingWorkspace: [] }).settingDirs, []);
  const s = predictorSources({ trusted: false, workspaceFolders: [FOLDER], settingGlobal: [MINE], settingWorkspace: [] });
  assert.deepEqual(s.settingDirs, [MINE]);
});

test('malformed setting values read as empty lists; blank and non-string entries are dropped', () => {
  const s = predictorSources({ trusted: true, workspaceFolders: [], settingGlobal: 'not a list', settingWorkspace: undefined });
  assert.deepEqual(s.settingDirs, []);
  const t = predictorSources({ trusted: true, workspaceFolders: [], settingGlobal: [' ', 7, null, ` ${MINE} `], settingWorkspace: undefined });
  assert.deepEqual(t.settingDirs, [MINE]);
});

test('the notes say what waits for trust, once per kind, and name only folders that exist', () => {
  const s = predictorSources({ trusted: false, workspaceFolders: [FOLDER, OTHER], settingGlobal: ['rel'], settingWorkspace: ['/x'] });
  const notes = trustNotes(s, [join(FOLDER, WORKSPACE_PREDICTORS)]);
  assert.equal(notes.length, 3);
  for (const note of notes) assert.ok(note.startsWith(UNTRUSTED_NOTE), note);
  assert.match(notes[0], /\.lora-lens/);
  assert.doesNotMatch(notes[0], /other/);
  assert.match(notes[1], /workspace's loraLens\.predictors \(\/x\)/);
  assert.match(notes[2], /relative paths .*\(rel\)/);
  assert.deepEqual(trustNotes(predictorSources({ trusted: false, workspaceFolders: [FOLDER], settingGlobal: [], settingWorkspace: undefined }), []), []);
});

test('a long list in a note is cut with its count', () => {
  const many = Array.from({ length: 50 }, (_, i) => `/p${i}`);
  const [note] = trustNotes(predictorSources({ trusted: false, workspaceFolders: [FOLDER], settingGlobal: [], settingWorkspace: many }), []);
  assert.match(note, /\/p3 and 46 more/);
  assert.doesNotMatch(note, /\/p4\b/);
});
