import { MEMORY_GUARD_BYTES } from './spawnCli';
import type { ProcessResult, Verdict } from './types';

/** What a run's exit says before any oracle: a defect (crash/hang), or a status to judge further. */
export type ExitKind = { readonly verdict: 'crash' | 'hang'; readonly reason: string } | { readonly verdict: 'exit'; readonly status: 0 | 2; readonly code?: string };

/** Signs of an uncaught failure in a run's output: our INTERNAL code, a V8 stack frame, an abort, an overflow. */
const CRASH_SIGNS: readonly [RegExp, string][] = [
  [/\bINTERNAL\b/, 'the INTERNAL error code'],
  [/^\s+at .+(:\d+:\d+\)?|\(native\)|\(node:[^)]+\))$/m, 'a stack trace'],
  [/Assertion failed|FATAL ERROR|Aborted|core dumped/, 'an abort'],
  [/Maximum call stack size exceeded/, 'a stack overflow'],
  [/heap out of memory|Allocation failed/, 'the heap exhausted'],
  [/\b(TypeError|RangeError|ReferenceError|SyntaxError): /, 'an uncaught JavaScript error'],
];

/** The first line of text, shortened for a report. */
export function excerpt(text: string, max = 200): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/**
 * Sorts a run by its exit alone: the hang guard fired, a signal, an exit status other than 0
 * and 2, or a crash sign in its output (a refusal's message may quote the file, so an exit-2
 * message is searched only outside the quoted part); an exit 2 must carry a coded message,
 * `{ error: { code, message } }` under --json, else one `lora-lens: …` line on stderr.
 */
export function classifyExit(run: ProcessResult, json: boolean): ExitKind {
  if (run.timedOut) return { verdict: 'hang', reason: 'still running at the hang guard' };
  if (run.overMemory) return { verdict: 'crash', reason: `resident memory past ${MEMORY_GUARD_BYTES / 1024 ** 3} GiB` };
  if (run.signal !== null) return { verdict: 'crash', reason: `killed by ${run.signal}` };
  if (run.status !== 0 && run.status !== 2) return { verdict: 'crash', reason: `exit ${run.status}: ${excerpt(run.stderr || run.stdout)}` };
  const sign = CRASH_SIGNS.find(([pattern]) => pattern.test(unquoted(run.stderr)));
  if (sign) return { verdict: 'crash', reason: `${sign[1]} on stderr: ${excerpt(run.stderr)}` };
  if (run.status === 0) return { verdict: 'exit', status: 0 };
  // A command-line error is found before the output mode is known: it goes to stderr even under --json.
  if (json && !(run.stdout === '' && /^lora-lens: .*\(see lora-lens \S+ --help\)$/m.test(run.stderr))) {
    const code = errorCode(run.stdout);
    if (code === undefined) return { verdict: 'crash', reason: `exit 2 without { error: { code, message } } on stdout: ${excerpt(run.stdout || run.stderr)}` };
    if (code === 'INTERNAL') return { verdict: 'crash', reason: `exit 2 with the INTERNAL code: ${excerpt(run.stdout)}` };
    return { verdict: 'exit', status: 2, code };
  }
  const lines = run.stderr.trimEnd().split('\n');
  const message = lines[lines.length - 1] ?? '';
  if (!message.startsWith('lora-lens: ')) return { verdict: 'crash', reason: `exit 2 without a "lora-lens: …" message: ${excerpt(run.stderr)}` };
  return { verdict: 'exit', status: 2 };
}

/** The `error.code` of a --json refusal, or undefined when stdout is not one. */
function errorCode(stdout: string): string | undefined {
  try {
    const parsed = JSON.parse(stdout) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = parsed.error ?? {};
    return typeof code === 'string' && typeof message === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/** Text with "…"-quoted parts (file contents a message quotes) removed, so only the tool's own words are searched. */
function unquoted(text: string): string {
  return text.replace(/"(?:[^"\\\n]|\\.){0,4096}"/g, '""');
}

export const DEFECTS: readonly Verdict[] = ['crash', 'hang', 'wrong'];
