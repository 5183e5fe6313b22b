import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { AUTO_ORT_MIN_BYTES } from '../src/core/compute/backendPolicy';
import { ensureAdapter, LLAMA3_8B_R16, type ModelShape } from './generate';

/**
 * `npm run bench:crossover [-- --runs N]`:
 * where `auto` should switch from the TypeScript backend to onnxruntime, measured as a user
 * meets it: the whole `lora-lens inspect` process (start-up, header, the analysis worker,
 * onnxruntime's load and sessions, every spectrum, the report), `--backend js` against
 * `--backend onnxruntime --device cpu`, over generated Llama-3-8B-shaped BF16 adapters from a
 * few layers to twice the whole model. Runs alternate between the backends and the median is
 * kept, so both sides see the same load on a shared machine; the ratio onnxruntime/js is what
 * holds from run to run. The crossover is the smallest size from which onnxruntime stays faster;
 * AUTO_ORT_MIN_BYTES in src/core/compute/backendPolicy.ts is set from it.
 */

const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

/** Llama-3-8B r16 cut to `layers` layers (r16 keeps the per-module shapes; rank 32 doubles the bytes). */
const SIZES: readonly ModelShape[] = [
  { ...LLAMA3_8B_R16, name: 'crossover-l4-r16', layers: 4 },
  { ...LLAMA3_8B_R16, name: 'crossover-l8-r16', layers: 8 },
  { ...LLAMA3_8B_R16, name: 'crossover-l16-r16', layers: 16 },
  LLAMA3_8B_R16,
  { ...LLAMA3_8B_R16, name: 'crossover-l32-r24', rank: 24 },
  { ...LLAMA3_8B_R16, name: 'crossover-l32-r32', rank: 32 },
  { ...LLAMA3_8B_R16, name: 'crossover-l32-r64', rank: 64 },
];

/** Seconds of one whole `inspect` process on `backend`. */
function inspectSeconds(dir: string, backend: 'js' | 'onnxruntime'): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, [CLI, 'inspect', dir, '--json', '--quiet', '--backend', backend, '--device', 'cpu'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`inspect --backend ${backend} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  return seconds;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(argv: readonly string[]): Promise<void> {
  const runs = argv.includes('--runs') ? Number(argv[argv.indexOf('--runs') + 1]) : 3;
  console.log(`whole-process inspect, median of ${runs} alternating runs (--device cpu)`);
  console.log(`${'adapter'.padEnd(22)}${'MB'.padStart(8)}${'js s'.padStart(9)}${'ort s'.padStart(9)}${'ort/js'.padStart(9)}`);
  const rows: { bytes: number; ratio: number }[] = [];
  for (const shape of SIZES) {
    const { dir, bytes } = await ensureAdapter(shape);
    // Warm the page cache and the binaries once, so every measured run reads from memory.
    inspectSeconds(dir, 'js');
    const js: number[] = [];
    const ort: number[] = [];
    for (let i = 0; i < runs; i++) {
      js.push(inspectSeconds(dir, 'js'));
      ort.push(inspectSeconds(dir, 'onnxruntime'));
    }
    const ratio = median(ort) / median(js);
    rows.push({ bytes, ratio });
    console.log(
      `${shape.name.padEnd(22)}${(bytes / 1e6).toFixed(1).padStart(8)}${median(js).toFixed(2).padStart(9)}${median(ort).toFixed(2).padStart(9)}${ratio.toFixed(2).padStart(9)}`,
    );
  }
  const from = rows.findIndex((_, i) => rows.slice(i).every((r) => r.ratio < 1));
  const crossover =
    from < 0
      ? 'above the largest size measured'
      : from === 0
        ? `at or below ${(rows[0].bytes / 1e6).toFixed(1)} MB`
        : `between ${(rows[from - 1].bytes / 1e6).toFixed(1)} and ${(rows[from].bytes / 1e6).toFixed(1)} MB`;
  console.log(`\ncrossover (onnxruntime faster from here on): ${crossover}`);
  console.log(`policy threshold AUTO_ORT_MIN_BYTES: ${(AUTO_ORT_MIN_BYTES / 1e6).toFixed(1)} MB`);
}

void main(process.argv.slice(2));
