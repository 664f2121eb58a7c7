/**
 * The receive checks of RFC 9568 §7.1 and RFC 3768 §7.1 (standards table R1–R15), each proven on copies of
 * real keepalived adverts: the untouched frame is accepted, the mutated one is dropped with its reason.
 * Mutations re-seal the checksum so that a missing check would let the packet through.
 */
import { describe, expect, it } from 'vitest';
import {
  type DecodeResult,
  DROP_REASONS,
  decodeAdvert,
  encodeAdvert,
  type ReceiveExpectation,
  type RxInfo,
} from '../../src/core/codec/advert.js';
import { expectationOf, KEEPALIVED_INSTANCES, keepalivedVectors, only, resealed, vrrpInFrame } from './fixtures.js';

interface Case {
  label: string;
  rx: RxInfo;
  message: Buffer;
  vrid: number;
  version: 2 | 3;
  expectation: ReceiveExpectation;
}

/** One case per distinct keepalived advert (priority 0 copies add nothing here). */
const goods: Case[] = keepalivedVectors()
  .filter((v) => (v.kind === 'vrrp-ipv4' || v.kind === 'vrrp-ipv6') && v.priority !== 0)
  .map((v) => {
    const carried = vrrpInFrame(Buffer.from(v.frame_hex, 'hex'));
    if (!carried || v.vrid === undefined || v.version === undefined) throw new Error('bad vector');
    const instance = KEEPALIVED_INSTANCES[v.vrid];
    if (!instance) throw new Error(`no instance for VRID ${v.vrid}`);
    const auth = instance.authPassword ? ' PASS' : '';
    return {
      label: `v${v.version} IPv${carried.rx.family}${auth} VRID ${v.vrid}`,
      ...carried,
      vrid: v.vrid,
      version: v.version,
      expectation: expectationOf(v.version, instance.addresses, 1000, instance.authPassword),
    };
  });

const pick = (label: string): Case => {
  const c = goods.find((g) => g.label === label);
  if (!c) throw new Error(`no case ${label}`);
  return c;
};
const V3_IPV4 = pick('v3 IPv4 VRID 51');
const V3_IPV6 = pick('v3 IPv6 VRID 52');
const V2_NONE = pick('v2 IPv4 VRID 61');
const V2_PASS = pick('v2 IPv4 PASS VRID 62');
const v2Goods = goods.filter((c) => c.version === 2);
const v3Goods = goods.filter((c) => c.version === 3);

function run(
  c: Case,
  changes: { message?: Buffer; rx?: Partial<RxInfo>; expectation?: Partial<ReceiveExpectation> } = {},
) {
  const expectation = { ...c.expectation, ...changes.expectation };
  return decodeAdvert(changes.message ?? c.message, { ...c.rx, ...changes.rx }, only(c.vrid, expectation));
}

/** A copy of the case's message, edited, with a checksum that is right again for `rx`. */
function edited(c: Case, edit: (m: Buffer) => void, rx: RxInfo = c.rx): Buffer {
  const m = Buffer.from(c.message);
  edit(m);
  return resealed(m, rx, c.version);
}

function outcome(r: DecodeResult): string {
  return r.ok ? 'accepted' : r.reason;
}

function notesOf(r: DecodeResult): string[] {
  if (!r.ok) throw new Error(`dropped: ${r.reason} (${r.detail})`);
  return r.notes;
}

it('covers v2 without auth, v2 PASS, v3 IPv4 and v3 IPv6', () => {
  expect(goods.map((g) => g.label)).toEqual([
    'v3 IPv4 VRID 51',
    'v3 IPv6 VRID 52',
    'v2 IPv4 VRID 61',
    'v2 IPv4 PASS VRID 62',
  ]);
});

