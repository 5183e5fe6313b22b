/** The shapes the hostile-input suite is made of: cases, the runs they ask for, and what came of them. */

/** The groups of hostile inputs, as issue 12 sorts them. */
export const CATEGORIES = ['headers', 'numerics', 'configs', 'file system', 'load', 'output injection', 'pickles'] as const;
export type Category = (typeof CATEGORIES)[number];

/** What a right answer to a case is: a typed refusal (exit 2), an answer (exit 0), or either. */
export type Expectation = 'refuse' | 'answer' | 'either';

/** What one CLI process did. */
export interface ProcessResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Killed by the hang guard. */
  readonly timedOut: boolean;
  /** Killed by the memory guard. */
  readonly overMemory: boolean;
}

/** Runs the built CLI once more (for a twin to compare with, or a second look at an output). */
export type CliRunner = (args: readonly string[]) => Promise<ProcessResult>;

/** What a case's oracle gets: the run, the case's folder, and the CLI for more runs. */
export interface CheckContext {
  readonly run: ProcessResult;
  readonly dir: string;
  readonly cli: CliRunner;
}

/** The run a case asks for once its files are written. */
export interface Invocation {
  /** Arguments after `node dist/cli.js`. */
  readonly args: readonly string[];
  readonly expect: Expectation;
  /** The output is JSON (`--json`): an exit-2 run must print `{ error: { code, message } }` there. */
  readonly json?: boolean;
  /** A warning an exit-0 run must print (stdout or stderr); the run then counts as a typed error. */
  readonly warning?: RegExp;
  /** Further checks of any run that exited 0 or 2; returns why the output is wrong, or nothing. */
  readonly check?: (context: CheckContext) => Promise<string | undefined> | string | undefined;
  /** Folders where a failed run (exit 2) must leave no file behind. */
  readonly outputs?: readonly string[];
  /** Further CLI runs started together with this one (a concurrent writer); each is classified too. */
  readonly alongside?: readonly (readonly string[])[];
  /** Called after the run whatever happened (to release a FIFO a stuck reader waits on). */
  readonly release?: () => void;
  /**
   * A longer hang guard for a run whose work is large by design (passes over gigabytes); it still
   * counts as a hang past this.
   */
  readonly guardMs?: number;
}

/** One hostile input. */
export interface FuzzCase {
  readonly category: Category;
  readonly name: string;
  /** Slow (seconds of work, or gigabytes read): run by `npm run fuzz`, left out of the unit test. */
  readonly heavy?: boolean;
  /** Writes the case's files into `dir` (fresh and empty) and says how to run it. */
  prepare(dir: string): Promise<Invocation>;
}

/** How a run is classified: answered and typed are right; the rest are defects. */
export type Verdict = 'answered' | 'typed' | 'crash' | 'hang' | 'wrong';

export interface CaseOutcome {
  readonly category: Category;
  readonly name: string;
  readonly verdict: Verdict;
  /** Why, for every verdict but answered/typed (and the refusal's code for typed). */
  readonly reason: string;
  /** Wall time of the case, preparation and oracle included (for finding slow cases, never asserted). */
  readonly ms: number;
}
