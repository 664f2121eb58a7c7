/**
 * AgentX (RFC 2741) bytes: what vipd sends, laid out field by field as §6 draws them, and what it reads from a
 * master in either byte order; then Get/GetNext/GetBulk answered from a view (§7.2.3).
 */
import { describe, expect, it } from 'vitest';
import {
  decodePdu,
  encodeOpen,
  encodeRegister,
  encodeResponse,
  oid,
  PDU,
  type SearchRange,
  TYPE,
  type VarBind,
} from '../../src/core/snmp/agentx.js';
import { answerRequest, getBulk, getNext } from '../../src/core/snmp/answer.js';

const hex = (b: Buffer) => b.toString('hex');

/** A request from a master: header and payload, big-endian unless `little`. */
function request(type: number, payload: Buffer, little = false): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt8(1, 0);
  h.writeUInt8(type, 1);
  h.writeUInt8(little ? 0 : 0x10, 2);
  const w32 = (v: number, at: number) => (little ? h.writeUInt32LE(v, at) : h.writeUInt32BE(v, at));
  w32(7, 4); // session
  w32(8, 8); // transaction
  w32(9, 12); // packet
  w32(payload.length, 16);
  return Buffer.concat([h, payload]);
}

/** An OID as §5.1 encodes it, in the given byte order. */
function oidBytes(o: number[], include = 0, little = false): Buffer {
  const prefixed = o.length > 4 && o.slice(0, 4).join('.') === '1.3.6.1';
  const subids = prefixed ? o.slice(5) : o;
  const b = Buffer.alloc(4 + 4 * subids.length);
  b.writeUInt8(subids.length, 0);
  b.writeUInt8(prefixed ? (o[4] as number) : 0, 1);
  b.writeUInt8(include, 2);
  subids.forEach((s, i) => {
    if (little) b.writeUInt32LE(s, 4 + 4 * i);
    else b.writeUInt32BE(s, 4 + 4 * i);
  });
  return b;
}

describe('AgentX encoding', () => {
  it('Open: header, timeout, the id with the 1.3.6.1 prefix folded, the description padded', () => {
    const b = encodeOpen(5, 0, oid('1.3.6.1.4.1.9586.100.5.2'), 'vipd');
    expect(hex(b.subarray(0, 20))).toBe('0101100000000000000000000000000500000024');
    expect(hex(b.subarray(20))).toBe(
      `00000000${'05040000'}${'00000001'}${'00002572'}${'00000064'}${'00000005'}${'00000002'}${'00000004'}${Buffer.from('vipd').toString('hex')}`,
    );
  });

  it('Register: priority 127, the subtree', () => {
    const b = encodeRegister(42, 6, oid('1.3.6.1.2.1.207'));
    expect(b.readUInt8(1)).toBe(PDU.register);
    expect(b.readUInt32BE(4)).toBe(42);
    expect(hex(b.subarray(20))).toBe('007f0000' + '02020000' + '00000001' + '000000cf');
  });

  it('Response: every value type, octet strings padded to 4, IpAddress as 4 octets, Counter64 in 8', () => {
    const vbs: VarBind[] = [
      { oid: [1, 3, 6, 1, 2, 1, 1], type: TYPE.integer, value: -2 },
      { oid: [1, 3, 6, 1, 2, 1, 2], type: TYPE.octetString, value: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01]) },
      { oid: [1, 3, 6, 1, 2, 1, 3], type: TYPE.ipAddress, value: Buffer.from([192, 0, 2, 1]) },
      { oid: [1, 3, 6, 1, 2, 1, 4], type: TYPE.counter64, value: 2n ** 40n },
      { oid: [1, 3, 6, 1, 2, 1, 5], type: TYPE.endOfMibView },
    ];
    const b = encodeResponse({ type: PDU.get, sessionId: 7, transactionId: 8, packetId: 9 }, vbs);
    expect(b.readUInt8(1)).toBe(PDU.response);
    expect([b.readUInt32BE(4), b.readUInt32BE(8), b.readUInt32BE(12)]).toEqual([7, 8, 9]);
    const body = hex(b.subarray(28));
    const name = (n: number) => `0202000000000001${n.toString(16).padStart(8, '0')}`;
    expect(body).toBe(
      [
        `00020000${name(1)}fffffffe`,
        `00040000${name(2)}00000005deadbeef01000000`,
        `00400000${name(3)}00000004c0000201`,
        `00460000${name(4)}0000010000000000`,
        `00820000${name(5)}`,
      ].join(''),
    );
    expect(b.readUInt32BE(16)).toBe(b.length - 20);
  });
});