describe('R1 TTL / hop limit', () => {
  it.each(goods)('RFC9568-7.1-R1 accepts TTL 255 on multicast: $label', (c) => {
    expect(outcome(run(c))).toBe('accepted');
  });

  it.each(goods)('RFC9568-7.1-R1 drops TTL 254 on multicast as ip_ttl: $label', (c) => {
    expect(outcome(run(c, { rx: { ttl: 254 } }))).toBe('ip_ttl');
    expect(outcome(run(c, { rx: { ttl: 1 } }))).toBe('ip_ttl');
  });

  const unicast: RxInfo = { family: 4, src: '10.88.0.11', dst: '10.88.0.12', ttl: 64 };

  it('RFC9568-7.1-R1 unicast: any TTL is accepted when no min_ttl/max_ttl is set (keepalived)', () => {
    const message = edited(V3_IPV4, () => {}, unicast);
    expect(outcome(run(V3_IPV4, { message, rx: unicast }))).toBe('accepted');
    expect(outcome(run(V3_IPV4, { message, rx: { ...unicast, ttl: 1 } }))).toBe('accepted');
  });

  it('RFC9568-7.1-R1 unicast: a TTL outside min_ttl/max_ttl is dropped as ip_ttl', () => {
    const message = edited(V3_IPV4, () => {}, unicast);
    const bounded = { minTtl: 60, maxTtl: 64 };
    expect(outcome(run(V3_IPV4, { message, rx: unicast, expectation: bounded }))).toBe('accepted');
    expect(outcome(run(V3_IPV4, { message, rx: { ...unicast, ttl: 59 }, expectation: bounded }))).toBe('ip_ttl');
    expect(outcome(run(V3_IPV4, { message, rx: { ...unicast, ttl: 65 }, expectation: bounded }))).toBe('ip_ttl');
  });

  it('RFC9568-7.1-R1 IPv6 unicast with the kernel default hop limit 64 is accepted', () => {
    const rx: RxInfo = { family: 6, src: V3_IPV6.rx.src, dst: 'fe80::1', ttl: 64 };
    const message = edited(V3_IPV6, () => {}, rx);
    expect(outcome(run(V3_IPV6, { message, rx }))).toBe('accepted');
  });
});

