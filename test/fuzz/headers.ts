import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rawFile } from '../helpers/rawSafetensors';
import { PREFIX, writeAdapter } from './adapter';
import { inspectAnswer } from './inspectAnswer';
import type { Expectation, FuzzCase } from './types';

/**
 * Hostile safetensors headers (the format of huggingface/safetensors, `safetensors/src/tensor.rs`:
 * an 8-byte little-endian header length, a UTF-8 JSON object of `{dtype, shape, data_offsets}`
 * per tensor and an optional string-to-string `__metadata__`, then the data): every length,
 * UTF-8, offset, overlap, dtype and shape fault, counts past 2^53, deep JSON, and large but
 * valid metadata that must still be read.
 */

const A = `${PREFIX(0)}.lora_A.weight`;
const B = `${PREFIX(0)}.lora_B.weight`;

/** A header entry as the writer spells it. */
const entry = (name: string, dtype: string, shape: readonly number[] | string, offsets: readonly (number | string)[] | string) =>
  `${JSON.stringify(name)}:{"dtype":${JSON.stringify(dtype)},"shape":${typeof shape === 'string' ? shape : JSON.stringify(shape)},"data_offsets":${typeof offsets === 'string' ? offsets : `[${offsets.join(',')}]`}}`;

/** A valid pair (A [2, 4], B [4, 2] of F32: 32 bytes each) for cases that break one thing beside it. */
const PAIR = `${entry(A, 'F32', [2, 4], [0, 32])},${entry(B, 'F32', [4, 2], [32, 64])}`;

/** `count` tensors of shape [0]: valid entries, no data. */
const emptyTensors = (count: number) => `{${Array.from({ length: count }, (_, i) => entry(`t${i}`, 'F32', [0], [0, 0])).join(',')}}`;

interface RawCase {
  readonly name: string;
  readonly header: string;
  readonly data: number;
  readonly length?: bigint;
  readonly expect?: Expectation;
  /** Bytes instead of a header text (for invalid UTF-8 and short files). */
  readonly bytes?: Uint8Array;
  readonly heavy?: boolean;
}

const invalidUtf8 = (() => {
  const json = new TextEncoder().encode(`{${PAIR},"__metadata__":{"k":"xx"}}`);
  const at = json.lastIndexOf(0x78);
  json[at] = 0xc3;
  json[at - 1] = 0xff;
  const out = new Uint8Array(8 + json.length + 64);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
})();

