/**
 * A minimal protocol-buffers writer: exactly the wire features ONNX model files use (varints,
 * length-delimited bytes and nested messages, packed repeated varints, fixed 32/64-bit floats).
 * Messages are built bottom-up: a nested message is encoded first and embedded as bytes.
 */

const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  LengthDelimited = 2,
  Fixed32 = 5,
}

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  /** A non-negative integer field (int32/int64/enum/bool), skipped when it equals the default 0. */
  int(field: number, value: number | boolean): this {
    const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    if (v === 0) return this;
    this.tag(field, WireType.Varint);
    return this.varint(v);
  }

  /**
   * An integer field written even when it is 0: for fields whose presence means something (a
   * dimension's dim_value is one arm of a oneof, so an absent 0 would read as "unknown").
   */
  tagInt(field: number, value: number): this {
    this.tag(field, WireType.Varint);
    return this.varint(value);
  }

  /** A string field (UTF-8), skipped when empty. */
  string(field: number, value: string): this {
    if (value === '') return this;
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A bytes field or an embedded message (already encoded). */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WireType.LengthDelimited);
    this.varint(value.length);
    return this.push(value);
  }

  /** A repeated integer field, packed (the proto3 default, accepted by proto2 readers). */
  packedInts(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  /** A float field (32-bit, little-endian). */
  float(field: number, value: number): this {
    this.tag(field, WireType.Fixed32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.push(b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }

  private tag(field: number, wire: WireType): void {
    this.varint(field * 8 + wire);
  }

  /**
   * Base-128 varint of a non-negative safe integer. ONNX never needs negative varints here
   * (dims, versions, enum values and axes are all ≥ 0), so they are refused rather than
   * sign-extended to ten bytes.
   */
  private varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`);
    const bytes: number[] = [];
    let v = value;
    while (v >= 0x80) {
      bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    bytes.push(v);
    return this.push(Uint8Array.from(bytes));
  }

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }
}