describe('R2 / R5 length', () => {
  it.each(goods)('RFC9568-7.1-R2 drops a message shorter than the 8-byte header as packet_length: $label', (c) => {
    for (const n of [0, 1, 2, 7]) expect(outcome(run(c, { message: c.message.subarray(0, n) }))).toBe('packet_length');
  });

  it.each(goods)('RFC9568-7.1-R5 drops a message one byte short of its count as packet_length: $label', (c) => {
    expect(outcome(run(c, { message: c.message.subarray(0, c.message.length - 1) }))).toBe('packet_length');
  });

  it.each(goods)('RFC9568-7.1-R5 drops a count larger than the addresses present as packet_length: $label', (c) => {
    const message = edited(c, (m) => m.writeUInt8(m.readUInt8(3) + 1, 3));
    expect(outcome(run(c, { message }))).toBe('packet_length');
  });

  it('RFC3768-7.1-R5 v2 needs its 8 auth bytes: a v2 message without them is packet_length', () => {
    const message = edited(V2_NONE, () => {}).subarray(0, V2_NONE.message.length - 8);
    expect(outcome(run(V2_NONE, { message }))).toBe('packet_length');
  });

  it('RFC9568-7.1-R5 tolerates Ethernet padding up to a minimum tagged frame (keepalived)', () => {
    // 14 Ethernet + 20 IP + 30 = 64 bytes: the smallest frame with an 802.1Q tag.
    const padded = Buffer.concat([V3_IPV4.message, Buffer.alloc(30 - V3_IPV4.message.length)]);
    const r = run(V3_IPV4, { message: padded });
    expect(outcome(r)).toBe('accepted');
    expect(r.ok && encodeAdvert(r.advert, V3_IPV4.rx).equals(V3_IPV4.message)).toBe(true);
    const v2padded = Buffer.concat([V2_PASS.message, Buffer.alloc(30 - V2_PASS.message.length)]);
    expect(outcome(run(V2_PASS, { message: v2padded }))).toBe('accepted');
  });

  it('RFC9568-7.1-R5 drops bytes beyond Ethernet padding as packet_length', () => {
    const tooLong = Buffer.concat([V3_IPV4.message, Buffer.alloc(31 - V3_IPV4.message.length)]);
    expect(outcome(run(V3_IPV4, { message: tooLong }))).toBe('packet_length');
    // An IPv6 frame is never below the minimum size, so an IPv6 message has no padding to tolerate.
    expect(outcome(run(V3_IPV6, { message: Buffer.concat([V3_IPV6.message, Buffer.alloc(1)]) }))).toBe('packet_length');
  });

  // CARP (OpenBSD) shares protocol 112: version 2, type 1, byte 3 = auth length 7, 36 bytes in all.
  const carp = Buffer.from(
    '21' + // version 2, type 1 (advertisement)
      '33' + // VHID 51
      '00' + // advskew
      '07' + // authlen (in 32-bit words)
      '00' + // demote
      '01' + // advbase 1 s
      '0000' + // checksum (filled below)
      '0000000000000001' + // counter
      '00'.repeat(20), // SHA-1 HMAC
    'hex',
  );

  it('RFC3768-7.1-R5 a CARP advertisement is dropped as packet_length by a v2 instance', () => {
    expect(carp).toHaveLength(36);
    const message = resealed(carp, V2_NONE.rx, 2);
    // Read as VRRPv2 its byte 3 announces 7 addresses: 8 + 28 + 8 = 44 bytes, more than the 36 present.
    expect(run(V2_NONE, { message })).toMatchObject({ ok: false, reason: 'packet_length' });
  });

  it('RFC9568-7.1-R3 a CARP advertisement is dropped as version by a v3 instance', () => {
    const message = resealed(carp, V3_IPV4.rx, 2);
    expect(outcome(run(V3_IPV4, { message }))).toBe('version');
  });
});

describe('R3 version', () => {
  it.each(goods)('RFC9568-7.1-R3 drops version nibble 4 as version: $label', (c) => {
    const message = edited(c, (m) => m.writeUInt8((4 << 4) | 1, 0));
    expect(outcome(run(c, { message }))).toBe('version');
  });

  it.each(goods)('RFC9568-7.1-R3 drops the version the instance does not run as version: $label', (c) => {
    expect(outcome(run(c, { expectation: { version: c.version === 2 ? 3 : 2 } }))).toBe('version');
  });

  it('RFC9568-7.1-R3 versions other than 2 and 3 are dropped as version even for an unknown VRID', () => {
    for (const v of [0, 1, 4, 5, 15]) {
      const message = edited(V3_IPV4, (m) => m.writeUInt8((v << 4) | 1, 0));
      expect(outcome(decodeAdvert(message, V3_IPV4.rx, () => undefined))).toBe('version');
    }
  });
});

describe('R4 type', () => {
  it.each(goods)('RFC9568-7.1-R4 drops type 2 as invalid_type: $label', (c) => {
    const message = edited(c, (m) => m.writeUInt8((c.version << 4) | 2, 0));
    expect(outcome(run(c, { message }))).toBe('invalid_type');
  });

  it('RFC9568-7.1-R4 drops every type but 1 as invalid_type', () => {
    for (const t of [0, 3, 7, 15]) {
      const message = edited(V3_IPV4, (m) => m.writeUInt8((3 << 4) | t, 0));
      expect(outcome(run(V3_IPV4, { message }))).toBe('invalid_type');
    }
  });
});

