import type { LayerAnalysis } from '../../protocol/payloads';

/**
 * Typed arrays one `layers` message may carry. VS Code sends a webview message's array buffers
 * as separate arguments of one call between the extension host and the window, and that call
 * keeps at most 255 arguments: past that, buffers are lost and the webview rebuilds their arrays
 * empty (a cached 224-module adapter lost every module after the 96th). Kept well under.
 */
export const MAX_BUFFERS_PER_MESSAGE = 128;

/** The typed arrays of one result (σ, the core, a mixer and its σ): each is its own buffer on the wire. */
export function buffersOf(result: LayerAnalysis): number {
  if (result.status !== 'ok') return 0;
  return 1 + (result.core ? 1 : 0) + (result.mixer ? 2 : 0);
}

/** Splits results, in order, into batches that each carry at most `maxBuffers` typed arrays (a result is never split). */
export function layerChunks(results: readonly LayerAnalysis[], maxBuffers = MAX_BUFFERS_PER_MESSAGE): LayerAnalysis[][] {
  const chunks: LayerAnalysis[][] = [];
  let chunk: LayerAnalysis[] = [];
  let buffers = 0;
  for (const result of results) {
    const n = buffersOf(result);
    if (chunk.length > 0 && buffers + n > maxBuffers) {
      chunks.push(chunk);
      chunk = [];
      buffers = 0;
    }
    chunk.push(result);
    buffers += n;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
