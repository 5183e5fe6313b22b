import { existsSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The real ORT worker, except that the first worker started for a given marker file dies on
 * its first factors request, before ORT runs: a crash between runs, the only kind a thread can
 * survive (one inside an ORT run takes the process with it, which is why the backend never
 * ends its worker there). Later workers find the marker and behave normally.
 */
const { marker } = workerData as { marker: string };
if (!existsSync(marker)) {
  parentPort?.on('message', (message: { type: string }) => {
    if (message.type !== 'factors') return;
    writeFileSync(marker, '');
    process.exit(1);
  });
}
// The worker module runs on import; it must load after the listener above, so a hoisted import will not do.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../../src/core/compute/worker/ortWorker');