const RAW: readonly RawCase[] = [
  { name: 'length prefix past the end of the file', header: `{${PAIR}}`, data: 64, length: 1_000_000n },
  { name: 'length prefix 0', header: `{${PAIR}}`, data: 64, length: 0n },
  { name: 'length prefix 2^63', header: `{${PAIR}}`, data: 64, length: 2n ** 63n },
  { name: 'length prefix 2^64 - 1', header: `{${PAIR}}`, data: 64, length: 2n ** 64n - 1n },
  { name: 'length prefix of 200 MB in a small file', header: `{${PAIR}}`, data: 64, length: 200_000_000n },
  { name: 'file of 5 bytes', header: '', data: 0, bytes: Uint8Array.of(1, 2, 3, 4, 5) },
  { name: 'empty file', header: '', data: 0, bytes: new Uint8Array(0) },
  { name: 'header of invalid UTF-8', header: '', data: 0, bytes: invalidUtf8 },
  { name: 'header that is not JSON', header: `{${PAIR}`, data: 64 },
  { name: 'header that is a JSON array', header: `[${JSON.stringify(PAIR)}]`, data: 64 },
  { name: 'header nested 400k deep', header: `{"a":${'['.repeat(400_000)}${']'.repeat(400_000)}}`, data: 0 },
  { name: 'header opened 400k deep', header: `{"a":${'{"a":'.repeat(100_000)}`, data: 0 },
  { name: 'offsets past the data', header: `{${entry(A, 'F32', [2, 4], [0, 32])},${entry(B, 'F32', [4, 2], [32, 6400])}}`, data: 64 },
  { name: 'overlapping tensors', header: `{${entry(A, 'F32', [2, 4], [0, 32])},${entry(B, 'F32', [4, 2], [16, 48])}}`, data: 64 },
  { name: 'a gap between tensors', header: `{${entry(A, 'F32', [2, 4], [0, 32])},${entry(B, 'F32', [4, 2], [40, 72])}}`, data: 72 },
  { name: 'reversed offsets', header: `{${entry(A, 'F32', [2, 4], [32, 0])},${entry(B, 'F32', [4, 2], [32, 64])}}`, data: 64 },
  { name: 'negative offsets', header: `{${entry(A, 'F32', [2, 4], [-32, 0])},${entry(B, 'F32', [4, 2], [32, 64])}}`, data: 64 },
  { name: 'fractional offsets', header: `{${entry(A, 'F32', [2, 4], [0, 32.5])},${entry(B, 'F32', [4, 2], [32, 64])}}`, data: 64 },
  { name: 'offsets as strings', header: `{${entry(A, 'F32', [2, 4], ['"0"', '"32"'])},${entry(B, 'F32', [4, 2], [32, 64])}}`, data: 64 },
  { name: 'offsets past 2^53', header: `{${entry(A, 'F32', [2, 4], [0, '9007199254740993'])},${entry(B, 'F32', [4, 2], [32, 64])}}`, data: 64 },
  { name: 'offsets of three numbers', header: `{${entry(A, 'F32', [2, 4], [0, 32, 64])},${entry(B, 'F32', [4, 2], [32, 64])}}`, data: 64 },
  { name: 'unknown dtype', header: `{${entry(A, 'F128', [2, 4], [0, 32])},${entry(B, 'F32', [4, 2], [32, 64])}}`, data: 64 },
  { name: 'dtype of the wrong type', header: `{${PAIR.replace('"F32"', '7')}}`, data: 64 },
  { name: 'shape that does not fit its bytes', header: `{${entry(A, 'F32', [2, 5], [0, 32])},${entry(B, 'F32', [4, 2], [32, 64])}}`, data: 64 },
  { name: 'negative dimension', header: `{${entry(A, 'F32', [-2, -4], [0, 32])},${entry(B, 'F32', [4, 2], [32, 64])}}`, data: 64 },
  { name: 'fractional dimension', header: `{${entry(A, 'F32', [2.5, 3.2], [0, 32])},${entry(B, 'F32', [4, 2], [32, 64])}}`, data: 64 },
  { name: 'element count past 2^53', header: `{${entry(A, 'F32', [2 ** 40, 2 ** 40], [0, 32])},${entry(B, 'F32', [4, 2], [32, 64])}}`, data: 64 },
  { name: 'dimension 1e308', header: `{${entry(A, 'F32', '[1e308, 0]', [0, 0])},${entry(B, 'F32', [4, 2], [0, 32])}}`, data: 32 },
  { name: 'shape of 100k dimensions', header: `{${entry(A, 'F32', `[${new Array<string>(100_000).fill('1').join(',')}]`, [0, 4])}}`, data: 4, expect: 'either' },
  { name: 'tensor entry that is a string', header: `{${JSON.stringify(A)}:"x",${entry(B, 'F32', [4, 2], [32, 64])}}`, data: 64 },
  { name: 'metadata that is not an object', header: `{${PAIR},"__metadata__":[1,2]}`, data: 64 },
  { name: 'metadata with a number value', header: `{${PAIR},"__metadata__":{"k":1}}`, data: 64, expect: 'either' },
  { name: 'duplicate tensor names', header: `{${PAIR},${entry(B, 'F32', [4, 2], [32, 64])}}`, data: 64, expect: 'either' },
  { name: '__proto__ as a tensor name', header: `{${PAIR},${entry('__proto__', 'F32', [1], [64, 68])}}`, data: 68, expect: 'either' },
  { name: '150k empty tensors', header: emptyTensors(150_000), data: 0, expect: 'either' },
  { name: '1 million empty tensors', header: emptyTensors(1_000_000), data: 0, expect: 'either', heavy: true },
];

const rawCases: FuzzCase[] = RAW.map((c) => ({
  category: 'headers',
  name: c.name,
  ...(c.heavy ? { heavy: true } : {}),
  async prepare(dir) {
    const file = join(dir, 'x.safetensors');
    await writeFile(file, c.bytes ?? rawFile(c.header, c.data, c.length));
    return { args: ['inspect', file, '--json'], json: true, expect: c.expect ?? 'refuse' };
  },
}));

/** Valid files with large metadata: each must be read, and its modules analysed. */
const validCases: FuzzCase[] = (
  [
    { name: 'a 9 MB metadata string', metadata: { note: 'a'.repeat(9_000_000) } },
    { name: 'metadata strings holding JSON nested 400k deep', metadata: { ss_network_args: '['.repeat(400_000) + ']'.repeat(400_000), deep: '{"a":'.repeat(200_000) } },
    { name: 'a diffusers lora_adapter_metadata of deep JSON', metadata: { lora_adapter_metadata: '{"r":'.repeat(200_000) + '1' + '}'.repeat(200_000) } },
    { name: 'a diffusers lora_adapter_metadata of 8 MB', metadata: { lora_adapter_metadata: JSON.stringify({ r: 2, lora_alpha: 4, pad: 'x'.repeat(8_000_000) }) } },
  ] as { name: string; metadata: Record<string, string> }[]
).map(({ name, metadata }): FuzzCase => ({
  category: 'headers',
  name,
  async prepare(dir) {
    await writeAdapter(dir, { metadata });
    return inspectAnswer(dir, (report) => {
      const bad = report.modules.filter((m) => m.status !== 'ok');
      return report.modules.length !== 2 || bad.length > 0 ? `expected 2 analysed modules, got ${report.modules.map((m) => m.status).join(', ')}` : undefined;
    });
  },
}));

/** The same large metadata through the text report, which formats it. */
const textCases: FuzzCase[] = [
  {
    category: 'headers',
    name: 'metadata nested 400k deep, text report',
    async prepare(dir) {
      await writeAdapter(dir, { metadata: { ss_network_args: '['.repeat(400_000) + ']'.repeat(400_000) } });
      return { args: ['inspect', dir], expect: 'answer' };
    },
  },
];

export const HEADER_CASES: readonly FuzzCase[] = [...rawCases, ...validCases, ...textCases];
