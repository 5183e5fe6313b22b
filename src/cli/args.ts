/** Output formats of `lora-lens inspect`. */
export type OutputFormat = 'text' | 'json' | 'csv' | 'markdown';

export interface InspectArgs {
  readonly command: 'inspect';
  /** The file or folder; undefined means the bundled sample adapter. */
  readonly path: string | undefined;
  readonly output: OutputFormat;
  readonly quiet: boolean;
}

export type CliArgs = InspectArgs | { readonly command: 'help' } | { readonly command: 'version' };

/** A command line that cannot be run as given; the CLI exits 2 with its message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FORMAT_FLAGS: Readonly<Record<string, OutputFormat>> = { '--json': 'json', '--csv': 'csv', '--markdown': 'markdown', '--md': 'markdown' };

export function parseArgs(argv: readonly string[]): CliArgs {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { command: 'help' };
  if (argv.includes('--version') || argv[0] === 'version') return { command: 'version' };
  const [command, ...rest] = argv;
  if (command !== 'inspect') throw new UsageError(`unknown command "${command}"; try: lora-lens inspect <file|folder>`);
  let path: string | undefined;
  let output: OutputFormat = 'text';
  let quiet = false;
  for (const arg of rest) {
    if (arg in FORMAT_FLAGS) {
      if (output !== 'text' && output !== FORMAT_FLAGS[arg]) throw new UsageError('choose one of --json, --csv, --markdown');
      output = FORMAT_FLAGS[arg];
    } else if (arg === '--quiet' || arg === '-q') quiet = true;
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
    else if (path !== undefined) throw new UsageError(`one path at a time (got "${path}" and "${arg}")`);
    else path = arg;
  }
  return { command: 'inspect', path, output, quiet };
}

export const HELP = `lora-lens: exact per-layer analysis of LoRA adapter checkpoints

usage:
  lora-lens inspect [<file|folder>] [--json | --csv | --markdown] [--quiet]

  <file|folder>  a .safetensors adapter, or a folder holding one (PEFT, kohya/LyCORIS,
                 diffusers, mlx-lm); without it, a bundled sample adapter is inspected
  --json         machine-readable report (a stable contract)
  --csv          one row per module
  --markdown     a Markdown report
  --quiet        no progress on stderr

exit status: 0 done, 2 invalid input or usage, 1 internal error
`;
