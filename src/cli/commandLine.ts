import { CHECKPOINTS, COMPARE, INFO, INSPECT, type CliArgs } from './args';
import { CHECK } from './checkArgs';
import type { CommandSpec } from './command';
import { commandHelp, overviewHelp } from './help';
import { parseCommand } from './parseCommand';
import { MAKE_ZOO, SCAN } from './predictArgs';
import { CHECK_INVARIANCE, PREDICT, TRAIN_PREDICTOR } from './predictorArgs';
import { RESIZE } from './resizeArgs';
import { SCAN_MERGE } from './scanMerge';
import { UsageError } from './usage';
import { terminalWidth } from './table';

type RunnableArgs = Exclude<CliArgs, { command: 'help' | 'version' }>;

/** Every command, in the order the overview lists them. */
export const COMMANDS: readonly CommandSpec<RunnableArgs>[] = [
  INSPECT,
  CHECK,
  INFO,
  COMPARE,
  CHECKPOINTS,
  RESIZE,
  SCAN,
  SCAN_MERGE,
  MAKE_ZOO,
  TRAIN_PREDICTOR,
  PREDICT,
  CHECK_INVARIANCE,
];

/**
 * The command line as typed arguments, or the help or version to print. Throws UsageError, in
 * the user's words and naming the command, for anything that cannot run; the paths a command
 * writes are checked here, before it reads any input.
 */
export function parseCommandLine(argv: readonly string[], width = terminalWidth()): CliArgs {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) return { command: 'help', text: overviewHelp(COMMANDS, width) };
  if (argv.includes('--version') || first === 'version') return { command: 'version' };
  const name = first === 'help' ? rest[0] : first;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const what = name.startsWith('-') ? `unknown option ${name} before the command` : `unknown command "${name}"`;
    throw new UsageError(`${what}; the commands are ${COMMANDS.map((c) => c.name).join(', ')} (see lora-lens --help)`);
  }
  if (first === 'help' || rest.includes('--help') || rest.includes('-h')) return { command: 'help', text: commandHelp(command, width) };
  return parseCommand(command, rest);
}