describe('R6 checksum', () => {
  it.each(goods)('RFC9568-7.1-R6 drops a flipped checksum byte as checksum: $label', (c) => {
    const message = Buffer.from(c.message);
    message.writeUInt8(message.readUInt8(7) ^ 0xff, 7);
    expect(outcome(run(c, { message }))).toBe('checksum');
  });

  it.each(goods)('RFC9568-7.1-R6 drops a changed address byte under the old checksum as checksum: $label', (c) => {
    const message = Buffer.from(c.message);
    message.writeUInt8(message.readUInt8(9) ^ 0x01, 9);
    expect(outcome(run(c, { message }))).toBe('checksum');
  });

  it('RFC9568-7.1-R6 v3 IPv4 with the RFC 9568 message-only checksum is accepted with note checksum_message_only', () => {
    const message = resealed(V3_IPV4.message, V3_IPV4.rx, 3, 'message-only');
    expect(message.equals(V3_IPV4.message)).toBe(false);
    expect(notesOf(run(V3_IPV4, { message }))).toEqual(['checksum_message_only']);
  });

  it("v3 IPv4 unicast with keepalived's pre-1.3.6 checksum (over 224.0.0.18) is accepted, noted; with old_unicast_checksum never, dropped", () => {
    const unicast = { dst: '10.88.0.2', ttl: 255 };
    const message = resealed(V3_IPV4.message, { ...V3_IPV4.rx, dst: '224.0.0.18' }, 3, 'pseudo-header');
    expect(
      notesOf(run(V3_IPV4, { message, rx: unicast, expectation: { unicastPeers: ['10.88.0.11', V3_IPV4.rx.src] } })),
    ).toEqual(['checksum_old_unicast']);
    expect(
      outcome(
        run(V3_IPV4, {
          message,
          rx: unicast,
          expectation: { oldUnicastChecksum: 'never', unicastPeers: [V3_IPV4.rx.src] },
        }),
      ),
    ).toBe('checksum');
  });

  it('RFC9568-7.1-R6 v3 IPv4 with the pseudo-header checksum is accepted without a note', () => {
    expect(notesOf(run(V3_IPV4))).toEqual([]);
  });

  it('RFC9568-7.1-R6 v3 IPv4 pseudo-header checksum from another source address is dropped as checksum', () => {
    expect(outcome(run(V3_IPV4, { rx: { src: '10.88.0.12' } }))).toBe('checksum');
  });

  it('RFC9568-7.1-R6 v3 IPv6 without the pseudo-header is dropped as checksum (IPv6 always has it)', () => {
    const m = Buffer.from(V3_IPV6.message);
    m.writeUInt16BE(0, 6);
    const messageOnly = resealed(m, { ...V3_IPV6.rx, family: 4, src: '0.0.0.0', dst: '0.0.0.0' }, 3, 'message-only');
    expect(outcome(run(V3_IPV6, { message: messageOnly }))).toBe('checksum');
  });

  it('RFC3768-7.1-R6 v2 with a pseudo-header style checksum is dropped as checksum', () => {
    const m = Buffer.from(V2_NONE.message);
    m.writeUInt16BE(0, 6);
    const asV3 = resealed(m, V2_NONE.rx, 3, 'pseudo-header');
    expect(outcome(run(V2_NONE, { message: asV3 }))).toBe('checksum');
  });
});

describe('R7 VRID', () => {
  it.each(goods)('RFC9568-7.1-R7 drops an unconfigured VRID as vrid: $label', (c) => {
    expect(outcome(decodeAdvert(c.message, c.rx, () => undefined))).toBe('vrid');
    const other = edited(c, (m) => m.writeUInt8(c.vrid + 1, 1));
    expect(outcome(run(c, { message: other }))).toBe('vrid');
  });

  it('RFC9568-7.1-R7 looks the instance up by the VRID in the packet', () => {
    const seen: number[] = [];
    decodeAdvert(V3_IPV4.message, V3_IPV4.rx, (vrid) => {
      seen.push(vrid);
      return V3_IPV4.expectation;
    });
    expect(seen).toEqual([51]);
  });
});

