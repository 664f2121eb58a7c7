import { describe, expect, it } from 'vitest';
import { type AdvertFields, decodeAdvert, encodeAdvert } from '../../src/core/codec/advert.js';
import { expectationOf, prng } from './fixtures.js';

const V4 = { family: 4 as const, src: '192.0.2.1', dst: '224.0.0.18' };
const V6 = { family: 6 as const, src: 'fe80::1', dst: 'ff02::12' };

describe('encodeAdvert', () => {
  it('RFC9568-5.2 v3 layout: version/type, VRID, priority, count, rsvd+interval in cs, checksum, addresses', () => {
    const m = encodeAdvert(
      { version: 3, vrid: 52, priority: 100, maxAdverIntervalMs: 500, addresses: ['192.168.77.200'] },
      {
        family: 4,
        src: '192.168.77.2',
        dst: '224.0.0.18',
      },
    );
    expect(m.toString('hex')).toBe('31346401' + '0032' + '6ded' + 'c0a84dc8');
  });

  it('RFC3768-5.3 v2 layout with PASS: auth type 1, interval in s, password NUL-padded after the addresses', () => {
    const m = encodeAdvert(
      {
        version: 2,
        vrid: 51,
        priority: 160,
        maxAdverIntervalMs: 1000,
        addresses: ['192.168.77.100', '192.168.77.101'],
        authType: 1,
        authPassword: 'secret12',
      },
      V4,
    );
    expect(m.toString('hex')).toBe(
      '2133a002' + '0101' + 'b42f' + 'c0a84d64c0a84d65' + Buffer.from('secret12').toString('hex'),
    );
    const short = encodeAdvert(
      { version: 2, vrid: 1, priority: 1, maxAdverIntervalMs: 1000, addresses: [], authType: 1, authPassword: 'ab' },
      V4,
    );
    expect(short.subarray(8).toString('hex')).toBe('6162000000000000');
  });

  it('RFC3768-5.3.7 v2 without auth sends 8 zero bytes of auth data', () => {
    const m = encodeAdvert({ version: 2, vrid: 1, priority: 1, maxAdverIntervalMs: 3000, addresses: ['10.0.0.1'] }, V4);
    expect(m).toHaveLength(20);
    expect(m.readUInt8(5)).toBe(3);
    expect(m.subarray(12).equals(Buffer.alloc(8))).toBe(true);
  });

  it('RFC9568-5.2.7 encodes the 12-bit centisecond interval; v2 whole seconds', () => {
    const at = (version: 2 | 3, ms: number) =>
      encodeAdvert({ version, vrid: 1, priority: 1, maxAdverIntervalMs: ms, addresses: [] }, V4);
    expect(at(3, 10).readUInt16BE(4)).toBe(1);
    expect(at(3, 40_950).readUInt16BE(4)).toBe(4095);
    expect(at(2, 255_000).readUInt8(5)).toBe(255);
  });

  it('RFC9568-5.2.8 message-only mode round-trips through decodeAdvert with note checksum_message_only', () => {
    const fields: AdvertFields = {
      version: 3,
      vrid: 9,
      priority: 200,
      maxAdverIntervalMs: 1000,
      addresses: ['192.0.2.9'],
    };
    const m = encodeAdvert(fields, V4, 'message-only');
    const r = decodeAdvert(m, { ...V4, ttl: 255 }, () => expectationOf(3, ['192.0.2.9'], 1000));
    expect(r).toMatchObject({ ok: true, notes: ['checksum_message_only'], advert: fields });
    expect(r.ok && encodeAdvert(r.advert, V4, 'message-only').equals(m)).toBe(true);
  });

  it.each([
    ['VRID 0', { vrid: 0 }, V4],
    ['VRID 256', { vrid: 256 }, V4],
    ['priority 256', { priority: 256 }, V4],
    ['interval 0', { maxAdverIntervalMs: 0 }, V4],
    ['v3 interval above 40.95 s', { maxAdverIntervalMs: 41_000 }, V4],
    ['v2 interval above 255 s', { version: 2, maxAdverIntervalMs: 256_000 }, V4],
    ['an IPv6 address in an IPv4 advert', { addresses: ['2001:db8::1'] }, V4],
    ['v2 over IPv6', { version: 2, addresses: ['fe80::1'] }, V6],
    ['v3 with authentication', { authType: 1, authPassword: 'x' }, V4],
    ['256 addresses', { addresses: Array.from({ length: 256 }, (_, i) => `10.0.${i >> 8}.${i & 255}`) }, V4],
    ['an IPv6 source for IPv4', {}, { ...V4, src: 'fe80::1' }],
  ])('refuses %s with a RangeError (configuration validation must catch it first)', (_name, change, ip) => {
    const base: AdvertFields = {
      version: 3,
      vrid: 1,
      priority: 100,
      maxAdverIntervalMs: 1000,
      addresses: ['10.0.0.1'],
    };
    expect(() => encodeAdvert({ ...base, ...change } as AdvertFields, ip)).toThrow(RangeError);
  });

  it('property: 2 000 random adverts decode to their fields and re-encode to the same bytes', () => {
    const random = prng(42);
    const int = (n: number) => Math.floor(random() * n);
    for (let i = 0; i < 2000; i++) {
      const version: 2 | 3 = random() < 0.5 ? 2 : 3;
      const family: 4 | 6 = version === 2 || random() < 0.5 ? 4 : 6;
      const count = 1 + int(12);
      const addresses = Array.from({ length: count }, (_, k) =>
        family === 4
          ? `10.${int(256)}.${int(256)}.${k}`
          : k === 0
            ? `fe80::${k + 1}`
            : `2001:db8::${int(65536).toString(16)}:${k}`,
      );
      const intervalMs = version === 2 ? (1 + int(255)) * 1000 : (1 + int(4095)) * 10;
      const password = version === 2 && random() < 0.5 ? 'pw'.repeat(int(5)) : undefined;
      const fields: AdvertFields = {
        version,
        vrid: 1 + int(255),
        priority: int(256),
        maxAdverIntervalMs: intervalMs,
        addresses,
        ...(version === 2 ? { authType: password === undefined ? 0 : 1, authPassword: password } : {}),
      };
      const ip = family === 4 ? { family, src: '192.0.2.1', dst: random() < 0.5 ? '224.0.0.18' : '192.0.2.2' } : V6;
      const mode = random() < 0.5 ? 'pseudo-header' : 'message-only';
      const message = encodeAdvert(fields, ip, mode);
      const r = decodeAdvert(message, { ...ip, ttl: 255 }, () =>
        expectationOf(version, addresses, intervalMs, password),
      );
      if (!r.ok) throw new Error(`${JSON.stringify(fields)}: ${r.reason} ${r.detail}`);
      const { family: _f, checksum: _c, authData: _a, ...decoded } = r.advert;
      expect(decoded).toEqual(fields);
      expect(r.notes).toEqual(
        version === 3 && family === 4 && mode === 'message-only' ? ['checksum_message_only'] : [],
      );
      expect(encodeAdvert(r.advert, ip, mode).equals(message)).toBe(true);
    }
  });
});
