import type { JsonReport } from './adapter';
import { parseJson } from './runner';
import type { Invocation } from './types';

/**
 * `inspect <dir> --json` that must answer (exit 0), its report then checked by `check`, which
 * says why the report is wrong, or nothing.
 */
export function inspectAnswer(dir: string, check: (report: JsonReport) => string | undefined): Invocation {
  return {
    args: ['inspect', dir, '--json'],
    json: true,
    expect: 'answer',
    check: ({ run }) => {
      const report = parseJson<JsonReport>(run);
      return typeof report === 'string' ? report : check(report);
    },
  };
}
