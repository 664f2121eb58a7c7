/**
 * AgentX (RFC 2741), the protocol between an SNMP master agent (snmpd) and vipd as its subagent: the PDUs a
 * subagent sends (Open, Register, Response, Notify, Ping, Close) encoded, and the ones it receives (Get, GetNext,
 * GetBulk, the Set phases, Response) decoded. Pure: bytes in, a PDU or a reason out.
 *
 * Written here, not taken from the `net-snmp` package: its AgentX encoder (3.29) cannot write a binary OCTET STRING
 * (it passes the Buffer to a string writer) nor an IpAddress, and drops a search range's `include` flag, and the
 * VRRP MIBs are mostly addresses and MAC addresses.
 */

export const PDU = {
  open: 1,
  close: 2,
  register: 3,
  get: 5,
  getNext: 6,
  getBulk: 7,
  testSet: 8,
  commitSet: 9,
  undoSet: 10,
  cleanupSet: 11,
  notify: 12,
  ping: 13,
  response: 18,
} as const;

/** SMI value types as AgentX numbers them. */
export const TYPE = {
  integer: 2,
  octetString: 4,
  null: 5,
  oid: 6,
  ipAddress: 64,
  counter32: 65,
  gauge32: 66,
  timeTicks: 67,
  counter64: 70,
  noSuchObject: 128,
  noSuchInstance: 129,
  endOfMibView: 130,
} as const;

/** Response errors (RFC 2741 §6.2.16 and the SNMP errors it carries). */
export const ERROR = { none: 0, notWritable: 17, processingError: 268 } as const;

const NETWORK_BYTE_ORDER = 0x10;
const HEADER = 20;

export type Oid = readonly number[];

export type Value =
  | { type: typeof TYPE.integer | typeof TYPE.counter32 | typeof TYPE.gauge32 | typeof TYPE.timeTicks; value: number }
  | { type: typeof TYPE.counter64; value: bigint }
  | { type: typeof TYPE.octetString | typeof TYPE.ipAddress; value: Uint8Array }
  | { type: typeof TYPE.oid; value: Oid }
  | {
      type: typeof TYPE.null | typeof TYPE.noSuchObject | typeof TYPE.noSuchInstance | typeof TYPE.endOfMibView;
      value?: undefined;
    };

export type VarBind = { oid: Oid } & Value;

export interface Header {
  type: number;
  sessionId: number;
  transactionId: number;
  packetId: number;
}

export interface SearchRange {
  start: Oid;
  /** The start itself may be answered (GetNext: a `>=` rather than `>`). */
  include: boolean;
  /** Answers must be below it; empty: no bound. */
  end: Oid;
}

export type Received =
  | (Header & { kind: 'response'; error: number; index: number })
  | (Header & { kind: 'get' | 'getNext'; ranges: SearchRange[] })
  | (Header & { kind: 'getBulk'; nonRepeaters: number; maxRepetitions: number; ranges: SearchRange[] })
  | (Header & { kind: 'set'; phase: 'test' | 'commit' | 'undo' | 'cleanup' })
  | (Header & { kind: 'other' });

/** `length`: the bytes the PDU took, a refused one's too (the stream goes on after it). */
export type Decoded = { ok: true; pdu: Received; length: number } | { ok: false; reason: string; length: number };

/** Text OID ("1.3.6.1.2.1.207") to numbers. */
export function oid(text: string): Oid {
  return text.split('.').map(Number);
}

export function compareOids(a: Oid, b: Oid): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Bytes of one PDU, written big-endian (the NETWORK_BYTE_ORDER flag). */
class Writer {
  private readonly parts: Buffer[] = [];
  u8(...v: number[]): this {
    this.parts.push(Buffer.from(v));
    return this;
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.parts.push(b);
    return this;
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    this.parts.push(b);
    return this;
  }
  oid(o: Oid, include = false): this {
    // 1.3.6.1.X.rest is sent as prefix X and the rest (§5.1).
    const prefixed = o.length > 4 && o[0] === 1 && o[1] === 3 && o[2] === 6 && o[3] === 1 && (o[4] as number) < 256;
    const subids = prefixed ? o.slice(5) : o;
    this.u8(subids.length, prefixed ? (o[4] as number) : 0, include ? 1 : 0, 0);
    for (const s of subids) this.u32(s);
    return this;
  }
  octets(v: Uint8Array): this {
    this.u32(v.length);
    this.parts.push(Buffer.from(v));
    const pad = (4 - (v.length % 4)) % 4;
    if (pad) this.parts.push(Buffer.alloc(pad));
    return this;
  }
  varBind(vb: VarBind): this {
    this.u16(vb.type).u16(0).oid(vb.oid);
    switch (vb.type) {
      case TYPE.integer: {
        const b = Buffer.alloc(4);
        b.writeInt32BE(vb.value);
        this.parts.push(b);
        break;
      }
      case TYPE.counter32:
      case TYPE.gauge32:
      case TYPE.timeTicks:
        this.u32(vb.value);
        break;
      case TYPE.counter64: {
        const b = Buffer.alloc(8);
        b.writeBigUInt64BE(BigInt.asUintN(64, vb.value));
        this.parts.push(b);
        break;
      }
      case TYPE.octetString:
      case TYPE.ipAddress:
        this.octets(vb.value);
        break;
      case TYPE.oid:
        this.oid(vb.value);
        break;
      default:
        break; // null and the exceptions carry no data
    }
    return this;
  }
  pdu(type: number, h: Omit<Header, 'type'>): Buffer {
    const payload = Buffer.concat(this.parts);
    const head = Buffer.alloc(HEADER);
    head.writeUInt8(1, 0);
    head.writeUInt8(type, 1);
    head.writeUInt8(NETWORK_BYTE_ORDER, 2);
    head.writeUInt32BE(h.sessionId >>> 0, 4);
    head.writeUInt32BE(h.transactionId >>> 0, 8);
    head.writeUInt32BE(h.packetId >>> 0, 12);
    head.writeUInt32BE(payload.length, 16);
    return Buffer.concat([head, payload]);
  }
}

