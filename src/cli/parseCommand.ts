import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage';
import type { CommandSpec } from './command';
import { checkOutputPath } from './outputPath';

/**
 * One command's arguments (`args` follows the command's name) through `node:util` parseArgs and
 * the command's own parse; then the paths it writes are checked, before it reads any input.
 * Every UsageError comes out naming the command and pointing at its help.
 */
export function parseCommand<A>(command: CommandSpec<A>, args: readonly string[]): A {
  let found: ReturnType<typeof parseArgs>;
  try {
    found = parseArgs({ args: [...args], options: parseConfig(command), allowPositionals: true, strict: true });
  } catch (error) {
    throw usage(command, plainParseError(error));
  }
  try {
    const parsed = command.parse(found.values, found.positionals);
    for (const target of command.outputs?.(parsed) ?? []) checkOutputPath(target);
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw usage(command, error.message);
    throw error;
  }
}

function parseConfig(command: CommandSpec<unknown>): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(command.options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) }]),
  );
}

/** The message names the command and points at its help. */
function usage(command: CommandSpec<unknown>, what: string): UsageError {
  const lead = what.startsWith(`${command.name} `) ? what : /^(takes|needs) /.test(what) ? `${command.name} ${what}` : `${command.name}: ${what}`;
  return new UsageError(`${lead} (see lora-lens ${command.name} --help)`);
}

/** parseArgs's errors quote its own option syntax; say the same in a few plain words. */
function plainParseError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  const flag = /'(?:-\w, )?(--?[\w-]+)/.exec(error.message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    if (/does not take an argument/.test(error.message)) return `${flag} takes no value`;
    if (/ambiguous/.test(error.message)) return `${flag} needs a value, and the next word starts with "-" (for a value that starts with "-" write ${flag}=VALUE)`;
    return `${flag} needs a value`;
  }
  return error.message;
}
