import type { AnalysisProgress } from '../core/analysis/analyze';

/** How often a non-terminal stderr gets a progress line, after the first one. */
const LINE_INTERVAL_MS = 2000;

/**
 * Progress on stderr: one line redrawn in place on a terminal; on a pipe or log file (with
 * --progress), a line every two seconds once the run has taken that long. `quiet` is the
 * parsed decision (see `silent` in command.ts).
 */
export function progressReporter(stream: NodeJS.WriteStream, quiet: boolean): { update: (p: AnalysisProgress) => void; done: () => void } {
  if (quiet) return { update: () => {}, done: () => {} };
  const started = Date.now();
  let lastLine = started;
  let drawn = false;
  return {
    update(p) {
      const text = `analysing ${p.done}/${p.total} modules`;
      if (stream.isTTY) {
        stream.write(`\r${text}\u001b[K`);
        drawn = true;
      } else if (Date.now() - lastLine >= LINE_INTERVAL_MS) {
        stream.write(`${text}\n`);
        lastLine = Date.now();
      }
    },
    done() {
      if (drawn) stream.write('\r\u001b[K');
    },
  };
}

/**
 * Free-text progress on stderr for steps that have no count: redrawn in place on a terminal,
 * otherwise (--progress on a pipe) a line every two seconds. `null` erases the line when done.
 */
export function stepProgress(stream: NodeJS.WriteStream, quiet: boolean): (text: string | null) => void {
  if (quiet) return () => {};
  let lastLine = 0;
  let drawn = false;
  return (text) => {
    if (text === null) {
      if (drawn) stream.write('\r\u001b[K');
      drawn = false;
    } else if (stream.isTTY) {
      stream.write(`\r${text}\u001b[K`);
      drawn = true;
    } else if (Date.now() - lastLine >= LINE_INTERVAL_MS) {
      stream.write(`${text}\n`);
      lastLine = Date.now();
    }
  };
}