const session = (sessionId: number, packetId: number) => ({ sessionId, transactionId: 0, packetId });

export function encodeOpen(packetId: number, timeoutS: number, id: Oid, descr: string): Buffer {
  return new Writer().u8(timeoutS, 0, 0, 0).oid(id).octets(Buffer.from(descr)).pdu(PDU.open, session(0, packetId));
}

export function encodeRegister(sessionId: number, packetId: number, subtree: Oid): Buffer {
  return new Writer().u8(0, 127, 0, 0).oid(subtree).pdu(PDU.register, session(sessionId, packetId));
}

export function encodePing(sessionId: number, packetId: number): Buffer {
  return new Writer().pdu(PDU.ping, session(sessionId, packetId));
}

/** Close with reason shutdown (5). */
export function encodeClose(sessionId: number, packetId: number): Buffer {
  return new Writer().u8(5, 0, 0, 0).pdu(PDU.close, session(sessionId, packetId));
}

/** A notification: its varbinds start with sysUpTime.0 and snmpTrapOID.0 (RFC 2741 §6.2.10). */
export function encodeNotify(sessionId: number, packetId: number, varBinds: readonly VarBind[]): Buffer {
  const w = new Writer();
  for (const vb of varBinds) w.varBind(vb);
  return w.pdu(PDU.notify, session(sessionId, packetId));
}

/** The answer to a request: same session, transaction and packet ids. */
export function encodeResponse(
  to: Header,
  varBinds: readonly VarBind[],
  error: { status: number; index: number } = { status: 0, index: 0 },
  sysUpTime = 0,
): Buffer {
  const w = new Writer().u32(sysUpTime).u16(error.status).u16(error.index);
  for (const vb of varBinds) w.varBind(vb);
  return w.pdu(PDU.response, to);
}

/** Reads what the master sent. */
class Reader {
  pos = 0;
  constructor(
    private readonly b: Buffer,
    private readonly big: boolean,
    private readonly end: number,
  ) {}
  need(n: number): void {
    if (this.pos + n > this.end) throw new RangeError('truncated');
  }
  u8(): number {
    this.need(1);
    return this.b.readUInt8(this.pos++);
  }
  u16(): number {
    this.need(2);
    const v = this.big ? this.b.readUInt16BE(this.pos) : this.b.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.big ? this.b.readUInt32BE(this.pos) : this.b.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  oid(): { oid: Oid; include: boolean } {
    const n = this.u8();
    const prefix = this.u8();
    const include = this.u8() === 1;
    this.u8();
    const subids: number[] = prefix ? [1, 3, 6, 1, prefix] : [];
    for (let i = 0; i < n; i++) subids.push(this.u32());
    return { oid: subids, include };
  }
  get done(): boolean {
    return this.pos >= this.end;
  }
}

/**
 * One PDU from the start of `b` (a stream may hold several, or part of one): undefined while incomplete, else the
 * PDU and the bytes it took.
 */
export function decodePdu(b: Buffer): Decoded | undefined {
  if (b.length < HEADER) return undefined;
  const big = ((b[2] ?? 0) & NETWORK_BYTE_ORDER) !== 0;
  const payload = big ? b.readUInt32BE(16) : b.readUInt32LE(16);
  if (b.length < HEADER + payload) return undefined;
  const length = HEADER + payload;
  if (b[0] !== 1) return { ok: false, reason: `AgentX version ${b[0]}`, length };
  const r32 = (at: number) => (big ? b.readUInt32BE(at) : b.readUInt32LE(at));
  const h: Header = { type: b[1] as number, sessionId: r32(4), transactionId: r32(8), packetId: r32(12) };
  const r = new Reader(b, big, length);
  r.pos = HEADER;
  try {
    const ranges = (): SearchRange[] => {
      const out: SearchRange[] = [];
      while (!r.done) {
        const start = r.oid();
        out.push({ start: start.oid, include: start.include, end: r.oid().oid });
      }
      return out;
    };
    switch (h.type) {
      case PDU.response: {
        r.u32(); // sysUpTime
        return { ok: true, length, pdu: { ...h, kind: 'response', error: r.u16(), index: r.u16() } };
      }
      case PDU.get:
      case PDU.getNext:
        return { ok: true, length, pdu: { ...h, kind: h.type === PDU.get ? 'get' : 'getNext', ranges: ranges() } };
      case PDU.getBulk: {
        const nonRepeaters = r.u16();
        const maxRepetitions = r.u16();
        return { ok: true, length, pdu: { ...h, kind: 'getBulk', nonRepeaters, maxRepetitions, ranges: ranges() } };
      }
      case PDU.testSet:
      case PDU.commitSet:
      case PDU.undoSet:
      case PDU.cleanupSet: {
        const phases = { [PDU.testSet]: 'test', [PDU.commitSet]: 'commit', [PDU.undoSet]: 'undo' } as const;
        const phase = phases[h.type as keyof typeof phases] ?? 'cleanup';
        return { ok: true, length, pdu: { ...h, kind: 'set', phase } };
      }
      default:
        return { ok: true, length, pdu: { ...h, kind: 'other' } };
    }
  } catch {
    return { ok: false, reason: `AgentX PDU type ${h.type} is truncated`, length };
  }
}
