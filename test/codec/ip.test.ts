import { describe, expect, it } from 'vitest';
import { decodeIpv4Datagram } from '../../src/core/codec/ipv4.js';
import { decodeIpv6Header, encodeIpv6Header } from '../../src/core/codec/ipv6.js';
import { keepalivedVectors } from './fixtures.js';

const vectors = keepalivedVectors();
const frameOf = (kind: string) => Buffer.from(vectors.find((v) => v.kind === kind)?.frame_hex ?? '', 'hex');
/** The IPv4 datagram of keepalived's first v3 advert: 45 c0 0024 0001 0000 ff 70 ... */
const datagram = frameOf('vrrp-ipv4').subarray(14);

function reason(buf: Buffer): string {
  const r = decodeIpv4Datagram(buf);
  return r.ok ? 'ok' : r.reason;
}

function patched(edit: (b: Buffer) => void): Buffer {
  const b = Buffer.from(datagram);
  edit(b);
  return b;
}

describe('decodeIpv4Datagram (raw IPv4 socket input, header included)', () => {
  it('reads keepalived’s header: TOS 0xc0, TTL 255, addresses, and the VRRP payload', () => {
    expect(decodeIpv4Datagram(datagram)).toEqual({
      ok: true,
      src: '10.88.0.11',
      dst: '224.0.0.18',
      ttl: 255,
      tos: 0xc0,
      payload: datagram.subarray(20),
    });
  });

  it('RFC9568-7.1-R2 tolerates bytes beyond the total length (link padding) and cuts them off', () => {
    const r = decodeIpv4Datagram(Buffer.concat([datagram, Buffer.alloc(10)]));
    expect(r.ok && r.payload.length).toBe(16);
  });

  it('RFC9568-7.1-R2 drops a datagram shorter than its total length as packet_length', () => {
    expect(reason(datagram.subarray(0, datagram.length - 1))).toBe('packet_length');
    expect(reason(datagram.subarray(0, 19))).toBe('packet_length');
    expect(reason(Buffer.alloc(0))).toBe('packet_length');
  });

  it('honours IHL: options are skipped, an IHL beyond the bytes read is packet_length', () => {
    const withOptions = Buffer.concat([datagram.subarray(0, 20), Buffer.from([1, 1, 1, 0]), datagram.subarray(20)]);
    withOptions.writeUInt8(0x46, 0);
    withOptions.writeUInt16BE(withOptions.length, 2);
    const r = decodeIpv4Datagram(withOptions);
    expect(r.ok && r.payload.equals(datagram.subarray(20))).toBe(true);
    expect(reason(patched((b) => b.writeUInt8(0x4f, 0)))).toBe('packet_length');
  });

  it.each([
    ['version 6', (b: Buffer) => b.writeUInt8(0x65, 0)],
    ['IHL 4', (b: Buffer) => b.writeUInt8(0x44, 0)],
    ['total length inside the header', (b: Buffer) => b.writeUInt16BE(19, 2)],
    ['protocol 17', (b: Buffer) => b.writeUInt8(17, 9)],
    ['more fragments', (b: Buffer) => b.writeUInt16BE(0x2000, 6)],
    ['fragment offset', (b: Buffer) => b.writeUInt16BE(0x0001, 6)],
  ])('drops %s as ip_header', (_name, edit) => {
    expect(reason(patched(edit))).toBe('ip_header');
  });

  it('accepts DF (VRRP sets no flags, but DF is harmless)', () => {
    expect(reason(patched((b) => b.writeUInt16BE(0x4000, 6)))).toBe('ok');
  });

  it('RFC3768-7.1-R9 protocol 51 (IPsec AH) without room for an AH header is packet_length', () => {
    expect(reason(patched((b) => b.writeUInt8(51, 9)))).toBe('packet_length');
  });
});

describe('decodeIpv6Header', () => {
  const packet = frameOf('vrrp-ipv6').subarray(14);

  it('reads keepalived’s IPv6 advert header: traffic class 0xc0, flow label 0xea02, hop limit 255, next header 112', () => {
    expect(decodeIpv6Header(packet)).toEqual({
      src: 'fe80::5837:4bff:fe8d:5f85',
      dst: 'ff02::12',
      hopLimit: 255,
      nextHeader: 112,
      trafficClass: 0xc0,
      flowLabel: 0xea02,
      payload: packet.subarray(40),
    });
  });

  it('returns undefined for a short packet, another version, or a payload length beyond the bytes', () => {
    expect(decodeIpv6Header(packet.subarray(0, 39))).toBeUndefined();
    expect(decodeIpv6Header(packet.subarray(0, packet.length - 1))).toBeUndefined();
    const v4 = Buffer.from(packet);
    v4.writeUInt8(0x4c, 0);
    expect(decodeIpv6Header(v4)).toBeUndefined();
  });

  it('cuts link padding off at the payload length', () => {
    expect(decodeIpv6Header(Buffer.concat([packet, Buffer.alloc(6)]))?.payload).toEqual(packet.subarray(40));
  });

  it('encodeIpv6Header writes what decodeIpv6Header reads', () => {
    const fields = {
      src: 'fe80::5837:4bff:fe8d:5f85',
      dst: 'ff02::12',
      hopLimit: 255,
      nextHeader: 112,
      trafficClass: 0xc0,
      flowLabel: 0xea02,
    };
    const header = encodeIpv6Header({ ...fields, payloadLength: 24 });
    expect(header.equals(packet.subarray(0, 40))).toBe(true);
  });
});
