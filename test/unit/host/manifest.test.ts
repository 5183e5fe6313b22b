import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ADAPTER_WEIGHT_EXTENSIONS } from '../../../src/core/container/extensions';

/** The extension manifest as VS Code reads it: commands, menus, settings and the rest. */

interface Command {
  readonly command: string;
  readonly title?: string;
  readonly category?: string;
}
interface MenuItem {
  readonly command: string;
  readonly when?: string;
}
interface Setting {
  readonly type?: string;
  readonly scope?: string;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly description?: string;
  readonly markdownDescription?: string;
}
interface Manifest {
  readonly version: string;
  readonly displayName: string;
  readonly description: string;
  readonly icon?: string;
  readonly repository?: { readonly type: string; readonly url: string };
  readonly scripts: Record<string, string>;
  readonly capabilities?: {
    readonly virtualWorkspaces?: { readonly supported: boolean; readonly description?: string };
    readonly untrustedWorkspaces?: { readonly supported: boolean | 'limited'; readonly description?: string; readonly restrictedConfigurations?: readonly string[] };
  };
  readonly contributes: {
    readonly customEditors: readonly { readonly viewType: string; readonly priority: string; readonly selector: readonly { readonly filenamePattern: string }[] }[];
    readonly commands: readonly Command[];
    readonly menus: Record<string, readonly MenuItem[]>;
    readonly configuration: { readonly title: string; readonly properties: Record<string, Setting> };
  };
}

/** The repository root: the tests run from the compiled `out/` tree. */
function rootDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.nls.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.nls.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

const ROOT = rootDir();
const RAW = readFileSync(join(ROOT, 'package.json'), 'utf8');
/** Weights files Open in LoRA Lens, Compare and Resize are offered on: every container the reader takes. */
const WEIGHTS_FILE = `resourceExtname =~ /^\\.(${ADAPTER_WEIGHT_EXTENSIONS.join('|')})$/`;
const MANIFEST = JSON.parse(RAW) as Manifest;
const NLS = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
const { commands, menus, configuration } = MANIFEST.contributes;

/** A manifest string with its `%key%` replaced, as VS Code and vsce do. */
function resolved(value: string | undefined): string | undefined {
  const key = /^%(.+)%$/.exec(value ?? '')?.[1];
  return key === undefined ? value : NLS[key];
}

/** The commands that act on the open LoRA Lens editor (EditorRegistry.active) and nothing else. */
const EDITOR_COMMANDS = ['exportReport', 'copyLayerStats', 'revealLayer', 'analyze', 'compareWith', 'showCrossLayer', 'attachBase', 'checkPredictorInvariance'].map(
  (id) => `loraLens.${id}`,
);

test('every %key% in package.json has its text in package.nls.json, and every text is used', () => {
  const keys = [...RAW.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1] ?? '');
  assert.ok(keys.length > 30, `only ${keys.length} localized strings`);
  for (const key of keys) assert.ok(typeof NLS[key] === 'string' && NLS[key] !== '', `%${key}% has no text`);
  assert.deepEqual(
    Object.keys(NLS).filter((key) => !keys.includes(key)),
    [],
  );
  assert.equal(resolved(MANIFEST.displayName), 'LoRA Lens');
  assert.ok((resolved(MANIFEST.description) ?? '').length > 20);
});

test('every command has a title and the LoRA Lens category', () => {
  for (const c of commands) {
    assert.ok((resolved(c.title) ?? '').length > 0, `${c.command} has no title`);
    assert.equal(resolved(c.category), 'LoRA Lens', `${c.command}'s category`);
  }
});

test('every command in a menu is contributed', () => {
  const ids = new Set(commands.map((c) => c.command));
  for (const [menu, items] of Object.entries(menus)) {
    for (const item of items) assert.ok(ids.has(item.command), `${menu} names ${item.command}, which is not contributed`);
  }
});

