import { jsonText, markdownCell as cell } from '../report/escape';
import { describeRankMethod, type RankPlan } from './recommend';

/** Everything the saved report holds (resize-report.json), also what `--json` prints. */
export interface ResizeReport {
  readonly input: string;
  readonly inputFormat: string;
  readonly output: string;
  readonly layout: 'peft' | 'kohya';
  readonly method: string;
  readonly dtype: string;
  readonly plan: RankPlan;
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  readonly notes: readonly string[];
}

const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;

/** The JSON form: the plan with its method object, per-layer rows and totals. */
export function reportJson(report: ResizeReport): string {
  const layers = report.plan.layers.map((l) => ({ ...l, paramsSaved: l.paramsBefore - l.paramsAfter }));
  return `${jsonText({ ...report, plan: { ...report.plan, layers } }, undefined, 2)}\n`;
}

/** Markdown: a summary line, the per-layer table, then what was skipped and the notes; text from files through markdownCell. */
export function reportMarkdown(report: ResizeReport): string {
  const { plan } = report;
  const saved = plan.paramsBefore - plan.paramsAfter;
  const out = [
    '# Resize report',
    '',
    `- input: ${cell(report.input)} (${cell(report.inputFormat)})`,
    `- output: ${cell(report.output)} (${report.layout}, ${cell(report.dtype)})`,
    `- method: ${cell(describeRankMethod(plan.method))}`,
    `- parameters: ${plan.paramsBefore} → ${plan.paramsAfter} (${saved} saved, ${plan.paramsBefore > 0 ? pct(saved / plan.paramsBefore) : '0 %'})`,
    `- overall relative error ‖ΔW − ΔW_k‖_F / ‖ΔW‖_F: ${plan.overallRelativeError.toExponential(3)}`,
    '',
    '| module | rank | kept | relative error | params saved |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...plan.layers.map((l) => `| ${cell(l.name)} | ${l.rank} | ${l.kept} | ${l.relativeError.toExponential(3)} | ${l.paramsBefore - l.paramsAfter} |`),
  ];
  if (report.skipped.length > 0) {
    out.push('', '## Not truncated', '');
    for (const s of report.skipped) out.push(`- ${cell(s.name)}: ${cell(s.reason)}`);
  }
  if (report.notes.length > 0) {
    out.push('', '## Notes', '');
    for (const n of report.notes) out.push(`- ${cell(n)}`);
  }
  return `${out.join('\n')}\n`;
}
