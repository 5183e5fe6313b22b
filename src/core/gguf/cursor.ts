import { GgufError } from './errors';

/**
 * Thrown (and caught by the header reader, never past it) when a field lies beyond the bytes
 * read so far but inside the file: the reader then reads more of the file and starts over.
 */
export class NeedMoreBytes {
  constructor(readonly upTo: number) {}
}

const utf8 = new TextDecoder();

/**
 * Reads little-endian fields of a GGUF header in order from the file's first bytes. A field past
 * the end of the file is PAST_END, naming the field and where it was.
 */
export class Cursor {
  position = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    readonly fileSize: number,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes left in the file after the cursor. */
  get remaining(): number {
    return this.fileSize - this.position;
  }

  u8(what: string): number {
    return this.view.getUint8(this.take(1, what));
  }

  i8(what: string): number {
    return this.view.getInt8(this.take(1, what));
  }

  u16(what: string): number {
    return this.view.getUint16(this.take(2, what), true);
  }

  i16(what: string): number {
    return this.view.getInt16(this.take(2, what), true);
  }

  u32(what: string): number {
    return this.view.getUint32(this.take(4, what), true);
  }

  i32(what: string): number {
    return this.view.getInt32(this.take(4, what), true);
  }

  u64(what: string): bigint {
    return this.view.getBigUint64(this.take(8, what), true);
  }

  i64(what: string): bigint {
    return this.view.getBigInt64(this.take(8, what), true);
  }

  f32(what: string): number {
    return this.view.getFloat32(this.take(4, what), true);
  }

  f64(what: string): number {
    return this.view.getFloat64(this.take(8, what), true);
  }

  /** A u64 that must be at most `max`, as a number. */
  count(what: string, max: number): number {
    const value = this.u64(what);
    if (value > BigInt(max)) throw new GgufError('LIMIT_EXCEEDED', `${what} is ${value}, over the limit of ${max}`, this.file);
    return Number(value);
  }

  /**
   * A gguf_string: a u64 byte length, then that many bytes of UTF-8. Lengths over `maxBytes` or
   * past the end of the file are refused before anything is read. With `decode` false the
   * bytes are skipped and '' returned.
   */
  string(what: string, maxBytes: number, decode = true): string {
    const at = this.position;
    const length = this.u64(`the length of ${what}`);
    if (length > BigInt(maxBytes)) throw new GgufError('LIMIT_EXCEEDED', `${what} at byte ${at} is ${length} bytes long, over the limit of ${maxBytes}`, this.file);
    const n = Number(length);
    if (n > this.remaining) throw new GgufError('PAST_END', `${what} at byte ${at} is ${n} bytes long, past the end of the file (${this.remaining} bytes left)`, this.file);
    const start = this.take(n, what);
    return decode ? utf8.decode(this.bytes.subarray(start, start + n)) : '';
  }

  /** Moves on by `n` bytes (at most to the end of the file), returning where the field began. */
  private take(n: number, what: string): number {
    const at = this.position;
    if (at + n > this.fileSize) throw new GgufError('PAST_END', `${what} at byte ${at} runs past the end of the file (${this.fileSize} bytes)`, this.file);
    if (at + n > this.bytes.length) throw new NeedMoreBytes(at + n);
    this.position = at + n;
    return at;
  }
}