describe('AgentX decoding', () => {
  it('GetNext in either byte order, with the include flag of each range', () => {
    for (const little of [false, true]) {
      const payload = Buffer.concat([
        oidBytes([1, 3, 6, 1, 2, 1, 207], 1, little),
        oidBytes([1, 3, 6, 1, 2, 1, 208], 0, little),
      ]);
      const d = decodePdu(request(PDU.getNext, payload, little));
      expect(d).toEqual({
        ok: true,
        length: 20 + payload.length,
        pdu: {
          type: PDU.getNext,
          sessionId: 7,
          transactionId: 8,
          packetId: 9,
          kind: 'getNext',
          ranges: [{ start: [1, 3, 6, 1, 2, 1, 207], include: true, end: [1, 3, 6, 1, 2, 1, 208] }],
        },
      });
    }
  });

  it('GetBulk, a stream of two PDUs, a partial one, and a truncated one refused with its length', () => {
    const bulk = request(
      PDU.getBulk,
      Buffer.concat([
        Buffer.from([0, 1, 0, 10]),
        oidBytes([1, 3, 6, 1, 2]),
        oidBytes([]),
        oidBytes([1, 3]),
        oidBytes([]),
      ]),
    );
    const ping = request(PDU.response, Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]));
    const stream = Buffer.concat([bulk, ping]);
    const first = decodePdu(stream);
    expect(
      first?.ok && first.pdu.kind === 'getBulk' ? [first.pdu.nonRepeaters, first.pdu.maxRepetitions] : first,
    ).toEqual([1, 10]);
    const second = decodePdu(stream.subarray(first?.length));
    expect(second?.ok && second.pdu.kind).toBe('response');
    expect(decodePdu(stream.subarray(0, 30))).toBeUndefined();
    const truncated = request(PDU.get, Buffer.from([3, 0, 0, 0, 0, 0, 0, 1]));
    expect(decodePdu(truncated)).toEqual({ ok: false, reason: 'AgentX PDU type 5 is truncated', length: 28 });
  });
});

describe('answering from a view', () => {
  const view: VarBind[] = [
    { oid: [1, 3, 6, 1, 9, 1], type: TYPE.integer, value: 1 },
    { oid: [1, 3, 6, 1, 9, 2], type: TYPE.integer, value: 2 },
    { oid: [1, 3, 6, 1, 9, 3, 1], type: TYPE.integer, value: 3 },
  ];
  const range = (start: number[], include = false, end: number[] = []): SearchRange => ({ start, include, end });
  const header = { type: 0, sessionId: 1, transactionId: 1, packetId: 1 };

  it('Get: the object itself, or noSuchObject', () => {
    const got = answerRequest(view, {
      ...header,
      kind: 'get',
      ranges: [range([1, 3, 6, 1, 9, 2]), range([1, 3, 6, 1, 9])],
    });
    expect(got.map((v) => [v.oid.join('.'), v.type, v.value])).toEqual([
      ['1.3.6.1.9.2', TYPE.integer, 2],
      ['1.3.6.1.9', TYPE.noSuchObject, undefined],
    ]);
  });

  it('GetNext: strictly after the start, or at it with include; never at or past the end', () => {
    expect(getNext(view, range([1, 3, 6, 1, 9, 1])).oid).toEqual([1, 3, 6, 1, 9, 2]);
    expect(getNext(view, range([1, 3, 6, 1, 9, 1], true)).oid).toEqual([1, 3, 6, 1, 9, 1]);
    expect(getNext(view, range([1, 3, 6, 1, 9, 2], false, [1, 3, 6, 1, 9, 3])).type).toBe(TYPE.endOfMibView);
    expect(getNext(view, range([1, 3, 6, 1, 9, 3, 1])).type).toBe(TYPE.endOfMibView);
  });

  it('GetBulk: non-repeaters once, repeaters row by row until the view ends', () => {
    const got = getBulk(view, 1, 5, [range([1, 3, 6, 1, 9, 2]), range([1, 3, 6, 1, 9])]);
    expect(got.map((v) => (v.type === TYPE.endOfMibView ? 'end' : v.oid.join('.')))).toEqual([
      '1.3.6.1.9.3.1',
      '1.3.6.1.9.1',
      '1.3.6.1.9.2',
      '1.3.6.1.9.3.1',
      'end',
    ]);
  });
});
