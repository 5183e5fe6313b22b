import * as vscode from 'vscode';
import type { DeviceChoice } from '../core/compute/ort/runtime';
import type { ComputeOptions } from '../core/compute/worker/protocol';

/** The `loraLens.*` settings, read fresh each time: changes apply to the next analysis or hover. */
export interface Settings {
  readonly compute: ComputeOptions;
  /** Energy level for the recommended rank shown in hovers (r95 at 0.95). */
  readonly energyLevel: number;
  readonly hoverEnabled: boolean;
  /** Files above this size wait for the user to start their analysis. */
  readonly maxAutoBytes: number;
  /** Predictor folders (or folders of predictors) to offer besides the workspace's `.lora-lens/predictors/`. */
  readonly predictors: readonly string[];
}

const DEVICES: readonly DeviceChoice[] = ['auto', 'cuda', 'webgpu', 'cpu'];
/** 512 MiB: a 70B rank-64 adapter (1.7 GB) waits, everything up to 8B rank 64 runs at once. */
const DEFAULT_MAX_AUTO_BYTES = 512 * 1024 * 1024;

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration('loraLens');
  const device = c.get<string>('compute.device', 'auto');
  const level = c.get<number>('ranks.energyLevel', 0.95);
  const maxAuto = c.get<number>('analysis.maxAutoBytes', DEFAULT_MAX_AUTO_BYTES);
  return {
    compute: { backend: 'auto', device: DEVICES.includes(device as DeviceChoice) ? (device as DeviceChoice) : 'auto' },
    energyLevel: Number.isFinite(level) && level > 0 && level <= 1 ? level : 0.95,
    hoverEnabled: c.get<boolean>('hover.enabled', true),
    maxAutoBytes: Number.isFinite(maxAuto) && maxAuto >= 0 ? maxAuto : DEFAULT_MAX_AUTO_BYTES,
    predictors: stringList(c.get<unknown>('predictors', [])),
  };
}

/** A settings value that should be a list of paths: anything else in it is left out. */
function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim()) : [];
}
