import { jsonText } from '../core/report/escape';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ResizeError } from '../core/resize/errors';
import { planResize } from '../core/resize/planResize';
import { describeRankMethod, type RankPlan } from '../core/resize/recommend';
import { resizeAdapter } from '../core/resize/resize';
import { progressReporter } from './progress';
import type { ResizeArgs } from './resizeArgs';
import { clean, shortName, textTable } from './table';

/** What `resize` prints: the plan, what was not truncated, the notes and the files written. */
interface ResizeOutput {
  readonly input: string;
  readonly dryRun: boolean;
  readonly plan: RankPlan;
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  readonly notes: readonly string[];
  readonly files: readonly string[];
  /** Who computed the products (e.g. "js", "onnxruntime cpu"). */
  readonly backend: string;
}

/**
 * `lora-lens resize IN --out OUT --method … --param …`. With --dry-run the plan is computed and
 * printed and nothing is written (without --out the output is not checked). Problems found
 * before writing throw ResizeError (exit 2) with every one of them in the message.
 */
export async function resizeCommand(args: ResizeArgs): Promise<string> {
  for (const warning of args.warnings) process.stderr.write(`${warning}\n`);
  const progress = progressReporter(process.stderr, args.quiet);
  const onProgress = (done: number, total: number) => progress.update({ done, total, module: '' });
  const common = {
    input: args.input,
    method: args.method,
    format: args.format,
    overwrite: args.overwrite,
    foldMixer: !args.keepMixer,
    onProgress,
    compute: args.compute,
    ...ortWorker(),
  };
  let out: ResizeOutput;
  try {
    if (args.dryRun) {
      const planned = await planResize({ ...common, output: args.output });
      const backend = planned.backend.name;
      await planned.close();
      if (planned.problems.length > 0 || !planned.plan) throw new ResizeError(planned.problems[0].code, planned.problems.map((p) => p.message).join('; '));
      const notes = planned.target.note ? [planned.target.note] : [];
      out = {
        input: planned.opened.adapter.file,
        dryRun: true,
        plan: planned.plan,
        skipped: planned.prepared.skipped.map((s) => ({ name: s.module.name, reason: s.reason })),
        notes,
        files: [],
        backend,
      };
    } else {
      const output = args.output ?? '';
      const result = await resizeAdapter({ ...common, output, ...(args.dtype ? { dtype: args.dtype } : {}) });
      out = { input: args.input, dryRun: false, plan: result.plan, skipped: result.skipped, notes: result.notes, files: result.files, backend: result.backend };
    }
  } finally {
    progress.done();
  }
  return args.json
    ? `${jsonText({ ...out, plan: { ...out.plan, layers: out.plan.layers.map((l) => ({ ...l, paramsSaved: l.paramsBefore - l.paramsAfter })) } }, undefined, 2)}\n`
    : text(out);
}

/**
 * The ORT worker's script beside this bundle in dist/, when there is one: onnxruntime then runs
 * on its own thread and reading, decoding and writing overlap with its products. Elsewhere (the
 * test build) it runs on this thread.
 */
function ortWorker(): { ortWorker?: string } {
  const script = join(__dirname, 'ortWorker.js');
  return existsSync(script) ? { ortWorker: script } : {};
}

function text(out: ResizeOutput): string {
  const { plan } = out;
  const saved = plan.paramsBefore - plan.paramsAfter;
  const lines = [
    `${clean(out.input)}: ${describeRankMethod(plan.method)} (computed on ${out.backend})`,
    `parameters ${plan.paramsBefore} → ${plan.paramsAfter} (${saved} saved, ${plan.paramsBefore > 0 ? ((100 * saved) / plan.paramsBefore).toFixed(1) : '0'} %); overall relative error ${plan.overallRelativeError.toExponential(3)}`,
    '',
    ...textTable(
      ['module', 'rank', 'kept', 'rel.error', 'saved'],
      plan.layers.map((l) => [shortName(l.name), String(l.rank), String(l.kept), l.relativeError.toExponential(3), String(l.paramsBefore - l.paramsAfter)]),
    ),
  ];
  if (out.skipped.length > 0) {
    lines.push('', `not truncated (${out.skipped.length}):`);
    for (const s of out.skipped) lines.push(`  ${shortName(s.name)}: ${clean(s.reason)}`);
  }
  if (out.notes.length > 0) {
    lines.push('');
    for (const n of out.notes) lines.push(`note: ${clean(n)}`);
  }
  lines.push('', out.dryRun ? 'dry run: nothing written' : `written: ${out.files.map(clean).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
