import { PickleError } from './errors';

/** The longest module or name a GLOBAL line may hold (Python identifiers joined by dots). */
const MAX_LINE = 256;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A bounds-checked cursor over a pickle's bytes: every length is checked against what is left. */
export class PickleReader {
  position: number;
  /** Where the opcode being run started (for messages). */
  opcodeAt = 0;
  private readonly view: DataView;

  constructor(
    private readonly data: Uint8Array,
    start: number,
    private readonly file: string,
  ) {
    this.position = start;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  opcode(): number {
    this.opcodeAt = this.position;
    return this.u8();
  }

  u8(): number {
    this.need(1);
    return this.data[this.position++];
  }

  u16(): number {
    this.need(2);
    const value = this.view.getUint16(this.position, true);
    this.position += 2;
    return value;
  }

  u32(): number {
    this.need(4);
    const value = this.view.getUint32(this.position, true);
    this.position += 4;
    return value;
  }

  i32(): number {
    this.need(4);
    const value = this.view.getInt32(this.position, true);
    this.position += 4;
    return value;
  }

  f64be(): number {
    this.need(8);
    const value = this.view.getFloat64(this.position, false);
    this.position += 8;
    return value;
  }

  /** A little-endian length field of `width` bytes, refused past `max`. */
  length(width: 4 | 8, max: number): number {
    this.need(width);
    const value = width === 4 ? this.view.getUint32(this.position, true) : Number(this.view.getBigUint64(this.position, true));
    this.position += width;
    if (value > max) throw new PickleError('LIMIT_EXCEEDED', `a value of ${value} bytes at byte ${this.opcodeAt} of the pickle (at most ${max})`, this.file);
    return value;
  }

  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.data.subarray(this.position, this.position + n);
    this.position += n;
    return out;
  }

  text(n: number): string {
    try {
      return utf8.decode(this.bytes(n));
    } catch (error) {
      if (error instanceof PickleError) throw error;
      throw new PickleError('MALFORMED_PICKLE', `a string at byte ${this.opcodeAt} of the pickle is not UTF-8`, this.file);
    }
  }

  /** A two's-complement little-endian integer of `n` bytes (LONG1/LONG4), as a number when it is safe. */
  long(n: number): number | bigint {
    const raw = this.bytes(n);
    let value = 0n;
    for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(raw[i]);
    if (n > 0 && raw[n - 1] >= 0x80) value -= 1n << BigInt(8 * n);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }

  /** A newline-terminated ASCII line (GLOBAL's module and name), at most MAX_LINE characters. */
  line(): string {
    const limit = Math.min(this.data.length, this.position + MAX_LINE + 1);
    for (let i = this.position; i < limit; i++) {
      const b = this.data[i];
      if (b === 0x0a) {
        const text = String.fromCharCode(...this.data.subarray(this.position, i));
        this.position = i + 1;
        return text;
      }
      if (b < 0x20 || b > 0x7e) break;
      if (i === this.data.length - 1) this.need(i - this.position + 2);
    }
    throw new PickleError('MALFORMED_PICKLE', `GLOBAL at byte ${this.opcodeAt} of the pickle is not a short line of printable ASCII`, this.file);
  }

  /** FRAME's 8-byte length: checked to lie inside the pickle, then read through (frames only group opcodes). */
  frame(): void {
    const n = this.length(8, Number.MAX_SAFE_INTEGER);
    if (n > this.data.length - this.position)
      throw new PickleError('MALFORMED_PICKLE', `a frame of ${n} bytes at byte ${this.opcodeAt} runs past the end of the pickle`, this.file);
  }

  private need(n: number): void {
    if (n > this.data.length - this.position) throw new PickleError('MALFORMED_PICKLE', `the pickle ends inside the opcode at byte ${this.opcodeAt}`, this.file);
  }
}
