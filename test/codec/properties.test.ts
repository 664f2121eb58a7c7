/**
 * fast-check properties of the codec: what encodeAdvert writes, decodeAdvert reads back unchanged (v2 and v3,
 * IPv4 and IPv6, with and without PASS); any one bit flipped in an encoded advert is dropped; no input makes a
 * decoder throw or invent a reason; an IPv4 datagram encoded is decoded to the same header and payload; address
 * text is told apart exactly as node:net's isIP does (the oracle), and parsed to the bytes it was formatted from.
 */
import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AdvertFields,
  DROP_REASONS,
  decodeAdvert,
  encodeAdvert,
  type ReceiveExpectation,
  type RxInfo,
} from '../../src/core/codec/advert.js';
import { addressFamily, canonicalAddress, formatAddress, parseAddress } from '../../src/core/codec/ip-address.js';
import { decodeIpv4Datagram, encodeIpv4Datagram } from '../../src/core/codec/ipv4.js';

const ipv4 = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 }))
  .map((o) => o.join('.'));
const ipv6 = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 })
  .map((w) => ['2001', 'db8', ...w.slice(2).map((x) => x.toString(16))].join(':'))
  .chain((a) => fc.constantFrom(a, a.replace(/:0(?=:)/, ':00'))); // some written with leading zeros

interface Case {
  fields: AdvertFields;
  rx: RxInfo;
}

const advertCase: fc.Arbitrary<Case> = fc
  .record({
    version: fc.constantFrom<2 | 3>(2, 3),
    family: fc.constantFrom<4 | 6>(4, 6),
    vrid: fc.integer({ min: 1, max: 255 }),
    priority: fc.integer({ min: 0, max: 255 }),
    seconds: fc.integer({ min: 1, max: 255 }),
    centis: fc.integer({ min: 1, max: 4095 }),
    v4: fc.array(ipv4, { minLength: 1, maxLength: 8 }),
    v6: fc.array(ipv6, { minLength: 1, maxLength: 4 }),
    password: fc.option(fc.stringMatching(/^[a-z0-9]{1,8}$/), { nil: undefined }),
  })
  .filter((r) => !(r.version === 2 && r.family === 6))
  .map((r) => {
    const v2 = r.version === 2;
    const fields: AdvertFields = {
      version: r.version,
      vrid: r.vrid,
      priority: r.priority,
      maxAdverIntervalMs: v2 ? r.seconds * 1000 : r.centis * 10,
      addresses: r.family === 4 ? r.v4 : r.v6,
      ...(v2 && r.password ? { authType: 1 as const, authPassword: r.password } : {}),
    };
    const rx: RxInfo =
      r.family === 4
        ? { family: 4, src: '10.0.0.1', dst: '224.0.0.18', ttl: 255 }
        : { family: 6, src: 'fe80::1', dst: 'ff02::12', ttl: 255 };
    return { fields, rx };
  });

function expectationFor(f: AdvertFields): ReceiveExpectation {
  return {
    version: f.version,
    priority: 100,
    advertIntervalMs: f.maxAdverIntervalMs,
    addresses: f.addresses,
    authType: f.authType ?? 0,
    authPassword: f.authPassword,
  };
}

