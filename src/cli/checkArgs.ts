import { SEVERITIES, type Severity } from '../core/check/finding';
import { LOAD_TARGETS, type LoadTarget } from '../core/check/targets/types';
import { text, type CommandSpec, type OptionValues } from './command';
import { oneOf, paths, UsageError } from './usage';
import { FINDING_DESCRIPTIONS } from './checkCodes';

/** `lora-lens check <file|folder>…`: what each adapter is and what is wrong with it. */
export interface CheckArgs {
  readonly command: 'check';
  readonly paths: readonly string[];
  readonly output: 'text' | 'json' | 'sarif';
  /** The least serious finding that makes the exit status 1. */
  readonly failOn: Severity;
  readonly base?: string;
  /** The loaders to judge each file against; absent: every loader that fits the file. */
  readonly targets?: readonly LoadTarget[];
}

export const CHECK: CommandSpec<CheckArgs> = {
  name: 'check',
  summary: 'what each adapter is and whether something is wrong with it; exit 1 on findings (for CI)',
  usage: [`check <file|folder>… [--target ${LOAD_TARGETS.join('|')}]… [--base <model>] [--json | --sarif] [--fail-on error|warning|note]`],
  description:
    'Identifies each adapter (container, algorithm, writer, base architecture), says whether each loader that fits it (or each --target) would load every key, and lists its findings, each with a severity, a stable code and the modules it concerns, most serious first. A folder holding one adapter is that adapter; a folder of adapters is every adapter in it. The exit status is 1 when a finding reaches --fail-on, so a CI step fails on it; --sarif writes SARIF 2.1.0 for code scanning.',
  arguments: [['<file|folder>…', 'adapter files, adapter folders, or folders of adapters']],
  options: {
    json: {
      type: 'boolean',
      help: 'print {"files": [{path, identity, targets, findings}]} on stdout (targets: the keys each loader would load and drop) (errors as {"error": {code, message}})',
    },
    sarif: { type: 'boolean', help: 'print a SARIF 2.1.0 log on stdout: a rule per finding code, a result per finding, paths relative to the working folder' },
    'fail-on': { type: 'string', value: 'error|warning|note', help: 'the least serious finding that makes the exit status 1 (default error)' },
    target: {
      type: 'string',
      value: LOAD_TARGETS.join('|'),
      multiple: true,
      help: 'judge each file against these loaders (a comma list, or the option repeated), even ones that do not fit its architecture; default: every loader that fits it',
    },
    base: {
      type: 'string',
      value: '<model>',
      help: 'the base model the adapter was trained on (a .safetensors file, a sharded folder or its index, a diffusers pipeline, a Hugging Face cache folder), read one weight at a time, for the HEALTH_BASE_* and HEALTH_INTRUDER_DIMENSIONS findings',
    },
  },
  exitStatus: 'exit status: 0 no finding reaches --fail-on, 1 one does (or an internal error, with its message on stderr), 2 invalid input or usage (a file that cannot be read)',
  sections: [{ title: 'finding codes', items: Object.entries(FINDING_DESCRIPTIONS) }],
  parse(values, positionals) {
    const list = paths(positionals, 1, Infinity, 'adapter file or folder');
    if (values.json === true && values.sarif === true) throw new UsageError('choose one of --json, --sarif');
    const failOn = oneOf('--fail-on', text(values, 'fail-on') ?? 'error', SEVERITIES);
    const base = text(values, 'base');
    if (base === '') throw new UsageError('--base takes the base model: a .safetensors file, a sharded model folder or index, or a Hugging Face cache folder');
    const targets = targetsOf(values.target);
    const output = values.json === true ? 'json' : values.sarif === true ? 'sarif' : 'text';
    return { command: 'check', paths: list, output, failOn, ...(base === undefined ? {} : { base }), ...(targets === undefined ? {} : { targets }) };
  },
};

/** Every `--target` value, each a comma list of loader names, in order without repeats. */
function targetsOf(value: OptionValues[string]): LoadTarget[] | undefined {
  if (value === undefined) return undefined;
  const given = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
  const names = given.flatMap((v) => v.split(',')).map((v) => v.trim());
  if (names.length === 0 || names.some((n) => n === '')) throw new UsageError(`--target takes one or more of ${LOAD_TARGETS.join(', ')}, separated by commas`);
  return [...new Set(names.map((n) => oneOf('--target', n, LOAD_TARGETS)))];
}
