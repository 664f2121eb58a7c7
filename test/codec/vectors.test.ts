/**
 * Golden vectors: frames sent by a real keepalived 2.2.7, tcpdump's VRRP capture and its two malformed
 * captures. Decoding must give the listed fields, encoding must give the same bytes back.
 */
import { describe, expect, it } from 'vitest';
import { type Advert, decodeAdvert, encodeAdvert } from '../../src/core/codec/advert.js';
import { vrrpChecksum } from '../../src/core/codec/checksum.js';
import { decodeGarp, decodeUnsolicitedNa, encodeGarp, encodeUnsolicitedNa } from '../../src/core/codec/frames.js';
import { decodeIpv4Datagram } from '../../src/core/codec/ipv4.js';
import { ipPacket, LINKTYPE, readPcap } from '../helpers/pcap.js';
import {
  expectationOf,
  KEEPALIVED_INSTANCES,
  keepalivedVectors,
  only,
  permissiveFor,
  TCPDUMP_INSTANCES,
  vectorPath,
  vrrpInFrame,
  vrrpInRecord,
} from './fixtures.js';

const KEEPALIVED_MAC = Buffer.from('5a374b8d5f85', 'hex');
const vectors = keepalivedVectors();
const vrrpVectors = vectors
  .filter((v) => v.kind === 'vrrp-ipv4' || v.kind === 'vrrp-ipv6')
  .map((v) => ({ label: `${v.kind} v${v.version} VRID ${v.vrid} priority ${v.priority}`, v }));

function decodeVector(frameHex: string) {
  const carried = vrrpInFrame(Buffer.from(frameHex, 'hex'));
  if (!carried) throw new Error('vector frame carries no VRRP');
  const vrid = carried.message.readUInt8(1);
  const instance = KEEPALIVED_INSTANCES[vrid];
  if (!instance) throw new Error(`no instance for VRID ${vrid}`);
  const version = (carried.message.readUInt8(0) >> 4) as 2 | 3;
  const expectation = expectationOf(version, instance.addresses, 1000, instance.authPassword);
  return { ...carried, result: decodeAdvert(carried.message, carried.rx, only(vrid, expectation)) };
}

function accepted(result: ReturnType<typeof decodeAdvert>): Advert {
  if (!result.ok) throw new Error(`dropped: ${result.reason} (${result.detail})`);
  return result.advert;
}

