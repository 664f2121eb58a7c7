import { describe, expect, it } from 'vitest';
import { decodeEthernetFrame, ETHERTYPE, formatMac, ipv6MulticastMac } from '../../src/core/codec/ethernet.js';
import {
  decodeGarp,
  decodeUnsolicitedNa,
  encodeGarp,
  encodeUnsolicitedNa,
  virtualMac,
} from '../../src/core/codec/frames.js';

const MAC = Buffer.from('020000000001', 'hex');

/** The same frame with an 802.1Q tag (VLAN 100) after the source MAC. */
function tagged(frame: Buffer): Buffer {
  return Buffer.concat([frame.subarray(0, 12), Buffer.from('81000064', 'hex'), frame.subarray(12)]);
}

describe('virtual MAC (RFC 9568 §7.3)', () => {
  it('RFC9568-7.3 is 00:00:5e:00:01:VRID for IPv4 and 00:00:5e:00:02:VRID for IPv6', () => {
    expect(formatMac(virtualMac(1, 4))).toBe('00:00:5e:00:01:01');
    expect(formatMac(virtualMac(255, 4))).toBe('00:00:5e:00:01:ff');
    expect(formatMac(virtualMac(46, 6))).toBe('00:00:5e:00:02:2e');
  });

  it('RFC2464-7 maps an IPv6 group to 33:33 and its last 32 bits', () => {
    expect(formatMac(ipv6MulticastMac('ff02::1'))).toBe('33:33:00:00:00:01');
    expect(formatMac(ipv6MulticastMac('ff02::1:ff00:1234'))).toBe('33:33:ff:00:12:34');
  });
});

describe('gratuitous ARP', () => {
  it('RFC5227-2.3 is a broadcast request with sender IP = target IP, 42 bytes', () => {
    const frame = encodeGarp(virtualMac(7, 4), '192.0.2.10');
    expect(frame).toHaveLength(42);
    expect(decodeGarp(frame)).toEqual({
      ethDst: 'ff:ff:ff:ff:ff:ff',
      ethSrc: '00:00:5e:00:01:07',
      opcode: 'request',
      senderMac: '00:00:5e:00:01:07',
      senderIp: '192.0.2.10',
      targetMac: 'ff:ff:ff:ff:ff:ff',
      targetIp: '192.0.2.10',
    });
  });

  it('can be sent as a reply for switches that only learn from replies', () => {
    const frame = encodeGarp(MAC, '192.0.2.10', { opcode: 'reply' });
    expect(frame.readUInt16BE(20)).toBe(2);
    expect(decodeGarp(frame)?.opcode).toBe('reply');
  });

  it('decodes through an 802.1Q tag', () => {
    expect(decodeGarp(tagged(encodeGarp(MAC, '192.0.2.10')))?.senderIp).toBe('192.0.2.10');
  });

  it('ignores ordinary ARP (a who-has asks for another address) and non-ARP frames', () => {
    const whoHas = encodeGarp(MAC, '192.0.2.10');
    Buffer.from([192, 0, 2, 99]).copy(whoHas, 38);
    expect(decodeGarp(whoHas)).toBeUndefined();
    expect(decodeGarp(encodeUnsolicitedNa(MAC, '2001:db8::1', { router: false }))).toBeUndefined();
    expect(decodeGarp(encodeGarp(MAC, '192.0.2.10').subarray(0, 41))).toBeUndefined();
    const opcode3 = encodeGarp(MAC, '192.0.2.10');
    opcode3.writeUInt16BE(3, 20);
    expect(decodeGarp(opcode3)).toBeUndefined();
  });

  it('refuses a MAC that is not 6 bytes or an address that is not IPv4', () => {
    expect(() => encodeGarp(Buffer.alloc(5), '192.0.2.10')).toThrow(RangeError);
    expect(() => encodeGarp(MAC, '2001:db8::1')).toThrow(RangeError);
  });
});

describe('unsolicited neighbor advertisement', () => {
  it('RFC4861-7.2.6 goes to ff02::1 from the address itself, hop limit 255, O flag, TLLA option', () => {
    const frame = encodeUnsolicitedNa(virtualMac(9, 6), '2001:db8::9', { router: false });
    expect(frame).toHaveLength(86);
    expect(decodeEthernetFrame(frame)).toMatchObject({ dst: '33:33:00:00:00:01', etherType: ETHERTYPE.ipv6 });
    expect(decodeUnsolicitedNa(frame)).toEqual({
      ethDst: '33:33:00:00:00:01',
      ethSrc: '00:00:5e:00:02:09',
      src: '2001:db8::9',
      dst: 'ff02::1',
      hopLimit: 255,
      router: false,
      override: true,
      target: '2001:db8::9',
      targetMac: '00:00:5e:00:02:09',
      checksumValid: true,
    });
  });

  it('RFC5798-6.4.1 sets the Router flag when asked (the interface forwards IPv6)', () => {
    const frame = encodeUnsolicitedNa(MAC, '2001:db8::9', { router: true });
    expect(frame.readUInt8(14 + 40 + 4)).toBe(0xa0);
    expect(decodeUnsolicitedNa(frame)).toMatchObject({ router: true, override: true, checksumValid: true });
  });

  it('reports a wrong ICMPv6 checksum', () => {
    const frame = encodeUnsolicitedNa(MAC, '2001:db8::9', { router: false });
    frame.writeUInt8(frame.readUInt8(14 + 40 + 2) ^ 1, 14 + 40 + 2);
    expect(decodeUnsolicitedNa(frame)?.checksumValid).toBe(false);
  });

  it('ignores solicited NAs, other ICMPv6 and non-IPv6 frames; decodes through an 802.1Q tag', () => {
    const solicited = encodeUnsolicitedNa(MAC, '2001:db8::9', { router: false });
    solicited.writeUInt8(0x60, 14 + 40 + 4);
    expect(decodeUnsolicitedNa(solicited)).toBeUndefined();
    const ns = encodeUnsolicitedNa(MAC, '2001:db8::9', { router: false });
    ns.writeUInt8(135, 14 + 40);
    expect(decodeUnsolicitedNa(ns)).toBeUndefined();
    expect(decodeUnsolicitedNa(encodeGarp(MAC, '192.0.2.1'))).toBeUndefined();
    const frame = encodeUnsolicitedNa(MAC, '2001:db8::9', { router: false });
    expect(decodeUnsolicitedNa(tagged(frame))?.target).toBe('2001:db8::9');
  });

  it('reads an NA without a TLLA option as having no target MAC', () => {
    const frame = encodeUnsolicitedNa(MAC, '2001:db8::9', { router: false });
    const bare = Buffer.from(frame.subarray(0, 14 + 40 + 24));
    bare.writeUInt16BE(24, 14 + 4);
    expect(decodeUnsolicitedNa(bare)).toMatchObject({ targetMac: undefined, checksumValid: false });
  });

  it('refuses an address that is not IPv6', () => {
    expect(() => encodeUnsolicitedNa(MAC, '192.0.2.1', { router: false })).toThrow(RangeError);
  });
});