describe('codec properties (fast-check)', () => {
  it('decodeAdvert reads back exactly what encodeAdvert wrote', () => {
    fc.assert(
      fc.property(advertCase, ({ fields, rx }) => {
        const message = encodeAdvert(fields, rx);
        const r = decodeAdvert(message, rx, () => expectationFor(fields));
        expect(r.ok).toBe(true); // priority 0 (a release) included
        if (!r.ok) return;
        expect(r.advert.version).toBe(fields.version);
        expect(r.advert.vrid).toBe(fields.vrid);
        expect(r.advert.priority).toBe(fields.priority);
        expect(r.advert.maxAdverIntervalMs).toBe(fields.maxAdverIntervalMs);
        expect(r.advert.addresses).toEqual(fields.addresses.map(canonicalAddress));
      }),
      { numRuns: 2000, seed: 42 },
    );
  });

  it('one bit flipped anywhere in an encoded advert is never accepted', () => {
    fc.assert(
      fc.property(advertCase, fc.nat(), ({ fields, rx }, bitSeed) => {
        const message = Buffer.from(encodeAdvert(fields, rx));
        const bit = bitSeed % (message.length * 8);
        message[bit >> 3] = (message[bit >> 3] as number) ^ (1 << (bit & 7));
        const r = decodeAdvert(message, rx, () => expectationFor(fields));
        expect(r.ok).toBe(false);
      }),
      { numRuns: 5000, seed: 7 },
    );
  });

  it('no byte string makes decodeAdvert throw; every refusal is a known reason', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 120 }),
        fc.constantFrom<RxInfo>(
          { family: 4, src: '10.0.0.1', dst: '224.0.0.18', ttl: 255 },
          { family: 6, src: 'fe80::1', dst: 'ff02::12', ttl: 255 },
          { family: 4, src: '10.0.0.1', dst: '10.0.0.2', ttl: 1 },
        ),
        advertCase,
        (bytes, rx, { fields }) => {
          const r = decodeAdvert(Buffer.from(bytes), rx, () => expectationFor(fields));
          if (!r.ok) expect(DROP_REASONS).toContain(r.reason);
        },
      ),
      { numRuns: 20_000, seed: 3 },
    );
  });

  it('an IPv4 datagram encoded is decoded to the same header fields and payload', () => {
    fc.assert(
      fc.property(
        ipv4,
        ipv4,
        fc.integer({ min: 0, max: 255 }),
        fc.constantFrom(112, 51),
        fc.uint8Array({ minLength: 24, maxLength: 200 }),
        (src, dst, ttl, protocol, payload) => {
          const d = decodeIpv4Datagram(encodeIpv4Datagram({ src, dst, ttl, protocol, tos: 0xc0 }, payload));
          if (protocol === 51) return; // AH: the payload is read as an AH header, not echoed
          expect(d.ok).toBe(true);
          if (!d.ok) return;
          expect([d.src, d.dst, d.ttl, d.tos]).toEqual([src, dst, ttl, 0xc0]);
          expect(Buffer.from(d.payload).equals(Buffer.from(payload))).toBe(true);
        },
      ),
      { numRuns: 2000, seed: 11 },
    );
  });

  // Strings near addresses: groups of hex digits and dots joined by one or two colons, and some noise.
  const nearAddress = fc
    .array(
      fc.oneof(
        fc.stringMatching(/^[0-9a-fA-F]{0,5}$/),
        fc.stringMatching(/^\d{1,3}(\.\d{1,3}){0,4}$/),
        fc.constantFrom('', 'g', '%', ' ', '0x1'),
      ),
      { maxLength: 10 },
    )
    .chain((parts) =>
      fc
        .array(fc.constantFrom(':', '::', '.', ':::'), { minLength: parts.length, maxLength: parts.length })
        .map((seps) => parts.map((p, i) => (i === 0 ? p : `${seps[i]}${p}`)).join('')),
    );

  // Well-formed groups, one to nine of them, maybe a '::' somewhere and an IPv4 tail: right and wrong counts.
  const groupedAddress = fc
    .record({
      groups: fc.array(fc.stringMatching(/^[0-9a-f]{1,4}$/), { minLength: 0, maxLength: 9 }),
      gap: fc.option(fc.nat(9)),
      v4: fc.option(fc.ipV4()),
    })
    .map(({ groups, gap, v4 }) => {
      const parts = v4 === null ? groups : [...groups, v4];
      if (gap === null) return parts.join(':');
      const at = Math.min(gap, parts.length);
      return `${parts.slice(0, at).join(':')}::${parts.slice(at).join(':')}`;
    });

  it('address text is IPv4, IPv6 or neither exactly as node:net isIP says', () => {
    // A zone (fe80::1%eth0) is ignored, as everywhere in vipd: the oracle sees the text before '%'.
    const oracle = (t: string) => {
      const family = isIP(t.split('%')[0] as string);
      return family === 0 ? undefined : family;
    };
    fc.assert(
      fc.property(
        fc.oneof(fc.ipV4(), fc.ipV4Extended(), fc.ipV6(), groupedAddress, nearAddress, fc.string()),
        (text) => {
          expect(addressFamily(text)).toBe(oracle(text));
        },
      ),
      { numRuns: 20_000, seed: 12 },
    );
  });

  it('any 4 or 16 bytes formatted are parsed back to the same bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })),
        (bytes) => {
          const text = formatAddress(bytes);
          expect(addressFamily(text)).toBe(bytes.length === 4 ? 4 : 6);
          expect([...parseAddress(text)]).toEqual([...bytes]);
        },
      ),
      { numRuns: 5000, seed: 13 },
    );
  });
});