describe('R8 address owner', () => {
  it.each(goods)('RFC9568-7.1-R8 an owner with owner_ignore_adverts drops as owner: $label', (c) => {
    expect(outcome(run(c, { expectation: { priority: 255, ownerIgnoreAdverts: true } }))).toBe('owner');
  });

  it('RFC9568-7.1-R8 an owner without owner_ignore_adverts accepts, as keepalived does by default', () => {
    expect(outcome(run(V3_IPV4, { expectation: { priority: 255 } }))).toBe('accepted');
    expect(outcome(run(V3_IPV4, { expectation: { priority: 254, ownerIgnoreAdverts: true } }))).toBe('accepted');
  });
});

describe('R9 v2 authentication', () => {
  it('RFC3768-7.1-R9 PASS with the configured password is accepted', () => {
    const r = run(V2_PASS);
    expect(r).toMatchObject({ ok: true, advert: { authType: 1, authPassword: 'secret12' } });
  });

  it('RFC3768-7.1-R9 PASS with a wrong password is dropped as auth_failure', () => {
    expect(outcome(run(V2_PASS, { expectation: { authPassword: 'secret13' } }))).toBe('auth_failure');
    expect(outcome(run(V2_PASS, { expectation: { authPassword: 'secret1' } }))).toBe('auth_failure');
    const tampered = edited(V2_PASS, (m) => m.write('Secret12', m.length - 8, 'latin1'));
    expect(outcome(run(V2_PASS, { message: tampered }))).toBe('auth_failure');
  });

  it('RFC3768-7.1-R9 PASS compares 8 bytes: a longer configured password matches on its first 8 (keepalived)', () => {
    expect(outcome(run(V2_PASS, { expectation: { authPassword: 'secret12andmore' } }))).toBe('accepted');
  });

  it.each(v2Goods)('RFC3768-7.1-R9 auth type 2 (IPsec AH) on a non-AH instance is auth_type_mismatch: $label', (c) => {
    const message = edited(c, (m) => m.writeUInt8(2, 4));
    expect(outcome(run(c, { message }))).toBe('auth_type_mismatch');
  });

  it('RFC3768-7.1-R9 unknown auth types are dropped as auth_unsupported', () => {
    for (const t of [3, 128, 255]) {
      const message = edited(V2_NONE, (m) => m.writeUInt8(t, 4));
      expect(outcome(run(V2_NONE, { message }))).toBe('auth_unsupported');
    }
  });

  it('RFC3768-7.1-R9 an auth type other than the configured one is dropped as auth_type_mismatch', () => {
    expect(outcome(run(V2_PASS, { expectation: { authType: 0, authPassword: undefined } }))).toBe('auth_type_mismatch');
    expect(outcome(run(V2_NONE, { expectation: { authType: 1, authPassword: 'secret12' } }))).toBe(
      'auth_type_mismatch',
    );
  });

  it('RFC9568-7.1-R9 v3 has no authentication: the expectation auth type is not consulted', () => {
    expect(outcome(run(V3_IPV4, { expectation: { authType: 1, authPassword: 'x' } }))).toBe('accepted');
  });
});

describe('R10 advertisement interval', () => {
  it.each(v2Goods)('RFC3768-7.1-R10 drops a v2 interval of 2 s (ours 1 s) as interval: $label', (c) => {
    const message = edited(c, (m) => m.writeUInt8(2, 5));
    expect(outcome(run(c, { message }))).toBe('interval');
    expect(outcome(run(c, { expectation: { advertIntervalMs: 3000 } }))).toBe('interval');
  });

  it.each(v2Goods)('RFC3768-7.1-R10 accepts a v2 interval equal to ours: $label', (c) => {
    expect(run(c)).toMatchObject({ ok: true, advert: { maxAdverIntervalMs: 1000 } });
  });

  it.each(v3Goods)(
    'RFC9568-7.1-R10 accepts a v3 interval of 200 cs (ours 100 cs) with note interval_mismatch: $label',
    (c) => {
      const message = edited(c, (m) => m.writeUInt16BE(200, 4));
      const r = run(c, { message });
      expect(notesOf(r)).toContain('interval_mismatch');
      // The backup adopts the master's interval (RFC 9568 §6.4.2), so it is reported as received.
      expect(r.ok && r.advert.maxAdverIntervalMs).toBe(2000);
      expect(notesOf(run(c))).not.toContain('interval_mismatch');
    },
  );

  it('RFC9568-5.2.6 v3 reserved bits are ignored on receipt', () => {
    const message = edited(V3_IPV4, (m) => m.writeUInt8(m.readUInt8(4) | 0xf0, 4));
    expect(run(V3_IPV4, { message })).toMatchObject({ ok: true, notes: [], advert: { maxAdverIntervalMs: 1000 } });
  });
});

