import type { Tensor } from 'onnxruntime-node';
import type { TallFactor } from '../backend';
import { addBlocks, blockGramGraph, columnBlocks } from '../onnx/blockGramGraphs';
import { gramGraph } from '../onnx/graphs';
import type { ElemType } from '../onnx/onnxModel';
import { loadOrt, type OrtSessions } from './runtime';

/**
 * Block widths, measured on the 70B-size r 64 factors (CPU time, one thread; bench/results
 * 2026-12-08-gram.txt): a wide factor's Gram took 14–35 % less CPU in four blocks of 16 than as
 * one product, a tall one's 20–25 % less in two blocks of 32 over row chunks (four blocks
 * gave no more there: each block is a slice and a cast). Rank 16 stays one block: smaller
 * products lose more to MLAS's fixed cost per call than the symmetry saves.
 */
const WIDE_BLOCK = 16;
const TALL_BLOCK = 32;
/** At most this many blocks: b(b+1)/2 Gemm calls per run. */
const MOST_BLOCKS = 8;
/**
 * Elements of a tall factor per run: 128 Ki float32 values (512 KiB, 2048 rows at r 64) keep
 * the chunk, its transpose and its cast blocks in L2 through the products; one long run makes
 * every step a pass over memory (the chunked route took ~20 % less CPU at r 64).
 */
const TALL_CHUNK_ELEMENTS = 128 * 1024;

/**
 * Ranks that get their own block graphs. A block graph's shapes follow the rank, so each rank
 * is a session of its own; a dynamic-rank adapter (a rank per module) would make hundreds. The
 * common ranks keep the measured block route; any other rank takes the one generic Gram graph,
 * which serves every rank from one session per type and layout.
 */
const BLOCK_RANKS: ReadonlySet<number> = new Set([4, 8, 16, 32, 64, 128, 256]);

/**
 * The float64 Gram TᵀT of one factor on onnxruntime, upper block triangle only
 * (blockGramGraphs.ts), fed from the factor's own array without a copy: a wide factor's row
 * blocks and a tall factor's row chunks are contiguous views. Returns G (r×r, both triangles).
 */
export async function blockGram(sessions: OrtSessions, factor: TallFactor): Promise<Float64Array> {
  const ort = loadOrt();
  const { rows: d, cols: r, layout, values } = factor;
  const type: ElemType = values instanceof Float32Array ? 'float' : 'double';
  const tensorType = type === 'float' ? 'float32' : 'float64';
  if (!BLOCK_RANKS.has(r)) {
    // The stack graph with one factor: its stored array as [1, d, r] (tall) or [1, r, d] (wide).
    const x = new ort.Tensor(tensorType, values, layout === 'tall' ? [1, d, r] : [1, r, d]);
    const out = await sessions.run(gramGraph(type, layout), { X: x });
    return Float64Array.from(out.G.data as Float64Array);
  }
  const G = new Float64Array(r * r);
  if (layout === 'wide') {
    const sizes = columnBlocks(r, WIDE_BLOCK, MOST_BLOCKS);
    const feeds: Record<string, Tensor> = {};
    let row = 0;
    sizes.forEach((c, i) => {
      feeds[`X${i}`] = new ort.Tensor(tensorType, values.subarray(row * d, (row + c) * d), [c, d]);
      row += c;
    });
    const out = await sessions.run(blockGramGraph(type, 'wide', sizes), feeds);
    addBlocks(G, r, sizes, (name) => out[name].data as Float64Array);
    return G;
  }
  const sizes = columnBlocks(r, TALL_BLOCK, MOST_BLOCKS);
  const graph = blockGramGraph(type, 'tall', sizes);
  const chunk = Math.max(1, Math.floor(TALL_CHUNK_ELEMENTS / r));
  for (let start = 0; start < d; start += chunk) {
    const h = Math.min(chunk, d - start);
    const x = new ort.Tensor(tensorType, values.subarray(start * r, (start + h) * r), [h, r]);
    const out = await sessions.run(graph, { X: x });
    addBlocks(G, r, sizes, (name) => out[name].data as Float64Array);
  }
  return G;
}