describe('keepalived 2.2.7 vectors', () => {
  it('hold 6 IPv4 and 2 IPv6 adverts, 3 GARPs and 1 unsolicited NA', () => {
    const kinds = vectors.map((v) => v.kind).sort();
    expect(kinds).toEqual([
      'garp',
      'garp',
      'garp',
      'unsolicited-na',
      'vrrp-ipv4',
      'vrrp-ipv4',
      'vrrp-ipv4',
      'vrrp-ipv4',
      'vrrp-ipv4',
      'vrrp-ipv4',
      'vrrp-ipv6',
      'vrrp-ipv6',
    ]);
  });

  it.each(vrrpVectors)('RFC9568-5.2 RFC3768-5.3 decodes $label to its listed fields', ({ v }) => {
    const { rx, message, result } = decodeVector(v.frame_hex);
    expect(rx).toEqual({ family: v.kind === 'vrrp-ipv4' ? 4 : 6, src: v.src, dst: v.dst, ttl: v.ttl_or_hop_limit });
    expect(message.toString('hex')).toBe(v.vrrp_hex);
    expect(message.readUInt8(0) & 0x0f).toBe(v.type);
    const advert = accepted(result);
    expect(advert.version).toBe(v.version);
    expect(advert.vrid).toBe(v.vrid);
    expect(advert.priority).toBe(v.priority);
    expect(advert.addresses).toHaveLength(v.count ?? -1);
    expect(advert.addresses).toEqual(KEEPALIVED_INSTANCES[v.vrid ?? 0]?.addresses);
    expect(advert.maxAdverIntervalMs).toBe(1000);
    expect(result.ok && result.notes).toEqual(v.kind === 'vrrp-ipv6' ? ['first_address_not_link_local'] : []);
  });

  it.each(vrrpVectors)('RFC9568-5.2.8 re-encodes $label byte for byte (pseudo-header checksum)', ({ v }) => {
    const { rx, result } = decodeVector(v.frame_hex);
    expect(encodeAdvert(accepted(result), rx, 'pseudo-header').toString('hex')).toBe(v.vrrp_hex);
  });

  it('RFC9568-5.2.8 keepalived v3 over IPv4 uses the pseudo-header form, not the message-only one', () => {
    const v3v4 = vrrpVectors.filter(({ v }) => v.kind === 'vrrp-ipv4' && v.version === 3);
    expect(v3v4).toHaveLength(2);
    for (const { v } of v3v4) {
      const { rx, result } = decodeVector(v.frame_hex);
      expect(encodeAdvert(accepted(result), rx, 'message-only').toString('hex')).not.toBe(v.vrrp_hex);
    }
  });

  it('RFC3768-5.3.10 v2 PASS authentication carries "secret12" NUL-padded, no-auth carries zeros', () => {
    const v2 = vrrpVectors
      .filter(({ v }) => v.version === 2)
      .map(({ v }) => accepted(decodeVector(v.frame_hex).result));
    expect(v2.map((a) => [a.vrid, a.authType, a.authPassword, a.authData?.toString('hex')])).toEqual([
      [61, 0, undefined, '0000000000000000'],
      [62, 1, 'secret12', Buffer.from('secret12').toString('hex')],
      [61, 0, undefined, '0000000000000000'],
      [62, 1, 'secret12', Buffer.from('secret12').toString('hex')],
    ]);
  });

  const garps = vectors.filter((v) => v.kind === 'garp');
  const garpAddresses = ['10.88.0.100', '10.88.0.101', '10.88.0.102'];

  it.each(garps.map((v, i) => ({ v, ip: garpAddresses[i] as string })))(
    'RFC5798-6.4.1 encodeGarp reproduces keepalived GARP for $ip byte for byte',
    ({ v, ip }) => {
      expect(encodeGarp(KEEPALIVED_MAC, ip).toString('hex')).toBe(v.frame_hex);
    },
  );

  it.each(garps.map((v, i) => ({ v, ip: garpAddresses[i] as string })))(
    'decodeGarp reads keepalived GARP for $ip',
    ({ v, ip }) => {
      expect(decodeGarp(Buffer.from(v.frame_hex, 'hex'))).toEqual({
        ethDst: 'ff:ff:ff:ff:ff:ff',
        ethSrc: '5a:37:4b:8d:5f:85',
        opcode: 'request',
        senderMac: '5a:37:4b:8d:5f:85',
        senderIp: ip,
        targetMac: 'ff:ff:ff:ff:ff:ff',
        targetIp: ip,
      });
    },
  );

  it('RFC5798-6.4.1 encodeUnsolicitedNa reproduces keepalived NA for fd88::100 byte for byte', () => {
    const na = vectors.find((v) => v.kind === 'unsolicited-na');
    expect(encodeUnsolicitedNa(KEEPALIVED_MAC, 'fd88::100', { router: false }).toString('hex')).toBe(na?.frame_hex);
  });

  it('decodeUnsolicitedNa reads keepalived NA: O flag only, source = VIP, hop limit 255, valid checksum', () => {
    const na = vectors.find((v) => v.kind === 'unsolicited-na');
    expect(decodeUnsolicitedNa(Buffer.from(na?.frame_hex ?? '', 'hex'))).toEqual({
      ethDst: '33:33:00:00:00:01',
      ethSrc: '5a:37:4b:8d:5f:85',
      src: 'fd88::100',
      dst: 'ff02::1',
      hopLimit: 255,
      router: false,
      override: true,
      target: 'fd88::100',
      targetMac: '5a:37:4b:8d:5f:85',
      checksumValid: true,
    });
  });
});

