import { jsonText, linesSafe } from '../core/report/escape';
import type { CliArgs } from './args';
import { parseCommandLine } from './commandLine';
import { checkpoints } from './checkpoints';
import { checkCommand } from './check';
import { describeError, EXIT_INPUT, EXIT_INTERNAL } from './exitStatus';
import { compare } from './compare';
import { info } from './info';
import { inspect } from './inspect';
import { makeZooCommand } from './makeZoo';
import { scan } from './scan';
import { scanMergeCommand } from './scanMerge';
import { checkInvarianceCommand } from './checkInvariance';
import { predictCommand } from './predict';
import { trainPredictorCommand } from './trainPredictor';
import { resizeCommand } from './resize';

declare const LORA_LENS_VERSION: string | undefined;

async function main(argv: readonly string[]): Promise<number> {
  let args: CliArgs | undefined;
  try {
    args = parseCommandLine(argv);
    if (args.command === 'help') {
      process.stdout.write(args.text);
      return 0;
    }
    if (args.command === 'version') {
      process.stdout.write(`${typeof LORA_LENS_VERSION === 'string' ? LORA_LENS_VERSION : 'dev'}\n`);
      return 0;
    }
    // The last guard: every field from a file is escaped where it is formatted; this catches any that is not.
    const outcome = await run(args);
    await write(linesSafe(typeof outcome === 'string' ? outcome : outcome.text));
    return typeof outcome === 'string' ? 0 : outcome.status;
  } catch (error) {
    const json =
      (args?.command === 'inspect' && args.output === 'json') ||
      (args?.command === 'check' && args.output === 'json') ||
      ((args?.command === 'info' ||
        args?.command === 'compare' ||
        args?.command === 'checkpoints' ||
        args?.command === 'train-predictor' ||
        args?.command === 'predict' ||
        args?.command === 'check-invariance' ||
        args?.command === 'resize') &&
        args.json);
    const { code, inputError, message } = describeError(error);
    if (json) await write(`${jsonText({ error: { code, message } }, undefined, 2)}\n`);
    else process.stderr.write(`lora-lens: ${linesSafe(message)}\n`);
    if (!inputError && process.env.LORA_LENS_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return inputError ? EXIT_INPUT : EXIT_INTERNAL;
  }
}

/** The text to print; `check` also says its exit status (1 when a finding reaches --fail-on). */
function run(args: Exclude<CliArgs, { command: 'help' | 'version' }>): Promise<string | { text: string; status: number }> {
  switch (args.command) {
    case 'check':
      return checkCommand(args);
    case 'info':
      return info(args);
    case 'inspect':
      return inspect(args);
    case 'compare':
      return compare(args);
    case 'checkpoints':
      return checkpoints(args);
    case 'scan':
      return scan(args);
    case 'scan-merge':
      return scanMergeCommand(args);
    case 'make-zoo':
      return makeZooCommand(args);
    case 'train-predictor':
      return trainPredictorCommand(args);
    case 'predict':
      return predictCommand(args);
    case 'check-invariance':
      return checkInvarianceCommand(args);
    case 'resize':
      return resizeCommand(args);
  }
}

/** Writes to stdout and waits for it to drain; a closed pipe (`| head`) is not an error. */
function write(text: string): Promise<void> {
  return new Promise((resolve) => {
    process.stdout.write(text, () => resolve());
  });
}

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
});

void main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