describe('R11 Max Adver Int zero', () => {
  it.each(v3Goods)('RFC9568-7.1-R11 drops Max Adver Int 0 as interval_zero: $label', (c) => {
    const message = edited(c, (m) => m.writeUInt16BE(0, 4));
    expect(outcome(run(c, { message }))).toBe('interval_zero');
  });

  it('RFC9568-7.1-R11 accepts the smallest interval, 1 cs', () => {
    const message = edited(V3_IPV4, (m) => m.writeUInt16BE(1, 4));
    expect(run(V3_IPV4, { message, expectation: { advertIntervalMs: 10 } })).toMatchObject({
      ok: true,
      notes: [],
      advert: { maxAdverIntervalMs: 10 },
    });
  });
});

describe('R12 address count zero', () => {
  const empty = (c: Case) =>
    encodeAdvert(
      {
        version: c.version,
        vrid: c.vrid,
        priority: 100,
        maxAdverIntervalMs: 1000,
        addresses: [],
        authType: c.expectation.authType,
        authPassword: c.expectation.authPassword,
      },
      c.rx,
    );

  it.each(goods)('RFC9568-7.1-R12 drops an advert with no addresses as address_count_zero: $label', (c) => {
    expect(outcome(run(c, { message: empty(c) }))).toBe('address_count_zero');
  });

  it.each(goods)(
    'RFC9568-7.1-R12 accepts no addresses when the instance has none either (keepalived no_virtual_ipaddress): $label',
    (c) => {
      expect(run(c, { message: empty(c), expectation: { addresses: [] } })).toMatchObject({
        ok: true,
        notes: [],
        advert: { addresses: [] },
      });
    },
  );
});

describe('R13 address list', () => {
  const swapFirst = (c: Case) =>
    edited(c, (m) => {
      m.writeUInt8(m.readUInt8(8 + (c.rx.family === 4 ? 3 : 15)) ^ 0x40, 8 + (c.rx.family === 4 ? 3 : 15));
    });

  it.each(goods)('RFC9568-7.1-R13 accepts a different address list with note address_list: $label', (c) => {
    // RFC 3768 §7.1 would drop this for v2 unless the sender is the owner; keepalived ≥ 2.4 accepts it.
    const r = run(c, { message: swapFirst(c) });
    expect(notesOf(r)).toContain('address_list');
    expect(notesOf(run(c))).not.toContain('address_list');
  });

  it('RFC9568-7.1-R13 a missing or extra address is an address_list note', () => {
    expect(notesOf(run(V3_IPV4, { expectation: { addresses: ['10.88.0.100'] } }))).toEqual(['address_list']);
    expect(
      notesOf(run(V3_IPV4, { expectation: { addresses: ['10.88.0.100', '10.88.0.101', '10.88.0.102'] } })),
    ).toEqual(['address_list']);
  });

  it('RFC9568-7.1-R13 the same addresses in another order or spelling are no mismatch', () => {
    expect(notesOf(run(V3_IPV4, { expectation: { addresses: ['10.88.0.101', '10.88.0.100'] } }))).toEqual([]);
    expect(notesOf(run(V3_IPV6, { expectation: { addresses: ['FD88:0::0100'] } }))).not.toContain('address_list');
  });
});

