/**
 * VRRPv2 IPsec AH against a frame keepalived 2.2.7 sent (auth_type AH, auth_pass "secret", VRID 51, priority 150,
 * seq 5; captured with tcpdump in a lab): vipd's encoder gives the same bytes, its verifier accepts it, and any
 * change to a covered byte, the key or the SPI is an auth_failure.
 */
import { describe, expect, it } from 'vitest';
import { decodeAdvert } from '../../src/core/codec/advert.js';
import { decodeAhHeader, encodeAhDatagram, encodeAhFrame, verifyAh } from '../../src/core/codec/ah.js';
import { decodeIpv4Datagram } from '../../src/core/codec/ipv4.js';

const FRAME = Buffer.from(
  '01005e000012ea0699f243ce080045c00040000500' +
    '00ff3318a8c000020be0000012700400' +
    '00c000020b00000005e3ab08adde6042d4c6110088' +
    '2133960102018465c000026400000000' +
    '00000000',
  'hex',
);
const DATAGRAM = FRAME.subarray(14);
const VRRP = DATAGRAM.subarray(44);

describe('IPsec AH (keepalived)', () => {
  it("encodes keepalived's datagram byte for byte", () => {
    const d = encodeAhDatagram({
      vrrp: VRRP,
      src: '192.0.2.11',
      dst: '224.0.0.18',
      seq: 5,
      password: 'secret',
      unicast: false,
    });
    expect(d.toString('hex')).toBe(DATAGRAM.toString('hex'));
    expect(encodeAhFrame(FRAME.subarray(6, 12), d).toString('hex')).toBe(FRAME.toString('hex'));
  });

  it("a frame to another group goes to that group's MAC; a unicast datagram leaves the TTL outside the ICV", () => {
    const seal = { vrrp: VRRP, src: '192.0.2.11', seq: 5, password: 'secret' };
    const mac = FRAME.subarray(6, 12);
    const toGroup = (dst: string) =>
      encodeAhFrame(mac, encodeAhDatagram({ ...seal, dst, unicast: false }))
        .subarray(0, 6)
        .toString('hex');
    expect(toGroup('224.0.0.19')).toBe('01005e000013');
    expect(toGroup('239.255.129.18')).toBe('01005e7f8112');
    const unicast = encodeAhDatagram({ ...seal, dst: '192.0.2.12', unicast: true, ttl: 9 });
    expect(unicast[8]).toBe(9);
    const h = decodeAhHeader(unicast, 20);
    if ('reason' in h) throw new Error(h.detail);
    expect(verifyAh(h, '192.0.2.11', 'secret', true)).toBeUndefined();
    expect(verifyAh(h, '192.0.2.11', 'secret', false)?.reason).toBe('auth_failure');
  });

  it('decodes and verifies it; a wrong key, a changed byte or a foreign SPI is an auth_failure', () => {
    const ip = decodeIpv4Datagram(DATAGRAM);
    if (!ip.ok) throw new Error(ip.detail);
    expect(ip.ah).toMatchObject({ seq: 5, spi: 0xc000020b, offset: 20 });
    expect(ip.payload.toString('hex')).toBe(VRRP.toString('hex'));
    const ah = ip.ah;
    if (!ah) throw new Error('no AH');
    expect(verifyAh(ah, '192.0.2.11', 'secret', false)).toBeUndefined();
    expect(verifyAh(ah, '192.0.2.11', 'secreT', false)?.reason).toBe('auth_failure');
    expect(verifyAh(ah, '192.0.2.12', 'secret', false)?.detail).toContain('SPI');
    const bent = Buffer.from(DATAGRAM);
    bent[46] = 151; // the priority
    const h = decodeAhHeader(bent, 20);
    expect('reason' in h ? h.reason : verifyAh(h, '192.0.2.11', 'secret', false)?.reason).toBe('auth_failure');
    // Mutable fields (TOS, TTL for multicast excepted) are outside the ICV.
    const tos = Buffer.from(DATAGRAM);
    tos[1] = 0;
    const t = decodeAhHeader(tos, 20);
    expect('reason' in t ? t.reason : verifyAh(t, '192.0.2.11', 'secret', false)).toBeUndefined();
  });

  it('RFC3768-7.1-R9 IPsec AH: a wrong key, a changed byte or a foreign SPI is auth_failure', () => {
    const ip = decodeIpv4Datagram(DATAGRAM);
    if (!ip.ok) throw new Error(ip.detail);
    const rx = { family: 4 as const, src: ip.src, dst: ip.dst, ttl: ip.ttl, ah: ip.ah };
    const expect2 = (password: string, authType: 0 | 1 | 2 = 2) => {
      const r = decodeAdvert(ip.payload, rx, () => ({
        version: 2,
        priority: 100,
        advertIntervalMs: 1000,
        addresses: ['192.0.2.100'],
        authType,
        authPassword: password,
      }));
      return r.ok ? r.advert.ahSeq : r.reason;
    };
    expect(expect2('secret')).toBe(5);
    expect(expect2('wrong')).toBe('auth_failure');
    expect(expect2('secret', 1)).toBe('auth_type_mismatch');
    // Without its AH header the same message is refused by an AH instance.
    const bare = decodeAdvert(ip.payload, { ...rx, ah: undefined }, () => ({
      version: 2,
      priority: 100,
      advertIntervalMs: 1000,
      addresses: ['192.0.2.100'],
      authType: 2,
      authPassword: 'secret',
    }));
    expect(bare.ok ? 'accepted' : bare.reason).toBe('auth_type_mismatch');
  });

  it('an AH header for another protocol, or a short one, is dropped with a reason', () => {
    const other = Buffer.from(DATAGRAM);
    other[20] = 6;
    expect(decodeAhHeader(other, 20)).toMatchObject({ reason: 'ip_header' });
    expect(decodeAhHeader(DATAGRAM.subarray(0, 30), 20)).toMatchObject({ reason: 'packet_length' });
  });
});
