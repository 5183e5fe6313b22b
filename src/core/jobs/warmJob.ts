import type { JobDefinition } from './definition';
import { warmBackend } from './backends';

/**
 * Readies the worker before the first analysis: answering at all means the worker thread is up
 * and its bundle parsed. When asked (`ort`), onnxruntime's load and session set-up start in the
 * ORT worker and go on after the answer, so a job queued behind this one is never held up by them.
 */
export const warmJob: JobDefinition<'warm'> = {
  kind: 'warm',
  run({ ort }, { ortWorker }) {
    return Promise.resolve({ ort: ort === undefined ? 'not asked' : warmBackend(ort, ortWorker) });
  },
};
