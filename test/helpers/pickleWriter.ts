/**
 * A test-only pickle writer that emits the opcodes CPython's pickle module (Lib/pickle.py,
 * _Pickler, protocol 2) writes for the values torch.save pickles: BININT1/BININT2/BININT by
 * size, BINUNICODE, TUPLE1–3 and MARK…TUPLE, BINPUT after every memoized object, BINGET for a
 * global seen before, MARK…SETITEMS batches. Raw opcodes can be appended for hostile cases.
 */
export class PickleWriter {
  private readonly out: number[] = [];
  private memoCount = 0;
  private readonly globals = new Map<string, number>();

  raw(...bytes: number[]): this {
    for (const b of bytes) this.out.push(b & 0xff);
    return this;
  }

  proto(version = 2): this {
    return this.raw(0x80, version);
  }

  /** BINPUT (or LONG_BINPUT) of the next memo index, as the pickler does after each object. */
  put(): this {
    const index = this.memoCount++;
    return index < 256 ? this.raw(0x71, index) : this.raw(0x72, ...le(index, 4));
  }

  int(value: number): this {
    if (value >= 0 && value < 256) return this.raw(0x4b, value);
    if (value >= 0 && value < 65536) return this.raw(0x4d, ...le(value, 2));
    return this.raw(0x4a, ...le(value >>> 0, 4));
  }

  /** LONG1 of a little-endian two's-complement integer (the legacy magic number). */
  long(value: bigint): this {
    const bytes: number[] = [];
    let v = value;
    while (v !== 0n && v !== -1n) {
      bytes.push(Number(v & 0xffn));
      v >>= 8n;
    }
    if (bytes.length === 0 || (bytes[bytes.length - 1] & 0x80) !== 0) bytes.push(0);
    return this.raw(0x8a, bytes.length, ...bytes);
  }

  str(text: string): this {
    const bytes = new TextEncoder().encode(text);
    return this.raw(0x58, ...le(bytes.length, 4), ...bytes).put();
  }

  bool(value: boolean): this {
    return this.raw(value ? 0x88 : 0x89);
  }

  none(): this {
    return this.raw(0x4e);
  }

  /** GLOBAL 'module\nname\n' the first time, BINGET of its memo entry after. */
  global(module: string, name: string): this {
    const key = `${module}\n${name}\n`;
    const memo = this.globals.get(key);
    if (memo !== undefined) return this.raw(0x68, memo);
    this.globals.set(key, this.memoCount);
    return this.raw(0x63, ...new TextEncoder().encode(key)).put();
  }

  mark(): this {
    return this.raw(0x28);
  }

  /** A tuple of `count` values already written (after a MARK when count > 3). */
  tuple(count: number): this {
    if (count === 0) return this.raw(0x29);
    return (count <= 3 ? this.raw(0x85 + count - 1) : this.raw(0x74)).put();
  }

  /** A tuple of small ints, as the pickler writes a size or stride. */
  ints(values: readonly number[]): this {
    if (values.length > 3) this.mark();
    for (const v of values) this.int(v);
    return this.tuple(values.length);
  }

  emptyDict(): this {
    return this.raw(0x7d).put();
  }

  setItems(): this {
    return this.raw(0x75);
  }

  reduce(): this {
    return this.raw(0x52).put();
  }

  build(): this {
    return this.raw(0x62);
  }

  persid(): this {
    return this.raw(0x51).put();
  }

  stop(): this {
    return this.raw(0x2e);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

export function le(value: number, width: number): number[] {
  const out: number[] = [];
  let v = value;
  for (let i = 0; i < width; i++) {
    out.push(v % 256);
    v = Math.floor(v / 256);
  }
  return out;
}