describe('R14 address family and IPv6 link-local first address', () => {
  const linkLocalFirst = (c: Case) =>
    encodeAdvert(
      { version: 3, vrid: c.vrid, priority: 100, maxAdverIntervalMs: 1000, addresses: ['fe80::1', 'fd88::100'] },
      c.rx,
    );

  it('RFC9568-7.1-R14 an IPv6 advert whose first address is link-local passes without a note', () => {
    const message = linkLocalFirst(V3_IPV6);
    const r = run(V3_IPV6, {
      message,
      expectation: { addresses: ['fe80::1', 'fd88::100'], requireLinkLocalFirst: true },
    });
    expect(notesOf(r)).toEqual([]);
  });

  it('RFC9568-7.1-R14 a global first address is noted by default (keepalived 2.2.7 sends one)', () => {
    expect(notesOf(run(V3_IPV6))).toEqual(['first_address_not_link_local']);
  });

  it('RFC9568-7.1-R14 a global first address is dropped as address_family when requireLinkLocalFirst is set', () => {
    expect(outcome(run(V3_IPV6, { expectation: { requireLinkLocalFirst: true } }))).toBe('address_family');
  });

  it('RFC9568-7.1-R14 an instance of the other family drops as address_family', () => {
    expect(outcome(run(V3_IPV6, { expectation: { addresses: ['10.88.0.100'] } }))).toBe('address_family');
    expect(outcome(run(V3_IPV4, { expectation: { addresses: ['fd88::100'] } }))).toBe('address_family');
  });

  it('RFC3768-7.1-R14 VRRPv2 over IPv6 is dropped as address_family (RFC 3768 is IPv4 only)', () => {
    const rx = V3_IPV6.rx;
    const m = Buffer.alloc(8 + 16 + 8);
    m.writeUInt8(0x21, 0);
    m.writeUInt8(52, 1);
    m.writeUInt8(100, 2);
    m.writeUInt8(1, 3);
    m.writeUInt8(1, 5);
    Buffer.from('fe800000000000000000000000000001', 'hex').copy(m, 8);
    const message = resealed(m, rx, 2);
    const r = decodeAdvert(message, rx, only(52, { ...V3_IPV6.expectation, version: 2, addresses: ['fe80::1'] }));
    expect(outcome(r)).toBe('address_family');
  });
});

describe('unicast source filter (keepalived check_unicast_src)', () => {
  const rx: RxInfo = { family: 4, src: '10.88.0.11', dst: '10.88.0.12', ttl: 255 };
  const message = edited(V3_IPV4, () => {}, rx);

  it('EXT-unicast-src keepalived check_unicast_src drops a source that is not a peer as unicast_src', () => {
    const expectation = { unicastPeers: ['10.88.0.13'], checkUnicastSrc: true };
    expect(run(V3_IPV4, { message, rx, expectation })).toMatchObject({ ok: false, reason: 'unicast_src' });
  });

  it('EXT-unicast-src keepalived check_unicast_src accepts a listed peer, and any source when off', () => {
    expect(
      outcome(run(V3_IPV4, { message, rx, expectation: { unicastPeers: ['10.88.0.11'], checkUnicastSrc: true } })),
    ).toBe('accepted');
    expect(outcome(run(V3_IPV4, { message, rx, expectation: { unicastPeers: ['10.88.0.13'] } }))).toBe('accepted');
  });

  it('EXT-unicast-src IPv6 peers compare as addresses, not as text', () => {
    const rx6: RxInfo = { family: 6, src: 'fe80::5837:4bff:fe8d:5f85', dst: 'fe80::2', ttl: 64 };
    const m6 = edited(V3_IPV6, () => {}, rx6);
    const expectation = { unicastPeers: ['FE80:0:0:0:5837:4BFF:FE8D:5F85'], checkUnicastSrc: true };
    expect(outcome(run(V3_IPV6, { message: m6, rx: rx6, expectation }))).toBe('accepted');
  });
});

