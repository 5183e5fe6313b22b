/** One option of a command, as `node:util` parseArgs takes it plus the line its help prints. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** The value's placeholder in help (`--k K`); string options only. */
  readonly value?: string;
  /** The option may be given more than once; parse then sees every value, in order. */
  readonly multiple?: boolean;
  /** What the option does, in a sentence or two; wrapped to the terminal's width in help. */
  readonly help: string;
}

/** What parseArgs found: strings for string options, true for the switches given. */
export type OptionValues = Readonly<Record<string, string | boolean | readonly (string | boolean)[] | undefined>>;

/** A path the command will write: checked before any input is read (see outputPath.ts). */
export interface OutputTarget {
  /** The option that named it, for the message (`--out`), or the argument's name (`FOLDER`). */
  readonly option: string;
  readonly path: string;
  /** A folder the command creates or fills (it may exist as a folder), or a single file. */
  readonly kind: 'file' | 'folder';
  /** The command creates missing parent folders itself, so only the nearest existing one is checked. */
  readonly createsParents?: boolean;
}

/**
 * One command of the table: its help (summary, usage lines, arguments, options, notes) and the
 * function that turns what parseArgs found into the command's typed arguments. `parse` throws
 * UsageError in the user's words; the caller adds the command's name and the pointer to its help.
 */
export interface CommandSpec<A> {
  readonly name: string;
  /** One line for the overview. */
  readonly summary: string;
  /** Usage lines without the leading `lora-lens `. */
  readonly usage: readonly string[];
  /** What the command does, a paragraph wrapped in help. */
  readonly description: string;
  readonly arguments: readonly (readonly [string, string])[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Further tables printed after the options (e.g. what --param means for each method). */
  readonly sections?: readonly { readonly title: string; readonly items: readonly (readonly [string, string])[] }[];
  // Methods, not function properties: the table holds every command as CommandSpec<their union>.
  parse(values: OptionValues, positionals: readonly string[]): A;
  /** The exit-status line of its help, when it differs from the common one. */
  readonly exitStatus?: string;
  /** The paths it writes, when it writes any. */
  outputs?(args: A): readonly OutputTarget[];
}

/** Progress options shared by the long commands; the rule is stated once, here. */
export const PROGRESS_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  quiet: { type: 'boolean', short: 'q', help: 'no progress on stderr' },
  progress: {
    type: 'boolean',
    help: 'progress on stderr even when it is not a terminal (a line every 2 s); without it progress shows only on a terminal. stdout (the result, --json included) never carries progress',
  },
};

/**
 * True when progress stays off: --quiet, or stderr is not a terminal and --progress was not
 * given. One rule for every long command.
 */
export function silent(values: OptionValues): boolean {
  return values.quiet === true || (values.progress !== true && process.stderr.isTTY !== true);
}

/** A string option's value; undefined when it was not given. */
export function text(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}
