import { Module } from 'node:module';

/**
 * A stand-in for the `vscode` module, enough of it for the host's pickers and command argument
 * handling to run under node:test. Import this file before the module under test: it makes
 * `require('vscode')` return `fake`, whose window and workspace the test sets up.
 */

type Listener<T> = (value: T) => unknown;

class Emitter<T> {
  dispose(): void {
    this.listeners = [];
  }
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
}

export class FakeUri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  static file(path: string): FakeUri {
    return new FakeUri('file', path.replace(/\\/g, '/'));
  }
  get fsPath(): string {
    return this.path;
  }
  static joinPath(base: FakeUri, ...parts: string[]): FakeUri {
    return new FakeUri(base.scheme, [base.path.replace(/\/$/, ''), ...parts].join('/'));
  }
  toString(): string {
    return `${this.scheme}://${this.path}`;
  }
}

/**
 * A glob as a regular expression, for the globs the host writes: a leading `**` with its slash, `*`, `{a,b}` (not
 * nested) and `[xX]`.
 */
export function globRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (glob.startsWith('**/', i)) {
      out += '(?:.*/)?';
      i += 2;
    } else if (c === '*') out += '[^/]*';
    else if (c === '{') out += '(?:';
    else if (c === '}') out += ')';
    else if (c === ',' && out.lastIndexOf('(?:') > out.lastIndexOf(')')) out += '|';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      out += glob.slice(i, end + 1);
      i = end;
    } else out += c.replace(/[.+?^$()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

export interface FakeItem {
  readonly label: string;
  readonly uri?: FakeUri;
  readonly kind?: number;
  readonly description?: string;
}

/** A quick pick the test drives: it types, checks items and presses Enter as a user would. */
export class FakeQuickPick {
  title = '';
  placeholder = '';
  value = '';
  busy = false;
  canSelectMany = false;
  ignoreFocusOut = false;
  matchOnDescription = false;
  items: readonly FakeItem[] = [];
  activeItems: readonly FakeItem[] = [];
  visible = false;
  disposed = false;
  private selected: readonly FakeItem[] = [];
  private readonly accept = new Emitter<void>();
  private readonly hide = new Emitter<void>();
  private readonly selection = new Emitter<readonly FakeItem[]>();
  readonly onDidAccept = this.accept.event;
  readonly onDidHide = this.hide.event;
  readonly onDidChangeSelection = this.selection.event;

  get selectedItems(): readonly FakeItem[] {
    return this.selected;
  }
  set selectedItems(items: readonly FakeItem[]) {
    this.selected = items;
  }
  show(): void {
    this.visible = true;
  }
  dispose(): void {
    this.disposed = true;
    this.visible = false;
  }

  /** The item whose label is `label` (throws when there is none, so a test says what it missed). */
  item(label: string): FakeItem {
    const found = this.items.find((i) => i.label === label);
    if (!found) throw new Error(`no item ${label} among ${this.items.map((i) => i.label).join(', ')}`);
    return found;
  }
  /** Checks one more item, as a click on its box does: the list reports its selection in list order. */
  check(label: string): void {
    const now = new Set([...this.selected, this.item(label)]);
    this.selected = this.items.filter((i) => now.has(i));
    this.selection.fire(this.selected);
  }
  pressEnter(): void {
    this.accept.fire();
  }
  escape(): void {
    this.visible = false;
    this.hide.fire();
  }
}

/** What a test sets up: the workspace, the file search and the dialogs, and what the code showed. */
export const fakeState = {
  /** The workspace's files, absolute `/`-separated paths; the default search and readDirectory read them. */
  files: [] as string[],
  picks: [] as FakeQuickPick[],
  messages: [] as string[],
  folders: [] as { uri: FakeUri; name: string; index: number }[],
  /** The workspace search: the glob and token it was given. */
  findFiles: (glob: unknown, _exclude: unknown, max: number, _token: unknown): Promise<FakeUri[]> => Promise.resolve(search(glob as RelativePattern | string, max)),
  openDialog: async (): Promise<FakeUri[] | undefined> => undefined,
  commands: new Map<string, (...args: unknown[]) => unknown>(),
  /** Titles of the webview panels the code opened (the fake opens none: it throws after noting the title). */
  panels: [] as string[],
  errors: [] as string[],
};

class CancellationTokenSource {
  private readonly emitter = new Emitter<void>();
  readonly token = { isCancellationRequested: false, onCancellationRequested: this.emitter.event };
  cancel(): void {
    if (this.token.isCancellationRequested) return;
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
  dispose(): void {}
}

class RelativePattern {
  constructor(
    readonly base: FakeUri | { uri: FakeUri },
    readonly pattern: string,
  ) {}
  get baseUri(): FakeUri {
    return this.base instanceof FakeUri ? this.base : this.base.uri;
  }
}

/** The default search: fakeState.files below the pattern's folder whose relative path matches its glob. */
export function search(pattern: RelativePattern | string, max: number): FakeUri[] {
  // A plain glob searches every folder; this fake holds one.
  const relative = typeof pattern === 'string' ? new RelativePattern(fakeState.folders[0]?.uri ?? FakeUri.file('/'), pattern) : pattern;
  const base = relative.baseUri.path.replace(/\/$/, '');
  const re = globRegExp(relative.pattern);
  return fakeState.files
    .filter((f) => f.startsWith(`${base}/`) && re.test(f.slice(base.length + 1)) && !f.includes('/node_modules/'))
    .slice(0, max)
    .map((f) => FakeUri.file(f));
}

const FileType = { File: 1, Directory: 2 };

function readDirectory(uri: FakeUri): Promise<[string, number][]> {
  const base = `${uri.path.replace(/\/$/, '')}/`;
  const entries = new Map<string, number>();
  for (const f of fakeState.files) {
    if (!f.startsWith(base)) continue;
    const rest = f.slice(base.length).split('/');
    entries.set(rest[0], rest.length > 1 ? FileType.Directory : FileType.File);
  }
  return Promise.resolve([...entries]);
}

function folderOf(uri: FakeUri) {
  return fakeState.folders.find((f) => uri.path === f.uri.path || uri.path.startsWith(`${f.uri.path.replace(/\/$/, '')}/`));
}

export const fake = {
  Uri: FakeUri,
  RelativePattern,
  CancellationTokenSource,
  QuickPickItemKind: { Separator: -1, Default: 0 },
  EventEmitter: Emitter,
  CancellationError: class CancellationError extends Error {},
  ViewColumn: { Active: -1 },
  ProgressLocation: { Notification: 15 },
  FileType,
  window: {
    createQuickPick: () => {
      const pick = new FakeQuickPick();
      fakeState.picks.push(pick);
      return pick;
    },
    showOpenDialog: () => fakeState.openDialog(),
    createOutputChannel: () => ({ error: () => {}, warn: () => {}, info: () => {}, debug: () => {}, trace: () => {}, dispose: () => {} }),
    createWebviewPanel: (_viewType: string, title: string) => {
      fakeState.panels.push(title);
      throw new Error('the fake opens no panels');
    },
    showErrorMessage: (message: string) => {
      fakeState.errors.push(message);
      return Promise.resolve(undefined);
    },
    showInformationMessage: (message: string) => {
      fakeState.messages.push(message);
      return Promise.resolve(undefined);
    },
  },
  workspace: {
    fs: { readDirectory },
    get workspaceFolders() {
      return fakeState.folders.length === 0 ? undefined : fakeState.folders;
    },
    findFiles: (glob: unknown, exclude: unknown, max: number, token: unknown) => fakeState.findFiles(glob, exclude, max, token),
    getWorkspaceFolder: (uri: FakeUri) => folderOf(uri),
    asRelativePath: (uri: FakeUri | string) => {
      const u = typeof uri === 'string' ? FakeUri.file(uri) : uri;
      const folder = folderOf(u);
      return folder ? u.path.slice(folder.uri.path.replace(/\/$/, '').length + 1) : u.path;
    },
  },
  commands: {
    registerCommand: (id: string, run: (...args: unknown[]) => unknown) => {
      fakeState.commands.set(id, run);
      return { dispose: () => fakeState.commands.delete(id) };
    },
    executeCommand: (id: string, ...args: unknown[]) => Promise.resolve(fakeState.commands.get(id)?.(...args)),
  },
};

/** Back to an empty workspace with no picks shown. */
export function resetFake(): void {
  fakeState.files = [];
  fakeState.picks = [];
  fakeState.messages = [];
  fakeState.panels = [];
  fakeState.errors = [];
  fakeState.folders = [];
  fakeState.findFiles = (glob, _exclude, max) => Promise.resolve(search(glob as RelativePattern | string, max));
  fakeState.openDialog = async () => undefined;
}

/** The last quick pick the code created. */
export function lastPick(): FakeQuickPick {
  const pick = fakeState.picks.at(-1);
  if (!pick) throw new Error('no quick pick was shown');
  return pick;
}

const modules = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string; _cache?: unknown };
const resolve = modules._resolveFilename;
const FAKE_ID = '\0fake-vscode';
modules._resolveFilename = (request: string, ...rest: unknown[]) => (request === 'vscode' ? FAKE_ID : resolve(request, ...rest));
const cached = new Module(FAKE_ID);
cached.exports = fake;
cached.loaded = true;
require.cache[FAKE_ID] = cached;