describe('the IP layer as the kernel reports it', () => {
  it('drops receive info that is not an address of its family as ip_header', () => {
    expect(outcome(run(V3_IPV4, { rx: { src: 'fe80::1' } }))).toBe('ip_header');
    expect(outcome(run(V3_IPV4, { rx: { dst: 'nonsense' } }))).toBe('ip_header');
    expect(outcome(run(V3_IPV4, { rx: { family: 5 as 4 } }))).toBe('ip_header');
  });
});

describe('order of the checks (the first failure names the counter)', () => {
  const cases: [string, () => DecodeResult, string][] = [
    ['TTL before length', () => run(V3_IPV4, { message: V3_IPV4.message.subarray(0, 3), rx: { ttl: 1 } }), 'ip_ttl'],
    ['length before version', () => run(V3_IPV4, { message: Buffer.from('41', 'hex') }), 'packet_length'],
    ['version before type', () => run(V3_IPV4, { message: edited(V3_IPV4, (m) => m.writeUInt8(0x47, 0)) }), 'version'],
    [
      'type before length',
      () => run(V3_IPV4, { message: edited(V3_IPV4, (m) => m.writeUInt8(0x32, 0)).subarray(0, 9) }),
      'invalid_type',
    ],
    [
      'length before checksum',
      () => run(V3_IPV4, { message: Buffer.from(V3_IPV4.message.subarray(0, 12)) }),
      'packet_length',
    ],
    [
      'checksum before VRID',
      () => decodeAdvert(Buffer.from(V3_IPV4.message).fill(0, 6, 8), V3_IPV4.rx, () => undefined),
      'checksum',
    ],
    [
      'VRID before owner and auth',
      () =>
        decodeAdvert(
          edited(V2_PASS, (m) => m.writeUInt8(2, 4)),
          V2_PASS.rx,
          () => undefined,
        ),
      'vrid',
    ],
    [
      'owner before auth',
      () => run(V2_PASS, { expectation: { priority: 255, ownerIgnoreAdverts: true, authPassword: 'wrong' } }),
      'owner',
    ],
    [
      'auth before interval',
      () => run(V2_PASS, { expectation: { authPassword: 'wrong', advertIntervalMs: 2000 } }),
      'auth_failure',
    ],
    [
      'interval before count',
      () =>
        run(V2_NONE, { message: edited(V2_NONE, (m) => m.writeUInt8(2, 5)), expectation: { addresses: ['10.1.1.1'] } }),
      'interval',
    ],
    [
      'zero interval before zero count',
      () =>
        run(V3_IPV4, {
          message: resealed(Buffer.from('3133640000000000', 'hex'), V3_IPV4.rx, 3),
        }),
      'interval_zero',
    ],
    [
      'zero count before family',
      () =>
        run(V3_IPV6, {
          message: resealed(Buffer.from('3134640000640000', 'hex'), V3_IPV6.rx, 3),
          expectation: { requireLinkLocalFirst: true, addresses: ['10.0.0.1'] },
        }),
      'address_count_zero',
    ],
    [
      'family before unicast source',
      () =>
        run(V3_IPV6, {
          expectation: { requireLinkLocalFirst: true, checkUnicastSrc: true, unicastPeers: ['fe80::99'] },
        }),
      'address_family',
    ],
  ];

  it.each(cases)('RFC9568-7.1 %s', (_name, decode, reason) => {
    expect(outcome(decode())).toBe(reason);
  });

  it('every drop carries a reason from DROP_REASONS and a detail', () => {
    for (const [, decode] of cases) {
      const r = decode();
      if (r.ok) throw new Error('accepted');
      expect(DROP_REASONS).toContain(r.reason);
      expect(r.detail.length).toBeGreaterThan(0);
    }
  });
});
