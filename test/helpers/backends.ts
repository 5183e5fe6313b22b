import type { ComputeBackend } from '../../src/core/compute/backend';
import { JsBackend } from '../../src/core/compute/jsBackend';
import { OrtBackend } from '../../src/core/compute/ort/ortBackend';

/**
 * Both backends, for tests that must pass on each with one tolerance table. ORT runs on the
 * CPU here ('cpu'), so tests never depend on what hardware the machine has.
 */
export function backends(): { name: string; make: () => ComputeBackend }[] {
  return [
    { name: 'js', make: () => new JsBackend() },
    { name: 'onnxruntime', make: () => new OrtBackend('cpu') },
  ];
}