describe('tcpdump vrrp.pcap', () => {
  const records = readPcap(vectorPath('tcpdump-vrrp.pcap'));
  const instanceOf = (vrid: number) => {
    const t = TCPDUMP_INSTANCES[vrid];
    return t && expectationOf(t.version, t.addresses, 10_000, t.authPassword);
  };

  it('reads 165 Ethernet frames with µs timestamps', () => {
    expect(records).toHaveLength(165);
    expect(records.every((r) => r.linkType === LINKTYPE.ethernet)).toBe(true);
    expect(records[0]?.ts).toBeCloseTo(1394056506.745865, 6);
  });

  it('RFC3768-7.1-R6 RFC9568-7.1-R6 every advert decodes with a valid checksum and no notes, per VRID', () => {
    const perVrid: Record<number, number> = {};
    for (const record of records) {
      const carried = vrrpInRecord(record);
      if (!carried) throw new Error('frame without VRRP');
      const result = decodeAdvert(carried.message, carried.rx, instanceOf);
      expect(result).toMatchObject({ ok: true, notes: [] });
      const vrid = accepted(result).vrid;
      perVrid[vrid] = (perVrid[vrid] ?? 0) + 1;
    }
    expect(perVrid).toEqual({ 42: 34, 43: 34, 44: 33, 45: 32, 46: 32 });
  });

  it('decodes the fields tshark shows for each VRID', () => {
    const firsts = new Map<number, Advert>();
    for (const record of records) {
      const carried = vrrpInRecord(record);
      const result = carried && decodeAdvert(carried.message, carried.rx, instanceOf);
      if (result?.ok && !firsts.has(result.advert.vrid)) firsts.set(result.advert.vrid, result.advert);
    }
    const summary = [...firsts.values()].map((a) => [a.vrid, a.version, a.family, a.maxAdverIntervalMs, a.addresses]);
    expect(summary.sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual(
      Object.entries(TCPDUMP_INSTANCES).map(([vrid, t]) => [
        Number(vrid),
        t.version,
        t.addresses[0]?.includes(':') ? 6 : 4,
        10_000,
        t.addresses,
      ]),
    );
    expect(firsts.get(42)).toMatchObject({ authType: 1, authPassword: 'abcdefgh' });
    expect(firsts.get(43)).toMatchObject({ authType: 0 });
  });

  it('RFC5798-5.2.8 VRID 44 checksum 0xb3c6 is the pseudo-header form (message-only would be 0x9eb4)', () => {
    const carried = records.map(vrrpInRecord).find((c) => c?.message.readUInt8(1) === 44);
    if (!carried) throw new Error('no VRID 44 frame');
    expect(carried.message.readUInt16BE(6)).toBe(0xb3c6);
    expect(vrrpChecksum(carried.message, 3, carried.rx, 'pseudo-header')).toBe(0xb3c6);
    expect(vrrpChecksum(carried.message, 3, carried.rx, 'message-only')).toBe(0x9eb4);
  });
});

describe('tcpdump malformed captures', () => {
  it('RFC3768-7.1-R2 vrrp_print-oobr (Frame Relay, 6- and 12-byte messages) is dropped as packet_length', () => {
    const records = readPcap(vectorPath('tcpdump-vrrp-vrrp_print-oobr.pcap'));
    expect(records.map((r) => r.linkType)).toEqual([LINKTYPE.frameRelay, LINKTYPE.frameRelay, LINKTYPE.frameRelay]);
    const outcomes = records.map((r) => {
      const ip = ipPacket(r);
      if (!ip) throw new Error('no IP inside the Frame Relay frame');
      const d = decodeIpv4Datagram(ip.packet);
      if (!d.ok) return d.reason;
      return decodeAdvert(d.payload, { family: 4, src: d.src, dst: d.dst, ttl: d.ttl }, permissiveFor(d.payload));
    });
    expect(outcomes.map((o) => (typeof o === 'string' ? o : o.ok ? 'accepted' : o.reason))).toEqual([
      'packet_length',
      'packet_length',
      'packet_length',
    ]);
  });

  describe('vrrp_print-oobr-2 (ten IPv4 fragments with truncated VRRP messages)', () => {
    const records = readPcap(vectorPath('tcpdump-vrrp-vrrp_print-oobr-2.pcap'));
    const packets = records.map((r) => ipPacket(r)?.packet ?? Buffer.alloc(0));

    it('is dropped at the IP layer as ip_header: a raw socket never delivers fragments', () => {
      expect(packets.map((p) => decodeIpv4Datagram(p))).toEqual(
        packets.map(() => ({ ok: false, reason: 'ip_header', detail: 'a fragment' })),
      );
    });

    it('RFC9568-7.1-R5 its VRRP bytes alone are dropped as packet_length, version or checksum, never thrown', () => {
      const reasons = packets.map((p) => {
        const ihl = (p.readUInt8(0) & 0x0f) * 4;
        const message = p.subarray(ihl, Math.min(p.length, p.readUInt16BE(2)));
        const rx = { family: 4 as const, src: '0.3.2.148', dst: '54.0.0.16', ttl: p.readUInt8(8) };
        const r = decodeAdvert(message, rx, permissiveFor(message));
        return r.ok ? 'accepted' : r.reason;
      });
      expect(reasons).toEqual([
        'packet_length', // v3, 3 addresses announced, 19 bytes
        'packet_length',
        'packet_length',
        'packet_length',
        'checksum', // v3, no addresses: 8 bytes + 11 of padding, garbage checksum
        'packet_length',
        'packet_length',
        'packet_length', // total length 27: 7 bytes, shorter than a header
        'checksum',
        'version', // version nibble 0xf
      ]);
    });
  });
});
