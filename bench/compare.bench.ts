import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ensureAdapter, LLAMA3_8B_R16 } from './generate';

/**
 * `npm run bench:compare`: comparing two Llama-3-8B-size r16 adapters (module by module: bases,
 * cosine, distance, principal angles) against analysing one of them (spectra and metrics), both
 * as the editor runs them: jobs of the analysis worker, each in a fresh process, a first job and
 * the median of RUNS − 1 warm ones. Target: a comparison costs at most 2× one analysis. A ratio
 * measured in one run, with a break-down by phase in CPU seconds (which the load of other
 * processes does not inflate as it does wall-clock times). Beside them, the cross-layer maps of
 * one adapter (layer × layer φ and cosines per module type) as a job, and once on the float64
 * TypeScript bases (no backend) for reference.
 */
const RUNS = 5;
const CHILD = join(__dirname, 'child.js');

function runJson(args: string[]): Record<string, number | string> {
  const r = spawnSync(process.execPath, [CHILD, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`child ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number | string>;
}

async function main(): Promise<void> {
  const a = await ensureAdapter(LLAMA3_8B_R16);
  const b = await ensureAdapter(LLAMA3_8B_R16, 1);
  console.log(`LoRA Lens comparison benchmark · node ${process.version} · two ${LLAMA3_8B_R16.name} adapters (${(a.bytes / 1e6).toFixed(1)} MB each)`);
  for (const dir of [a.dir, b.dir]) runJson(['read', join(dir, 'adapter_model.safetensors')]);
  const analysis = runJson(['analyze', a.dir, 'auto', 'auto', String(RUNS)]);
  const analysisJs = runJson(['analyze', a.dir, 'js', 'auto', '2']);
  const comparison = runJson(['compare', a.dir, b.dir, String(RUNS)]);
  const phases = runJson(['phases', a.dir, b.dir]);
  const crossLayer = runJson(['crossLayer', a.dir, String(RUNS)]);
  const crossLayerJs = runJson(['crossLayerJs', a.dir]);
  const f = (x: unknown) => Number(x).toFixed(3);
  console.log(`  analysis of one (auto)     ${f(analysis.warm)} s warm, ${f(analysis.cold)} s first job   [${JSON.stringify(analysis.device)}]`);
  console.log(`  analysis of one (js)       ${f(analysisJs.warm)} s warm, ${f(analysisJs.cold)} s first job`);
  console.log(
    `  comparison of two          ${f(comparison.warm)} s warm, ${f(comparison.cold)} s first job   (${comparison.matched} modules compared, peak RSS ${Number(comparison.peakRssMB).toFixed(0)} MB)`,
  );
  console.log(
    `  comparison / analysis      ${(Number(comparison.warm) / Number(analysis.warm)).toFixed(2)}× (auto)   ${(Number(comparison.warm) / Number(analysisJs.warm)).toFixed(2)}× (js)   (target ≤ 2×)`,
  );
  console.log(
    `  cross-layer maps of one     ${f(crossLayer.warm)} s warm, ${f(crossLayer.cold)} s first job   (${crossLayer.groups} module types, peak RSS ${Number(crossLayer.peakRssMB).toFixed(0)} MB; float64 TypeScript bases: ${f(crossLayerJs.seconds)} s)`,
  );
  console.log(
    `  cross-layer / analysis     ${(Number(crossLayer.warm) / Number(analysis.warm)).toFixed(2)}× (auto)   map sums ${Number(crossLayer.checksum).toFixed(9)} vs ${Number(crossLayerJs.checksum).toFixed(9)} (TypeScript bases)`,
  );
  // Reads and the r-sized finishing share the worker's thread; the ORT products run on the other.
  const threads = (read: number, finish: number, products: number) => `reader thread ${f(read + finish)} s, ORT thread ${f(products)} s`;
  console.log(`  phases, CPU s (one thread each, best of 3; the job takes about the larger thread's time):`);
  console.log(
    `    comparison   read both ${f(phases.read)}  products ${f(phases.products)}  finish ${f(phases.finish)}   → ${threads(Number(phases.read), Number(phases.finish), Number(phases.products))}   (${phases.fallbacks} Householder fallbacks)`,
  );
  console.log(
    `    analysis     read one ~${f(Number(phases.read) / 2)}  products ${f(phases.analysisProducts)}  finish ${f(phases.analysisFinish)}   → ${threads(Number(phases.read) / 2, Number(phases.analysisFinish), Number(phases.analysisProducts))}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
