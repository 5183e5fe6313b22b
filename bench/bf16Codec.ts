import { decodeStored } from '../src/core/safetensors/decodeMatrix';
import { encodeBFloat16 } from '../src/core/safetensors/encode';

/**
 * BF16 decoding (to float32, as the onnxruntime backend reads factors) and encoding (from
 * float64, as the resize writes them) on 2^24 values, against the loops they replace (one
 * 16-bit load per value; a DataView call per value into a fresh output), in ns per value (best of five after a warm-up run). The encoder
 * writes into one reused buffer, as the resize's writer does.
 */
export function bf16CodecLine(): string {
  const n = 1 << 24;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = Math.sin(i) * 0.02;
  const bytes = encodeBFloat16(values);
  const floats = new Float32Array(n);
  const target = new Uint8Array(2 * n);
  const decode = nsPerValue(n, () => decodeStored(bytes, 'BF16', n, '', '', floats));
  const decodeBefore = nsPerValue(n, () => decodePerValue(bytes, floats));
  const encode = nsPerValue(n, () => encodeBFloat16(values, target));
  const encodeBefore = nsPerValue(n, () => encodePerValue(values));
  const f = (x: number): string => x.toFixed(2);
  return `  BF16 codec on ${n} values: decode ${f(decode)} ns/value (one 16-bit load per value ${f(decodeBefore)}, ${f(decodeBefore / decode)}×), encode ${f(encode)} ns/value (DataView per value, fresh output ${f(encodeBefore)}, ${f(encodeBefore / encode)}×)`;
}

function nsPerValue(n: number, run: () => unknown): number {
  run();
  let best = Infinity;
  for (let k = 0; k < 5; k++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return (best * 1e6) / n;
}

function decodePerValue(bytes: Uint8Array, out: Float32Array): number {
  const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, out.length);
  const words = new Int32Array(out.buffer, out.byteOffset, out.length);
  let bad = 0;
  for (let i = 0; i < out.length; i++) {
    const h = halves[i];
    bad |= (h & 0x7f80) + 0x80;
    words[i] = h << 16;
  }
  return bad;
}

function encodePerValue(values: Float64Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const dv = new DataView(out.buffer);
  const f = new Float32Array(1);
  const bits = new Uint32Array(f.buffer);
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    f[0] = x;
    const b = bits[0];
    let half: number;
    if (Number.isNaN(x)) half = (b >>> 16) | 0x40;
    else if ((b & 0xffff) === 0x8000 && f[0] !== x) half = (b >>> 16) + (Math.abs(x) > Math.abs(f[0]) ? 1 : 0);
    else half = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
    dv.setUint16(i * 2, half & 0xffff, true);
  }
  return out;
}
