import type { CrossLayerGroupPayload, CrossLayerPayload } from '../../protocol/subspacePayloads';
import { MAX_BUFFERS_PER_MESSAGE } from '../editor/layerChunks';

/** Typed arrays one group carries (φ of columns, φ of rows, the cosine): each its own buffer on the wire. */
export const BUFFERS_PER_GROUP = 3;

/**
 * A cross-layer result as messages that each stay under VS Code's limit on buffers per webview
 * message (layerChunks.ts says why): the payload with as many groups as fit, then the other
 * groups in order, for `crossLayerGroups`. A group is one module type and shape; ordinary
 * adapters have a few dozen at most, but nothing in a file bounds their number.
 */
export function crossLayerChunks(payload: CrossLayerPayload, maxBuffers = MAX_BUFFERS_PER_MESSAGE): { first: CrossLayerPayload; rest: CrossLayerGroupPayload[][] } {
  const perMessage = Math.max(1, Math.floor(maxBuffers / BUFFERS_PER_GROUP));
  const rest: CrossLayerGroupPayload[][] = [];
  for (let start = perMessage; start < payload.groups.length; start += perMessage) rest.push(payload.groups.slice(start, start + perMessage));
  return { first: { ...payload, groups: payload.groups.slice(0, perMessage) }, rest };
}
