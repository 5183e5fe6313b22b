import { CONFIG_CASES } from './configs';
import { FILE_SYSTEM_CASES } from './fileSystem';
import { HEADER_CASES } from './headers';
import { INJECTION_CASES } from './injection';
import { LOAD_CASES } from './load';
import { NUMERIC_CASES } from './numerics';
import { PICKLE_CASES } from './pickles';
import type { FuzzCase } from './types';

/** Every hostile case, category by category; FIFO and /dev/zero cases only where the platform has them. */
export function allCases(): FuzzCase[] {
  const fileSystem = process.platform === 'win32' ? [] : FILE_SYSTEM_CASES;
  return [...HEADER_CASES, ...NUMERIC_CASES, ...CONFIG_CASES, ...fileSystem, ...LOAD_CASES, ...INJECTION_CASES, ...PICKLE_CASES];
}
