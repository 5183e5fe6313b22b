import type { SerializedError } from '../../errors';
import type { Matrix } from '../../linalg/matrix';
import type { FactorPair, GroupOverlap, MappedFactor, PairOverlap, TallFactor, TallProduct } from '../backend';
import type { DeviceChoice, Provider } from '../ort/runtime';

/**
 * The device and backend types every layer shares, and the messages between a thread that
 * analyses and the ORT worker it owns. Numbers travel as typed arrays (structured clone keeps
 * them typed). The jobs' own messages are in src/core/jobs/protocol.ts.
 */

/** Which backend computes the R factors; `auto` takes ORT for adapters big enough to repay its start-up. */
export type BackendChoice = 'auto' | 'js' | 'onnxruntime';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'js', 'onnxruntime'];

export interface ComputeOptions {
  readonly backend: BackendChoice;
  readonly device: DeviceChoice;
  /** ORT intra-op threads; default: cores − 1. */
  readonly threads?: number;
}

/** The device that ran, as reported at the end of a job. */
export interface DeviceReport {
  readonly backend: string;
  readonly provider?: Provider;
  readonly fallbackReason?: string;
  readonly threads?: number;
  /** Factors (or compared pairs of factors) CholeskyQR could not take and Householder did. */
  readonly fallbacks?: number;
  /** Spectrum factors whose R took one Gram pass, and those that needed CholeskyQR2's second. */
  readonly passes?: { readonly one: number; readonly two: number };
}

export type ToOrtWorker =
  | { readonly type: 'factors'; readonly id: number; readonly factors: readonly TallFactor[] }
  | { readonly type: 'overlaps'; readonly id: number; readonly pairs: readonly FactorPair[] }
  | { readonly type: 'groups'; readonly id: number; readonly groups: readonly (readonly TallFactor[])[] }
  | { readonly type: 'products'; readonly id: number; readonly products: readonly TallProduct[] }
  | { readonly type: 'info'; readonly id: number };

export type FromOrtWorker =
  /** `buffers` are the factors' buffers, handed back for reuse. */
  | { readonly type: 'factors'; readonly id: number; readonly R: readonly Matrix[]; readonly device: DeviceReport; readonly buffers: ArrayBuffer[] }
  /** `buffers` as for `factors`. */
  | { readonly type: 'overlaps'; readonly id: number; readonly overlaps: readonly PairOverlap[]; readonly device: DeviceReport; readonly buffers: ArrayBuffer[] }
  | { readonly type: 'groups'; readonly id: number; readonly overlaps: readonly GroupOverlap[]; readonly device: DeviceReport; readonly buffers: ArrayBuffer[] }
  /** `buffers` as for `factors`; each product's values are transferred too. */
  | { readonly type: 'products'; readonly id: number; readonly products: readonly MappedFactor[]; readonly device: DeviceReport; readonly buffers: ArrayBuffer[] }
  | { readonly type: 'info'; readonly id: number; readonly device: DeviceReport }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

/** Options the ORT worker starts with (its workerData). */
export interface OrtWorkerData {
  readonly device: DeviceChoice;
  readonly threads?: number;
}
