import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { encodeModel, type OnnxGraph } from '../onnx/onnxModel';
import { LensError, registerLensError } from '../../errors';

/**
 * What the user asked for: `auto` tries CUDA and falls back to the CPU. `webgpu` names the
 * device of the float32-tolerant dense work (src/core/compute/device/); WebGPU has no float64,
 * so float64 sessions asked for it run on the CPU and say why.
 */
export type DeviceChoice = 'auto' | 'cuda' | 'cpu' | 'webgpu';
export const DEVICE_CHOICES: readonly DeviceChoice[] = ['auto', 'cuda', 'cpu', 'webgpu'];

/** The provider that actually runs the kernels. */
export type Provider = 'cuda' | 'cpu';

type Ort = typeof import('onnxruntime-node');

/** onnxruntime-node could not be loaded at all (not installed, or its native binary missing). */
export class OrtUnavailableError extends LensError {
  override readonly name = 'OrtUnavailableError';
  readonly code = 'ORT_UNAVAILABLE';
  /** The environment's: onnxruntime-node is not installed or cannot load here. */
  readonly inputError = true;
}
registerLensError('OrtUnavailableError', OrtUnavailableError);

/** CUDA was asked for explicitly and cannot run. */
export class DeviceUnavailableError extends LensError {
  override readonly name = 'DeviceUnavailableError';
  readonly code = 'DEVICE_UNAVAILABLE';
  /** The environment's: the CUDA provider, CUDA 12 or cuDNN 9 is missing. */
  readonly inputError = true;
}
registerLensError('DeviceUnavailableError', DeviceUnavailableError);

/** What a user must install for `--device cuda`: every CUDA failure names it. */
export const CUDA_INSTALL_HINT =
  "CUDA needs onnxruntime-node's CUDA provider (run node_modules/onnxruntime-node/script/install with --onnxruntime-node-install=cuda12), CUDA 12 and cuDNN 9";

/** Why a float64 session asked for WebGPU runs on the CPU instead. */
export const WEBGPU_FLOAT64_NOTE = 'WebGPU has no float64: this float64 work runs on the CPU';

let loaded: Ort | undefined;

/**
 * Loads onnxruntime-node on first use. It stays outside the bundle (a native addon shipped in
 * node_modules); the pure TypeScript backend never needs it. Its own logging is kept to fatal
 * errors: a failed CUDA attempt is reported by us, in words, not as ORT's stack of C++ frames.
 */
export function loadOrt(): Ort {
  if (loaded) return loaded;
  try {
    loaded = require('onnxruntime-node') as Ort;
  } catch (error) {
    throw new OrtUnavailableError(`onnxruntime-node could not be loaded (${(error as Error).message.split('\n')[0]}); the pure TypeScript backend still works`);
  }
  loaded.env.logLevel = 'fatal';
  return loaded;
}

/** ORT's intra-op threads: all cores but one, so the thread that feeds ORT keeps a core of its own. */
function defaultThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** What `lora-lens info` prints. */
export interface OrtInfo {
  readonly version: string;
  /** Providers this installation can try, with why CUDA cannot when it cannot. */
  readonly providers: readonly { readonly name: string; readonly available: boolean; readonly note: string }[];
}

export function ortInfo(): OrtInfo {
  const ort = loadOrt();
  const cudaLibrary = cudaProviderLibrary();
  return {
    version: ort.env.versions.node ?? ort.env.versions.common,
    providers: [
      { name: 'cpu', available: true, note: 'bundled' },
      {
        name: 'cuda',
        available: cudaLibrary !== null,
        note: cudaLibrary
          ? `installed (${cudaLibrary}; needs CUDA 12 and cuDNN 9 at run time)`
          : "not installed: run onnxruntime-node's installer with --onnxruntime-node-install=cuda12",
      },
    ],
  };
}

