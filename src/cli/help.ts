import type { CommandSpec, OptionSpec } from './command';

const EXIT_STATUS = 'exit status: 0 done, 2 invalid input or usage, 1 internal error';
const PROGRESS_RULE =
  'Progress goes to stderr, and only when stderr is a terminal or --progress is given; --quiet turns it off. stdout carries the result alone, so --json output can be piped.';

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Two columns: terms on the left, their text wrapped beside them (below a term too long for the column). */
function definitions(items: readonly (readonly [string, string])[], width: number, widest = 26): string[] {
  const column = Math.min(widest, Math.max(...items.map(([term]) => term.length))) + 4;
  const textWidth = Math.max(20, width - column);
  return items.flatMap(([term, text]) => {
    const body = wrap(text, textWidth);
    const head = `  ${term}`;
    if (head.length + 2 > column) return [head, ...body.map((l) => `${' '.repeat(column)}${l}`)];
    return body.map((l, i) => `${(i === 0 ? head : '').padEnd(column)}${l}`);
  });
}

/** `lora-lens --help`: the commands with one line each. */
export function overviewHelp(commands: readonly CommandSpec<unknown>[], width: number): string {
  const lines = [
    'lora-lens: exact per-layer analysis of LoRA adapter checkpoints',
    '',
    'usage: lora-lens <command> [arguments] [options]',
    "       lora-lens <command> --help     the command's arguments and options",
    '       lora-lens --version',
    '',
    'commands:',
    ...definitions(
      commands.map((c) => [c.name, c.summary]),
      width,
    ),
    '',
    'e.g. lora-lens inspect adapter_model.safetensors',
    '     lora-lens resize my-lora --out my-lora-r8 --method fixed --param 8',
    '',
    ...wrap(PROGRESS_RULE, width),
    ...wrap(EXIT_STATUS, width),
  ];
  return `${lines.join('\n')}\n`;
}

function optionTerm(name: string, option: OptionSpec): string {
  const flag = `${option.short ? `-${option.short}, ` : ''}--${name}`;
  return option.type === 'string' ? `${flag} ${option.value ?? 'VALUE'}` : flag;
}

/** `lora-lens <command> --help`: its usage, what it does, its arguments and every option explained. */
export function commandHelp(command: CommandSpec<unknown>, width: number): string {
  const options = Object.entries(command.options).map(([name, o]): [string, string] => [optionTerm(name, o), o.help]);
  options.push(['-h, --help', 'this help']);
  const lines = [
    ...wrap(`lora-lens ${command.name}: ${command.summary}`, width),
    '',
    'usage:',
    ...command.usage.map((u) => `  lora-lens ${u}`),
    '',
    ...wrap(command.description, width),
    ...(command.arguments.length > 0 ? ['', 'arguments:', ...definitions(command.arguments, width)] : []),
    '',
    'options:',
    ...definitions(options, width),
    ...(command.sections ?? []).flatMap((section) => ['', `${section.title}:`, ...definitions(section.items, width)]),
    '',
    ...('progress' in command.options ? [...wrap(PROGRESS_RULE, width), ''] : []),
    ...wrap(command.exitStatus ?? EXIT_STATUS, width),
  ];
  return `${lines.join('\n')}\n`;
}
