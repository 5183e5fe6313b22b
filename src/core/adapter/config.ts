import { dirname, join } from 'node:path';
import { JsonTooDeepError, parseBoundedJson } from '../io/boundedJson';
import { FileReadError, readSmallText } from '../io/readFile';
import type { AdapterConfig } from './model';
import { sidecarOutsideFolder } from './sidecar';

/** The config files adapter writers put beside their weights (PEFT and mlx-lm both use this name). */
const CONFIG_NAME = 'adapter_config.json';

/** Configs are small; anything larger is not one and is not read. */
export const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export interface ConfigLookup {
  readonly config: AdapterConfig | null;
  readonly warnings: readonly string[];
}

/**
 * Reads `adapter_config.json` beside a weights file. A missing config is normal (kohya,
 * diffusers); an unreadable or malformed one is a warning, never a failure, so the weights are
 * still analysed. A config that links outside the adapter's folder is not read (a warning).
 */
export async function readConfigBeside(weightsFile: string): Promise<ConfigLookup> {
  const file = join(dirname(weightsFile), CONFIG_NAME);
  const outside = await sidecarOutsideFolder(file);
  if (outside !== null) return { config: null, warnings: [outside] };
  let text: string;
  try {
    text = await readSmallText(file, MAX_CONFIG_BYTES, 'the adapter config');
  } catch (error) {
    if (error instanceof FileReadError && error.code === 'NOT_FOUND') return { config: null, warnings: [] };
    const why = error instanceof FileReadError && error.code !== 'IO_ERROR' ? error.message : `${CONFIG_NAME} could not be read (${(error as Error).message})`;
    return { config: null, warnings: [`${why}; ignored`] };
  }
  return parseConfig(file, text);
}

/**
 * Nesting no real config comes near (PEFT's and mlx-lm's nest three levels or so). Deeper values
 * are refused: copying the config to the analysis worker (structured clone) recurses once per
 * level and overflows the stack at some thousands.
 */
export const MAX_CONFIG_DEPTH = 64;

/** Parses config text; only a JSON object nested at most MAX_CONFIG_DEPTH deep counts as a config. */
function parseConfig(file: string, text: string): ConfigLookup {
  let values: unknown;
  try {
    values = parseBoundedJson(text, MAX_CONFIG_DEPTH);
  } catch (error) {
    if (error instanceof JsonTooDeepError) return { config: null, warnings: [`${CONFIG_NAME} is nested more than ${MAX_CONFIG_DEPTH} levels deep; ignored`] };
    return { config: null, warnings: [`${CONFIG_NAME} is not valid JSON (${(error as Error).message}); ignored`] };
  }
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    return { config: null, warnings: [`${CONFIG_NAME} is not a JSON object; ignored`] };
  }
  return { config: { file, values: values as Record<string, unknown> }, warnings: [] };
}

/** A finite number from a config value, or undefined (configs are untrusted). */
export function numberField(values: Readonly<Record<string, unknown>>, key: string): number | undefined {
  const value = values[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A string from a config value, or undefined. */
export function stringField(values: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = values[key];
  return typeof value === 'string' ? value : undefined;
}

/** A plain object from a config value, or undefined. */
export function objectField(values: Readonly<Record<string, unknown>>, key: string): Readonly<Record<string, unknown>> | undefined {
  const value = values[key];
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
