import { describe, expect, it } from 'vitest';
import { encodeAdvert } from '../../src/core/codec/advert.js';
import { internetChecksum, pseudoHeader, vrrpChecksum } from '../../src/core/codec/checksum.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('RFC 1071 internet checksum', () => {
  it('RFC1071-3 matches the worked example (sum 0xddf2, checksum 0x220d)', () => {
    expect(internetChecksum(hex('0001 f203 f4f5 f6f7'))).toBe(0x220d);
  });

  it('RFC1071-2 a message that carries its own checksum sums to zero', () => {
    const data = hex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
    const sum = internetChecksum(data);
    data.writeUInt16BE(sum, 10);
    expect(sum).toBe(0xb861);
    expect(internetChecksum(data)).toBe(0);
  });

  it('pads an odd trailing byte with zero', () => {
    expect(internetChecksum(hex('01'))).toBe(~0x0100 & 0xffff);
  });

  it('treats chunks as one stream, even when a chunk has odd length', () => {
    const whole = hex('0102030405060708090a0b');
    for (let cut = 0; cut <= whole.length; cut++) {
      expect(internetChecksum(whole.subarray(0, cut), whole.subarray(cut))).toBe(internetChecksum(whole));
    }
  });

  it('carries correctly over long inputs', () => {
    expect(internetChecksum(Buffer.alloc(200_000, 0xff))).toBe(0);
    expect(internetChecksum(Buffer.alloc(0))).toBe(0xffff);
  });
});

describe('pseudo-headers', () => {
  it('RFC791 IPv4: src, dst, zero, protocol, 16-bit length', () => {
    expect(pseudoHeader(4, '192.168.77.2', '224.0.0.18', 12, 112).toString('hex')).toBe(
      'c0a84d02e0000012' + '0070000c',
    );
  });

  it('RFC8200-8.1 IPv6: src, dst, 32-bit length, three zeros, next header', () => {
    expect(pseudoHeader(6, '2001:db8::1', 'ff02::12', 40, 112).toString('hex')).toBe(
      '20010db8000000000000000000000001' + 'ff020000000000000000000000000012' + '00000028' + '00000070',
    );
  });
});

describe('VRRP checksums (keepalived.md §4.3, standards-and-style.md §2.7)', () => {
  it('RFC5798-5.2.8 keepalived v3 IPv4 VRID 52: 0x6ded with the pseudo-header, 0x5c27 without', () => {
    const message = hex('31 34 64 01 00 32 0000 c0a84dc8');
    const ip = { family: 4 as const, src: '192.168.77.2', dst: '224.0.0.18' };
    expect(vrrpChecksum(message, 3, ip, 'pseudo-header')).toBe(0x6ded);
    expect(vrrpChecksum(message, 3, ip, 'message-only')).toBe(0x5c27);
    expect(vrrpChecksum(message, 3, ip)).toBe(0x6ded); // keepalived's default is the pseudo-header
  });

  it('RFC3768-5.3.8 keepalived v2 VRID 51 PASS "secret12": 0xb42f over the message only', () => {
    const message = hex('21 33 a0 02 01 01 0000 c0a84d64 c0a84d65') as Buffer;
    const full = Buffer.concat([message, Buffer.from('secret12')]);
    const ip = { family: 4 as const, src: '192.168.77.2', dst: '224.0.0.18' };
    expect(vrrpChecksum(full, 2, ip)).toBe(0xb42f);
    // v2 ignores the mode and the addresses: there is no pseudo-header to include.
    expect(vrrpChecksum(full, 2, ip, 'message-only')).toBe(0xb42f);
    expect(vrrpChecksum(full, 2, { ...ip, src: '10.0.0.1' })).toBe(0xb42f);
  });

  it('ignores whatever the checksum field holds', () => {
    const message = hex('31 34 64 01 00 32 6ded c0a84dc8');
    expect(vrrpChecksum(message, 3, { family: 4, src: '192.168.77.2', dst: '224.0.0.18' })).toBe(0x6ded);
  });

  const scapyV3 = { version: 3 as const, vrid: 2, priority: 254, maxAdverIntervalMs: 10 };

  it('RFC5798-5.2.8 scapy v3 IPv4 20.0.0.3 -> 224.0.0.18: 0xb25e with the pseudo-header, 0xa6f4 without', () => {
    const advert = { ...scapyV3, addresses: ['20.0.1.2', '20.0.1.3'] };
    const ip = { family: 4 as const, src: '20.0.0.3', dst: '224.0.0.18' };
    expect(encodeAdvert(advert, ip, 'pseudo-header').readUInt16BE(6)).toBe(0xb25e);
    expect(encodeAdvert(advert, ip, 'message-only').readUInt16BE(6)).toBe(0xa6f4);
  });

  it('RFC9568-5.2.8 scapy v3 IPv6 2001:db8::1 -> ff02::12: 0x481b, pseudo-header whatever the mode', () => {
    const advert = { ...scapyV3, addresses: ['2001:db8::2', '2001:db8::3'] };
    const ip = { family: 6 as const, src: '2001:db8::1', dst: 'ff02::12' };
    expect(encodeAdvert(advert, ip, 'pseudo-header').readUInt16BE(6)).toBe(0x481b);
    expect(encodeAdvert(advert, ip, 'message-only').readUInt16BE(6)).toBe(0x481b);
  });

  it('RFC5798-5.2.8 the v3 IPv4 pseudo-header uses the actual destination (one checksum per unicast peer)', () => {
    const advert = { ...scapyV3, addresses: ['20.0.1.2'] };
    const a = encodeAdvert(advert, { family: 4, src: '20.0.0.3', dst: '20.0.0.4' });
    const b = encodeAdvert(advert, { family: 4, src: '20.0.0.3', dst: '20.0.0.5' });
    expect(a.readUInt16BE(6)).not.toBe(b.readUInt16BE(6));
  });
});
