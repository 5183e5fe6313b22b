import type { CancellationToken } from '../cancellation';
import type { JobInput, JobKind, JobOutput, JobProgress } from './protocol';

/** What a job gets besides its input: cancellation, a progress sink, and where the ORT worker's script is. */
export interface JobContext<K extends JobKind> {
  readonly token: CancellationToken;
  readonly progress: (progress: JobProgress<K>) => void;
  /** The ORT worker's script, for jobs whose backend is onnxruntime. */
  readonly ortWorker: string;
}

/** One kind of job: how the worker runs it. */
export interface JobDefinition<K extends JobKind> {
  readonly kind: K;
  run(input: JobInput<K>, context: JobContext<K>): Promise<JobOutput<K>>;
}
