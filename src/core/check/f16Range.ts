import type { Adapter } from '../adapter/model';
import { throwIfCancelled, type CancellationToken } from '../cancellation';
import type { TensorSource } from '../container/source';
import type { Finding } from './finding';
import { countModules, HEALTH_CODES, nameList } from './healthCodes';
import { DEFAULT_HEALTH_THRESHOLDS, F16_MAX, type HealthThresholds } from './thresholds';

/** Bytes read at a time: one reused buffer, whatever the tensor's size. */
const CHUNK_BYTES = 1 << 20;
/** Bits of |x| for an F16 value: everything but the sign. 0x7c00 and above is Inf or NaN. */
const MAGNITUDE_MASK = 0x7fff;
const INF_BITS = 0x7c00;

/**
 * Modules with a stored F16 factor value near overflow (|x| above `f16OverflowFraction` × 65504).
 * The analysis keeps no stored maxima, so this reads every F16 factor once, in chunks of
 * CHUNK_BYTES, comparing the bits of |x| (ordered like the values for finite F16) with the
 * threshold's. Other dtypes are not read. NaN and Inf are the non-finite finding's.
 */
export async function f16OverflowFindings(
  adapter: Adapter,
  file: TensorSource,
  thresholds: HealthThresholds = DEFAULT_HEALTH_THRESHOLDS,
  token?: CancellationToken,
): Promise<Finding[]> {
  const limit = f16Bits(thresholds.f16OverflowFraction * F16_MAX);
  const maxima = new Map<string, number>();
  const bad: string[] = [];
  let largest = 0;
  for (const module of adapter.modules) {
    for (const tensor of new Set(Object.values(module.tensors))) {
      const info = file.header.byName.get(tensor);
      if (!info || info.dtype !== 'F16') continue;
      let bits = maxima.get(tensor);
      if (bits === undefined) {
        bits = await largestF16Bits(file, tensor, token);
        maxima.set(tensor, bits);
      }
      if (bits > limit) {
        bad.push(module.name);
        largest = Math.max(largest, bits);
        break;
      }
    }
  }
  if (bad.length === 0) return [];
  return [
    {
      code: HEALTH_CODES.f16Overflow,
      severity: 'warning',
      message:
        `${countModules(bad.length)} store${bad.length === 1 ? 's' : ''} F16 values near overflow (up to ${f16Value(largest)}, above ${thresholds.f16OverflowFraction} × ${F16_MAX}); ` +
        `scaling, merging or stacking can reach Inf: ${nameList(bad)}`,
      modules: bad,
    },
  ];
}

/** The largest finite |x| of an F16 tensor, as its magnitude bits (little-endian, as safetensors stores). */
async function largestF16Bits(file: TensorSource, tensor: string, token: CancellationToken | undefined): Promise<number> {
  let largest = 0;
  let carry = -1;
  await file.streamBytes(
    tensor,
    async (chunk) => {
      throwIfCancelled(token);
      let i = 0;
      if (carry >= 0 && chunk.length > 0) {
        largest = larger(largest, (carry | (chunk[0] << 8)) & MAGNITUDE_MASK);
        carry = -1;
        i = 1;
      }
      for (; i + 1 < chunk.length; i += 2) largest = larger(largest, (chunk[i] | (chunk[i + 1] << 8)) & MAGNITUDE_MASK);
      if (i < chunk.length) carry = chunk[i];
    },
    CHUNK_BYTES,
  );
  return largest;
}

function larger(largest: number, bits: number): number {
  return bits < INF_BITS && bits > largest ? bits : largest;
}

/** The magnitude bits of the largest F16 value not above x (x in the finite F16 range). */
function f16Bits(x: number): number {
  if (!(x > 0)) return 0;
  if (x >= F16_MAX) return 0x7bff;
  const exponent = Math.max(-14, Math.floor(Math.log2(x)));
  const mantissa = Math.floor((x / 2 ** exponent - (exponent === -14 && x < 2 ** -14 ? 0 : 1)) * 1024);
  return exponent === -14 && x < 2 ** -14 ? mantissa : ((exponent + 15) << 10) | mantissa;
}

function f16Value(bits: number): number {
  const exponent = bits >> 10;
  const mantissa = bits & 0x3ff;
  return exponent === 0 ? mantissa * 2 ** -24 : (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
