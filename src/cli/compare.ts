import { jsonText } from '../core/report/escape';
import { openAdapter, type OpenedAdapter } from '../core/adapter/load';
import { InProcessJobs } from '../core/jobs/inProcess';
import { formatNumber } from '../core/report/format';
import type { AdapterComparison, ModuleComparison } from '../core/subspace/compare';
import type { UnmatchedModule } from '../core/subspace/match';
import type { CompareArgs } from './args';
import { ortWorkerScript } from './inspect';
import { progressReporter } from './progress';
import { clean, mean, shortName, textTable } from './table';

/** One adapter as the reports name it. */
interface AdapterJson {
  readonly path: string;
  readonly format: string;
  readonly formatDetail: string;
  /** False for files that hold no low-rank adapter this tool reads (see warnings). */
  readonly analysable: boolean;
  readonly warnings: readonly string[];
}

/** One matched module in `compare --json` (a stable contract; see docs/cli.md). */
interface ModuleComparisonJson {
  readonly name: string;
  readonly nameB: string;
  readonly matchedBy: 'exact' | 'loose';
  readonly shape: readonly [number, number];
  readonly ranks: readonly [number, number];
  readonly norms: readonly [number, number];
  readonly cosine: number | null;
  readonly relativeDistance: number | null;
  readonly k: number;
  readonly columnCosines: number[];
  readonly rowCosines: number[];
  readonly columnAnglesDegrees: number[];
  readonly rowAnglesDegrees: number[];
  readonly meanColumnCosine: number | null;
  readonly meanRowCosine: number | null;
}

interface ComparisonJson {
  readonly b: AdapterJson;
  readonly summary: { readonly matched: number; readonly unmatched: number; readonly meanCosine: number | null };
  readonly modules: ModuleComparisonJson[];
  readonly unmatched: readonly UnmatchedModule[];
}

/**
 * `lora-lens compare A B [C …]`: every later adapter against the first, module by module.
 * Headers are read here (for the report's format and warnings); the comparisons run as the
 * editor's worker runs them, on this thread (onnxruntime for large adapters, reading
 * overlapped with the products). Returns the text (or JSON) to print; files that cannot be opened throw (exit 2).
 */
export async function compare(args: CompareArgs): Promise<string> {
  const opened: OpenedAdapter[] = [];
  try {
    for (const path of args.paths) opened.push(await openAdapter(path));
    const [first, ...others] = opened;
    const progress = progressReporter(process.stderr, args.quiet);
    const results: ComparisonJson[] = [];
    const client = new InProcessJobs(ortWorkerScript());
    try {
      for (const [i, other] of others.entries()) {
        const input = { pathA: args.paths[0], pathB: args.paths[i + 1], options: args.k === undefined ? {} : { k: args.k } };
        const { output } = await client.run('compare', input, { onProgress: (p) => progress.update(p) });
        results.push(comparisonJson(other, output));
      }
    } finally {
      progress.done();
      await client.dispose();
    }
    const report = { a: adapterJson(first), k: args.k ?? null, comparisons: results };
    return args.json ? `${jsonText(report, undefined, 2)}\n` : compareText(report.a, results);
  } finally {
    for (const o of opened) await o.file.close();
  }
}

function adapterJson(o: OpenedAdapter): AdapterJson {
  const { file, format, formatDetail, analysable, warnings } = o.adapter;
  return { path: file, format, formatDetail, analysable, warnings };
}

function comparisonJson(b: OpenedAdapter, c: AdapterComparison): ComparisonJson {
  const modules = c.modules.map(moduleJson);
  const cosines = modules.flatMap((m) => (m.cosine === null ? [] : [m.cosine]));
  return { b: adapterJson(b), summary: { matched: modules.length, unmatched: c.unmatched.length, meanCosine: mean(cosines) }, modules, unmatched: c.unmatched };
}

function moduleJson(m: ModuleComparison): ModuleComparisonJson {
  return {
    name: m.name,
    nameB: m.nameB,
    matchedBy: m.matchedBy,
    shape: m.shape,
    ranks: m.ranks,
    norms: m.norms,
    cosine: m.cosine,
    relativeDistance: m.relativeDistance,
    k: m.k,
    columnCosines: Array.from(m.column.cosines),
    rowCosines: Array.from(m.row.cosines),
    columnAnglesDegrees: Array.from(m.column.degrees),
    rowAnglesDegrees: Array.from(m.row.degrees),
    meanColumnCosine: mean(m.column.cosines),
    meanRowCosine: mean(m.row.cosines),
  };
}

/** Unmatched modules listed in the text output; --json has them all. */
const MAX_UNMATCHED = 12;

const SIDES: Readonly<Record<UnmatchedModule['side'], string>> = { a: 'only in A', b: 'only in B', both: 'not compared' };

/** An adapter's warnings, shown when it is not an adapter the comparison can read. */
function notes(a: AdapterJson): string[] {
  return a.analysable ? [] : a.warnings.map((w) => `   ${clean(w)}`);
}

function compareText(a: AdapterJson, results: readonly ComparisonJson[]): string {
  const out: string[] = [];
  out.push(`A  ${clean(a.path)} (${clean(a.formatDetail)})`, ...notes(a));
  for (const r of results) {
    out.push('', `B  ${clean(r.b.path)} (${clean(r.b.formatDetail)})`, ...notes(r.b));
    out.push(`   ${r.summary.matched} modules compared, ${r.summary.unmatched} not; mean cosine ${formatNumber(r.summary.meanCosine)}`);
    if (r.modules.length > 0) {
      const rows = r.modules.map((m) => [
        shortName(m.name),
        m.shape.join('×'),
        `${m.ranks[0]}/${m.ranks[1]}`,
        formatNumber(m.cosine),
        formatNumber(m.relativeDistance),
        String(m.k),
        formatNumber(m.meanColumnCosine, 3),
        formatNumber(m.meanRowCosine, 3),
      ]);
      out.push('', ...textTable(['module', 'm×n', 'r', 'cosine', 'rel.dist', 'k', 'col.cos', 'row.cos'], rows));
    }
    if (r.unmatched.length > 0) {
      out.push('', 'not compared:');
      for (const u of r.unmatched.slice(0, MAX_UNMATCHED))
        out.push(`  ${SIDES[u.side].padEnd(12)}  ${shortName(u.name)}${u.nameB && u.nameB !== u.name ? ` ~ ${shortName(u.nameB)}` : ''}: ${clean(u.reason)}`);
      if (r.unmatched.length > MAX_UNMATCHED) out.push(`  … and ${r.unmatched.length - MAX_UNMATCHED} more (--json lists them all)`);
    }
  }
  out.push(
    '',
    'cosine = ⟨ΔW_A, ΔW_B⟩/(‖ΔW_A‖‖ΔW_B‖); rel.dist = ‖ΔW_A − ΔW_B‖/‖ΔW_A‖; col.cos, row.cos = mean cosine of the k principal angles between the top-k column (row) spaces',
  );
  return `${out.join('\n')}\n`;
}
