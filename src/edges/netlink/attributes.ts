/** Netlink attributes written by hand, where the `netlink` package has no codec (IPVS, macvlan link info, nexthops). */

/** One attribute: length, type, the payload, padded to 4 bytes. */
export function attr(type: number, payload: Uint8Array): Buffer {
  return new AttrWriter(4 + payload.length).bytes(type, payload).done();
}

const NLA_F_NESTED = 0x8000;

/**
 * Attributes written one after the other into one buffer (length, type, payload, zero padding to 4 bytes): a
 * request of a thousand IPVS operations makes a buffer per operation, not one per attribute.
 */
export class AttrWriter {
  private buf: Buffer;
  private length = 0;

  constructor(sizeHint = 128) {
    this.buf = Buffer.allocUnsafe(sizeHint);
  }

  /** Room for an attribute of `payload` bytes, its header written; returns where its payload goes. */
  private begin(type: number, payload: number): number {
    const total = (4 + payload + 3) & ~3;
    if (this.length + total > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + total));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    }
    const at = this.length;
    this.buf.writeUInt16LE(4 + payload, at);
    this.buf.writeUInt16LE(type, at + 2);
    this.buf.fill(0, at + 4 + payload, at + total); // the padding
    this.length += total;
    return at + 4;
  }

  u8(type: number, v: number): this {
    const at = this.begin(type, 1);
    this.buf.writeUInt8(v & 0xff, at);
    return this;
  }

  u16(type: number, v: number): this {
    const at = this.begin(type, 2);
    this.buf.writeUInt16LE(v & 0xffff, at);
    return this;
  }

  /** A 16-bit number in network order (ports). */
  be16(type: number, v: number): this {
    const at = this.begin(type, 2);
    this.buf.writeUInt16BE(v & 0xffff, at);
    return this;
  }

  u32(type: number, v: number): this {
    const at = this.begin(type, 4);
    this.buf.writeUInt32LE(v >>> 0, at);
    return this;
  }

  be32(type: number, v: number): this {
    const at = this.begin(type, 4);
    this.buf.writeUInt32BE(v >>> 0, at);
    return this;
  }

  bytes(type: number, payload: Uint8Array): this {
    const at = this.begin(type, payload.length);
    this.buf.set(payload, at);
    return this;
  }

  /** A NUL-terminated string (latin1). */
  str(type: number, v: string): this {
    const at = this.begin(type, v.length + 1);
    this.buf.write(v, at, 'latin1');
    this.buf[at + v.length] = 0;
    return this;
  }

  /** A nested attribute whose payload `write` adds (the nested flag set). */
  nested(type: number, write: (w: this) => void): this {
    const at = this.begin(type | NLA_F_NESTED, 0) - 4;
    write(this);
    this.buf.writeUInt16LE(this.length - at, at);
    return this;
  }

  /** What was written (the writer is not used after). */
  done(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** A u32 in host (little-endian) order, as netlink carries numbers. */
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/** The highest attribute type an AttrReader indexes (IPVS's go to 15, the generic netlink controller's to 8). */
const MAX_TYPE = 31;

// Numbers at an offset, by hand: a Uint8Array has no readers, and a DataView per block is an object per row.
const le16 = (b: Uint8Array, o: number) => (b[o] as number) | ((b[o + 1] as number) << 8);
const be16At = (b: Uint8Array, o: number) => ((b[o] as number) << 8) | (b[o + 1] as number);
const le32 = (b: Uint8Array, o: number) => le16(b, o) + le16(b, o + 2) * 0x10000;
const be32At = (b: Uint8Array, o: number) => be16At(b, o) * 0x10000 + be16At(b, o + 2);
const le64 = (b: Uint8Array, o: number) => le32(b, o) + le32(b, o + 4) * 2 ** 32;
const u8At = (b: Uint8Array, o: number) => b[o] as number;

/**
 * The attributes of one block, indexed by type as offsets into the buffer: reading a row of a table of thousands
 * makes no object per attribute (the IPVS re-check reads every destination every few seconds). The last of a type
 * wins; the nested flag is stripped; types above MAX_TYPE are skipped. A reader is reused: read() forgets the
 * previous block, so one is held per nesting level and used synchronously. Never throws on a short or broken block.
 */
export class AttrReader {
  private buf: Uint8Array = new Uint8Array(0);
  private readonly start = new Int32Array(MAX_TYPE + 1).fill(-1);
  private readonly length = new Int32Array(MAX_TYPE + 1);

  /** Indexes the attributes in b[from, to). */
  read(b: Uint8Array, from = 0, to = b.length): this {
    this.buf = b;
    this.start.fill(-1);
    for (let o = from; o + 4 <= to; ) {
      const len = le16(b, o);
      if (len < 4 || o + len > to) break;
      const type = le16(b, o + 2) & 0x3fff;
      if (type <= MAX_TYPE) {
        this.start[type] = o + 4;
        this.length[type] = len - 4;
      }
      o += (len + 3) & ~3;
    }
    return this;
  }

  has(type: number): boolean {
    return this.at(type, 0) >= 0;
  }

  /** Reads attribute `type` as a nested block into `into`; undefined when absent. */
  nested(type: number, into: AttrReader): AttrReader | undefined {
    const at = this.at(type, 0);
    return at < 0 ? undefined : into.read(this.buf, at, at + (this.length[type] as number));
  }

  u8(type: number): number | undefined {
    return this.number(type, 1, u8At);
  }

  u16(type: number): number | undefined {
    return this.number(type, 2, le16);
  }

  /** A 16-bit number in network order (ports). */
  be16(type: number): number | undefined {
    return this.number(type, 2, be16At);
  }

  u32(type: number): number | undefined {
    return this.number(type, 4, le32);
  }

  be32(type: number): number | undefined {
    return this.number(type, 4, be32At);
  }

  /** A 64-bit counter as a number (exact below 2^53, which no counter reaches), without a BigInt. */
  u64(type: number): number | undefined {
    return this.number(type, 8, le64);
  }

  /** Attribute `type` read by `read` when it has at least `size` bytes. */
  private number(type: number, size: number, read: (b: Uint8Array, o: number) => number): number | undefined {
    const at = this.at(type, size);
    return at < 0 ? undefined : read(this.buf, at);
  }

  /** A NUL-terminated string (latin1). */
  str(type: number): string | undefined {
    const at = this.at(type, 0);
    if (at < 0) return undefined;
    const end = at + (this.length[type] as number);
    const nul = this.buf.indexOf(0, at);
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + at, (nul >= 0 && nul < end ? nul : end) - at).toString(
      'latin1',
    );
  }

  /** The payload itself (a view, not a copy). */
  bytes(type: number): Buffer | undefined {
    const at = this.at(type, 0);
    return at < 0 ? undefined : Buffer.from(this.buf.buffer, this.buf.byteOffset + at, this.length[type] as number);
  }

  /** The payload's offset in `buffer` when the attribute is there with at least `min` bytes, else -1. */
  at(type: number, min: number): number {
    if (type > MAX_TYPE) return -1;
    const at = this.start[type] as number;
    return at >= 0 && (this.length[type] as number) >= min ? at : -1;
  }

  /** The block's buffer, which at() offsets are into. */
  get buffer(): Uint8Array {
    return this.buf;
  }
}