test('when clauses name the LoRA Lens editor through its context keys, never through both view types', () => {
  const clauses = Object.values(menus).flatMap((items) => items.map((item) => item.when ?? ''));
  for (const when of clauses) assert.doesNotMatch(when, /activeCustomEditorId/);
  // Every loraLens.* context key in a clause is one the extension sets.
  const source = readFileSync(join(ROOT, 'src/host/editor/editorContextKeys.ts'), 'utf8');
  const defined = new Set([...source.matchAll(/= '(loraLens\.[A-Za-z]+)'/g)].map((m) => m[1]));
  assert.match(source, /executeCommand\('setContext'/);
  for (const when of clauses) {
    for (const key of when.match(/loraLens\.[A-Za-z]+/g) ?? []) assert.ok(defined.has(key), `${key} in "${when}" is never set`);
  }
});

test('the editor title shows the editor commands only on a LoRA Lens editor, Open in LoRA Lens only elsewhere', () => {
  for (const item of menus['editor/title'] ?? []) {
    if (item.command === 'loraLens.openInLens') assert.equal(item.when, `${WEIGHTS_FILE} && !loraLens.editorActive`);
    else assert.equal(item.when, 'loraLens.editorActive', item.command);
  }
});

test('the palette hides the editor commands while no adapter is open, and Open in LoRA Lens off weights files', () => {
  const palette = new Map((menus['commandPalette'] ?? []).map((item) => [item.command, item.when]));
  for (const id of EDITOR_COMMANDS) assert.equal(palette.get(id), 'loraLens.editorOpen', id);
  assert.equal(palette.get('loraLens.openInLens'), WEIGHTS_FILE);
  // The others pick their input themselves, so they always show.
  for (const id of ['loraLens.openAdapter', 'loraLens.resizeAdapter', 'loraLens.compareAdapters', 'loraLens.trainPredictor']) assert.ok(!palette.has(id), id);
});

test('the explorer offers Open in LoRA Lens, Compare and Resize on every readable weights file, GGUF included', () => {
  assert.ok(ADAPTER_WEIGHT_EXTENSIONS.includes('gguf'));
  const explorer = new Map((menus['explorer/context'] ?? []).map((item) => [item.command, item.when]));
  assert.equal(explorer.get('loraLens.openInLens'), WEIGHTS_FILE);
  for (const id of ['loraLens.compareAdapters', 'loraLens.resizeAdapter']) assert.equal(explorer.get(id), `explorerResourceIsFolder || ${WEIGHTS_FILE}`, id);
});

test('the editors are offered on every readable weights file, and by default on adapter-like names of each container', () => {
  const editors = MANIFEST.contributes.customEditors;
  const patterns = (priority: string) => editors.filter((e) => e.priority === priority).flatMap((e) => e.selector.map((s) => s.filenamePattern));
  assert.deepEqual(patterns('option').sort(), ADAPTER_WEIGHT_EXTENSIONS.map((extension) => `*.${extension}`).sort());
  for (const extension of ['safetensors', 'bin', 'gguf'])
    assert.ok(
      patterns('default').some((p) => p.endsWith(`.${extension}`)),
      extension,
    );
});

test('open dialogs offer every readable container; only base-model pickers stay safetensors-only', () => {
  const safetensorsOnly = sourceFiles(join(ROOT, 'src/host'))
    .filter((file) => readFileSync(file, 'utf8').includes("'Safetensors weights"))
    .map((file) => file.slice(ROOT.length + 1).replace(/\\/g, '/'))
    .sort();
  // attachBase reads base models (safetensors only); the resize output picker writes a kohya .safetensors.
  assert.deepEqual(safetensorsOnly, ['src/host/commands/attachBase.ts', 'src/host/resize/pickOutput.ts']);
});

/** The `.ts` files under a folder, recursively. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

test('every contributed command is registered by the extension', () => {
  const sources = sourceFiles(join(ROOT, 'src')).map((file) => readFileSync(file, 'utf8'));
  const constants = new Map(sources.flatMap((text) => [...text.matchAll(/const ([A-Z_]+) = '(loraLens\.[A-Za-z]+)'/g)].map((m) => [m[1], m[2]] as const)));
  const registered = new Set(sources.flatMap((text) => [...text.matchAll(/registerCommand\(\s*(?:'([^']+)'|([A-Z_]+))/g)].map((m) => m[1] ?? constants.get(m[2] ?? ''))));
  assert.ok(registered.size >= commands.length);
  for (const c of commands) assert.ok(registered.has(c.command), `${c.command} is contributed but never registered`);
});

test('every setting has a scope and a localized description; whole numbers are integers', () => {
  const scopes = new Set(['application', 'machine', 'machine-overridable', 'window', 'resource', 'language-overridable']);
  assert.equal(resolved(configuration.title), 'LoRA Lens');
  for (const [name, setting] of Object.entries(configuration.properties)) {
    assert.ok(scopes.has(setting.scope ?? ''), `${name} has scope ${String(setting.scope)}`);
    assert.ok((resolved(setting.markdownDescription ?? setting.description) ?? '').length > 10, `${name} has no description`);
    // A whole default is fine for a number whose range holds fractions (a ratio of 1 with a minimum of 0.01).
    if (setting.type === 'number') assert.ok(!Number.isInteger(setting.default) || !Number.isInteger(setting.minimum), `${name} holds whole numbers: type integer`);
  }
  assert.equal(configuration.properties['loraLens.analysis.maxAutoBytes']?.type, 'integer');
  // The device is the machine's business, but a workspace may still ask for the CPU.
  assert.equal(configuration.properties['loraLens.compute.device']?.scope, 'machine-overridable');
});

test('virtual workspaces are declined with the reason', () => {
  const virtual = MANIFEST.capabilities?.virtualWorkspaces;
  assert.equal(virtual?.supported, false);
  assert.match(resolved(virtual?.description) ?? '', /local disk/);
});

test('Restricted Mode: the extension runs limited, and the setting that names predictors to run is restricted', () => {
  const untrusted = MANIFEST.capabilities?.untrustedWorkspaces;
  assert.ok(untrusted, 'capabilities.untrustedWorkspaces is declared');
  assert.equal(untrusted.supported, 'limited');
  const description = resolved(untrusted.description);
  assert.ok(description && description.length > 40, 'the description resolves to a sentence in package.nls.json');
  assert.match(description, /trusted/);
  assert.deepEqual(untrusted.restrictedConfigurations, ['loraLens.predictors']);
  for (const key of untrusted.restrictedConfigurations ?? []) assert.ok(Object.hasOwn(configuration.properties, key), `${key} is a contributed setting`);
});

test('the marketplace fields: an icon of 128×128, the repository, a changelog entry for this version', () => {
  const icon = readFileSync(join(ROOT, MANIFEST.icon ?? 'missing'));
  assert.equal(icon.subarray(1, 4).toString('latin1'), 'PNG');
  // IHDR: width and height are the first two big-endian words of its data.
  assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128]);
  assert.match(MANIFEST.repository?.url ?? '', /^https:\/\//);
  assert.match(readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8'), new RegExp(`^## ${MANIFEST.version.replaceAll('.', '\\.')}$`, 'm'));
});

test('packaging builds through vscode:prepublish and needs no escape flags', () => {
  assert.match(MANIFEST.scripts['vscode:prepublish'] ?? '', /esbuild\.config\.mjs --production/);
  const pack = MANIFEST.scripts['package'] ?? '';
  assert.match(pack, /vsce package/);
  assert.doesNotMatch(pack, /--allow-missing-repository|--skip-license/);
});

test('the package ships only onnxruntime run-time files from node_modules', () => {
  const lines = readFileSync(join(ROOT, '.vscodeignore'), 'utf8').split('\n');
  assert.ok(lines.includes('node_modules/**'));
  const kept = lines.filter((line) => line.startsWith('!'));
  assert.ok(kept.length > 0);
  for (const line of kept) {
    assert.match(line, /^!node_modules\/onnxruntime-(node|common)\//);
    // Its installer, whole folders or other platforms' binaries would come back in.
    assert.doesNotMatch(line, /script|\*\*|darwin|win32|arm64/);
  }
});

test('every install script in the lockfile is reviewed, and onnxruntime-node does not download at install', () => {
  const pkg = JSON.parse(RAW) as { allowScripts?: Record<string, boolean> };
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  const scripted = Object.entries(lock.packages)
    .filter(([, entry]) => entry.hasInstallScript === true)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  assert.ok(scripted.includes('onnxruntime-node'));
  for (const name of scripted) assert.equal(typeof pkg.allowScripts?.[name], 'boolean', `${name}'s install script is not reviewed in allowScripts`);
  // Its installer only fetches the CUDA provider; the CPU build ships in the package.
  assert.equal(pkg.allowScripts?.['onnxruntime-node'], false);
  // npm 11 warns about project configs it does not know, such as the installer's own flag.
  const npmrc = join(ROOT, '.npmrc');
  if (existsSync(npmrc)) assert.doesNotMatch(readFileSync(npmrc, 'utf8'), /onnxruntime/);
});
