import { join } from 'node:path';
import type { Adapter } from '../../adapter/model';
import type { ComputeBackend } from '../backend';
import { JsBackend } from '../jsBackend';
import { loadOrt } from '../ort/runtime';
import type { ComputeOptions } from './protocol';
import { WorkerOrtBackend } from './workerOrtBackend';

/**
 * Below this many bytes of factors, `auto` keeps the pure TypeScript backend: starting ORT and
 * creating its sessions (a few hundred milliseconds) costs more than it saves.
 */
export const AUTO_ORT_MIN_BYTES = 32 * 1024 * 1024;

/** Factor bytes the analysis will read (what the backend choice depends on). */
export function factorBytes(adapter: Adapter): number {
  let total = 0;
  for (const m of adapter.modules) {
    for (const name of Object.values(m.tensors)) {
      const t = adapter.header.byName.get(name);
      if (t) total += t.end - t.start;
    }
  }
  return total;
}

/**
 * Long-lived ORT workers, one per device setting: sessions are created once and serve every
 * later job. `ortWorkerScript` lies beside the analysis worker's own script.
 */
const ortBackends = new Map<string, WorkerOrtBackend>();

export function chooseBackend(adapter: Adapter, options: ComputeOptions, scriptDir: string): { backend: ComputeBackend; note?: string } {
  return chooseBackendFor(factorBytes(adapter), options, scriptDir);
}

/** As chooseBackend, for work that reads `bytes` of factors (a comparison: both adapters'). */
export function chooseBackendFor(bytes: number, options: ComputeOptions, scriptDir: string): { backend: ComputeBackend; note?: string } {
  if (options.backend === 'js') return { backend: new JsBackend() };
  if (options.backend === 'auto') {
    if (bytes < AUTO_ORT_MIN_BYTES) return { backend: new JsBackend() };
    try {
      loadOrt();
    } catch (error) {
      return { backend: new JsBackend(), note: (error as Error).message };
    }
  }
  const key = `${options.device} ${options.threads ?? ''}`;
  let backend = ortBackends.get(key);
  if (!backend) {
    backend = new WorkerOrtBackend(join(scriptDir, 'ortWorker.js'), { device: options.device, ...(options.threads ? { threads: options.threads } : {}) });
    ortBackends.set(key, backend);
  }
  return { backend };
}

/** Stops the ORT workers (when the analysis worker itself is told to stop). */
export async function disposeBackends(): Promise<void> {
  const all = [...ortBackends.values()];
  ortBackends.clear();
  await Promise.all(all.map((b) => b.dispose()));
}