/** The CUDA provider's shared library beside the ORT binding, when the installer put it there. */
function cudaProviderLibrary(): string | null {
  try {
    const root = dirname(require.resolve('onnxruntime-node/package.json'));
    const dir = join(root, 'bin', 'napi-v6', process.platform, process.arch);
    const file = join(dir, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so');
    return existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

/** Sessions kept at once: a few dozen graphs cover every fixed-shape kernel with room to spare. */
export const MOST_SESSIONS = 32;

/** One cached session and the runs that hold it, so eviction never releases it under a run. */
interface SessionEntry {
  readonly session: Promise<InferenceSession>;
  running: number;
  evicted: boolean;
  released?: boolean;
}

/**
 * ORT sessions by graph name, created on first use and kept in a least-recently-used cache of
 * at most `limit`: graphs whose names follow a factor's rank (the block Grams) would otherwise
 * add a session (native memory and ~10 ms of creation) per distinct rank for the process's life,
 * and a dynamic-rank adapter has hundreds. An evicted session is released once no run holds it.
 * The first session decides the provider: CUDA when asked for or when `auto` finds it working,
 * else the CPU. ORT throws when the CUDA libraries are missing (there is no silent fallback), so
 * `auto` catches that and records why; an explicit `cuda` fails with the reason.
 */
export class OrtSessions {
  private readonly sessions = new Map<string, SessionEntry>();
  private chosen: Provider | undefined;
  /** Why `auto` ended on the CPU, when it tried CUDA and CUDA failed. */
  fallbackReason: string | undefined;

  constructor(
    readonly device: DeviceChoice,
    readonly threads = defaultThreads(),
    readonly limit = MOST_SESSIONS,
  ) {}

  /** The provider that runs, once the first session exists. */
  get provider(): Provider | undefined {
    return this.chosen;
  }

  /** Sessions cached now (at most `limit`). */
  get size(): number {
    return this.sessions.size;
  }

  session(graph: OnnxGraph): Promise<InferenceSession> {
    return this.entry(graph).session;
  }

  /** Runs a graph; outputs keep ORT's row-major layout. */
  async run(graph: OnnxGraph, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const entry = this.entry(graph);
    entry.running++;
    try {
      const session = await entry.session;
      return (await session.run(feeds)) as Record<string, Tensor>;
    } finally {
      entry.running--;
      if (entry.evicted && entry.running === 0) await release(entry);
    }
  }

  async dispose(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    for (const e of all) {
      e.evicted = true;
      await release(e);
    }
  }

  /** The graph's entry, made the most recent; a new one may evict the least recent. */
  private entry(graph: OnnxGraph): SessionEntry {
    let e = this.sessions.get(graph.name);
    if (e) {
      this.sessions.delete(graph.name);
      this.sessions.set(graph.name, e);
      return e;
    }
    e = { session: this.create(encodeModel(graph)), running: 0, evicted: false };
    this.sessions.set(graph.name, e);
    while (this.sessions.size > Math.max(1, this.limit)) {
      const [oldest, old] = this.sessions.entries().next().value as [string, SessionEntry];
      this.sessions.delete(oldest);
      old.evicted = true;
      if (old.running === 0) void release(old);
    }
    return e;
  }

  private async create(model: Uint8Array): Promise<InferenceSession> {
    const created = await createOrtSession(model, this.chosen ?? this.device, this.threads);
    if (!this.chosen) {
      this.chosen = created.provider;
      this.fallbackReason = created.fallbackReason;
    }
    return created.session;
  }
}

/** Frees an entry's native session; a session that failed to create has nothing to free. */
async function release(entry: SessionEntry): Promise<void> {
  // dispose() and a run that held an evicted entry may both get here.
  if (entry.released) return;
  entry.released = true;
  const session = await entry.session.catch(() => null);
  await session?.release().catch(() => undefined);
}

/** A session and the provider that runs it; `fallbackReason` when `auto` tried CUDA and fell back. */
export interface CreatedSession {
  readonly session: InferenceSession;
  readonly provider: Provider;
  readonly fallbackReason?: string;
}

/**
 * One ORT session from model bytes, the provider chosen as the kernels choose it: CUDA when
 * asked for or when `auto` finds it working, else the CPU. ORT throws when the CUDA libraries
 * are missing (there is no silent fallback), so `auto` catches that and records why; an
 * explicit `cuda` fails with DeviceUnavailableError. Errors of the model itself (a malformed
 * file) surface from the CPU attempt as ORT's own error.
 */
export async function createOrtSession(model: Uint8Array, device: DeviceChoice, threads = defaultThreads()): Promise<CreatedSession> {
  const ort = loadOrt();
  const options = (provider: Provider): InferenceSession.SessionOptions => ({
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 4,
  });
  let fallbackReason: string | undefined = device === 'webgpu' ? WEBGPU_FLOAT64_NOTE : undefined;
  if (device === 'auto' || device === 'cuda') {
    try {
      return { session: await ort.InferenceSession.create(model, options('cuda')), provider: 'cuda' };
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0];
      if (device === 'cuda') throw new DeviceUnavailableError(`the CUDA provider cannot run here: ${reason}. ${CUDA_INSTALL_HINT}`);
      fallbackReason = `CUDA unavailable: ${reason}; using the CPU`;
    }
  }
  const session = await ort.InferenceSession.create(model, options('cpu'));
  return fallbackReason === undefined ? { session, provider: 'cpu' } : { session, provider: 'cpu', fallbackReason };
}
