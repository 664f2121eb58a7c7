/**
 * Malformed and mutated VRRP adverts for the wire fuzzer, from a seed: each one a whole Ethernet frame to the VRRP
 * group with a sound IPv4 header (so the kernel hands it to the raw socket), and the reason vipd's receive path must
 * drop it for, worked out with the codec. Categories: wrong TTL, version, type, checksum, address count,
 * truncation, random payloads, one-bit flips of keepalived 2.2.7's adverts, VRRPv2 on a v3 instance, a zero
 * interval, other VRIDs. A mutation the codec would accept (none so far) is left out, never sent.
 */
import { type DropReason, decodeAdvert, encodeAdvert, type ReceiveExpectation } from '../../src/core/codec/advert.js';
import { VRRP_CHECKSUM_OFFSET, vrrpChecksum } from '../../src/core/codec/checksum.js';
import { ETHERTYPE, encodeEthernetFrame } from '../../src/core/codec/ethernet.js';
import { decodeIpv4Datagram, encodeIpv4Datagram } from '../../src/core/codec/ipv4.js';
import { keepalivedVectors, prng, vrrpInFrame } from '../codec/fixtures.js';

export const FUZZ_CATEGORIES = [
  'ttl',
  'version',
  'v2-on-v3',
  'type',
  'checksum',
  'address-count',
  'truncated',
  'random',
  'bit-flip',
  'zero-interval',
  'other-vrid',
] as const;
export type FuzzCategory = (typeof FUZZ_CATEGORIES)[number];

/** The instance under fire: VRRPv3, its VRID, one VIP. */
export interface FuzzTarget {
  vrid: number;
  vip: string;
  advertIntervalMs: number;
  /** The fuzzer's own addresses (the IPv4 source and the Ethernet source of every frame). */
  src: string;
  mac: Buffer;
}

export interface FuzzFrame {
  category: FuzzCategory;
  expected: DropReason;
  frame: Buffer;
}

const GROUP = '224.0.0.18';
const GROUP_MAC = Buffer.from([0x01, 0x00, 0x5e, 0x00, 0x00, 0x12]);
const VRRP = 112;

/** The target's receive expectation, as its instance builds it (v3, no auth). */
export function expectationOf(t: FuzzTarget): ReceiveExpectation {
  return { version: 3, priority: 150, advertIntervalMs: t.advertIntervalMs, addresses: [t.vip], authType: 0 };
}

export class WireFuzzer {
  private readonly random: () => number;
  private readonly vectors: Buffer[];
  private ipId = 1;

  constructor(
    private readonly target: FuzzTarget,
    seed: number,
  ) {
    this.random = prng(seed);
    this.vectors = keepalivedVectors()
      .filter((v) => v.kind === 'vrrp-ipv4')
      .map((v) => vrrpInFrame(Buffer.from(v.frame_hex, 'hex'))?.message)
      .filter((m): m is Buffer => m !== undefined);
  }

  /** The next frame that must be dropped (bounded: a mutation the codec accepts is tried again, at most 100 times). */
  next(): FuzzFrame {
    for (let attempt = 0; attempt < 100; attempt++) {
      const category = FUZZ_CATEGORIES[this.int(FUZZ_CATEGORIES.length)] as FuzzCategory;
      const { message, ttl } = this.mutate(category);
      const datagram = encodeIpv4Datagram(
        { src: this.target.src, dst: GROUP, protocol: VRRP, ttl, tos: 0xc0, id: this.ipId++ & 0xffff || 1 },
        message,
      );
      const expected = this.verdict(datagram);
      if (expected === undefined) continue;
      return { category, expected, frame: encodeEthernetFrame(GROUP_MAC, this.target.mac, ETHERTYPE.ipv4, datagram) };
    }
    throw new Error('the fuzzer found no mutation to drop in 100 tries');
  }

  /** What vipd's receiver decides for the datagram: a drop reason, or undefined when it would accept it. */
  private verdict(datagram: Buffer): DropReason | undefined {
    const ip = decodeIpv4Datagram(datagram);
    if (!ip.ok) return ip.reason;
    const lookup = (vrid: number) => (vrid === this.target.vrid ? expectationOf(this.target) : undefined);
    const result = decodeAdvert(ip.payload, { family: 4, src: ip.src, dst: ip.dst, ttl: ip.ttl }, lookup);
    return result.ok ? undefined : result.reason;
  }

  private mutate(category: FuzzCategory): { message: Buffer; ttl: number } {
    const t = this.target;
    const valid = (o: { version?: 2 | 3; vrid?: number; intervalMs?: number } = {}) =>
      encodeAdvert(
        {
          version: o.version ?? 3,
          vrid: o.vrid ?? t.vrid,
          priority: 1 + this.int(254),
          maxAdverIntervalMs: o.intervalMs ?? t.advertIntervalMs,
          addresses: [t.vip],
        },
        { family: 4, src: t.src, dst: GROUP },
      );
    switch (category) {
      case 'ttl':
        return { message: valid(), ttl: this.int(255) };
      case 'version': {
        const m = valid();
        const bad = [0, 1, ...Array.from({ length: 12 }, (_, i) => i + 4)];
        m[0] = ((bad[this.int(bad.length)] as number) << 4) | (m.readUInt8(0) & 0x0f);
        return { message: this.reseal(m), ttl: 255 };
      }
      case 'v2-on-v3':
        return { message: valid({ version: 2, intervalMs: 1000 }), ttl: 255 };
      case 'type': {
        const m = valid();
        const types = [0, ...Array.from({ length: 14 }, (_, i) => i + 2)];
        m[0] = (m.readUInt8(0) & 0xf0) | (types[this.int(types.length)] as number);
        return { message: this.reseal(m), ttl: 255 };
      }
      case 'checksum': {
        const m = valid();
        m.writeUInt16BE(m.readUInt16BE(VRRP_CHECKSUM_OFFSET) ^ (1 + this.int(0xfffe)), VRRP_CHECKSUM_OFFSET);
        return { message: m, ttl: 255 };
      }
      case 'address-count': {
        const m = valid();
        m[3] = [0, 2, 3, 16, 255][this.int(5)] as number;
        return { message: this.reseal(m), ttl: 255 };
      }
      case 'truncated': {
        const m = valid();
        return { message: m.subarray(0, this.int(m.length)), ttl: 255 };
      }
      case 'random': {
        const m = Buffer.alloc(this.int(81));
        for (let i = 0; i < m.length; i++) m[i] = this.int(256);
        return { message: m, ttl: 255 };
      }
      case 'bit-flip': {
        const m = Buffer.from(this.vectors[this.int(this.vectors.length)] as Buffer);
        const bit = this.int(m.length * 8);
        m[bit >> 3] = (m[bit >> 3] as number) ^ (1 << (bit & 7));
        return { message: m, ttl: 255 };
      }
      case 'zero-interval': {
        const m = valid();
        m.writeUInt16BE(m.readUInt16BE(4) & 0xf000, 4); // v3: 4 reserved bits, 12 of Max Adver Int
        return { message: this.reseal(m), ttl: 255 };
      }
      case 'other-vrid': {
        let vrid = 1 + this.int(255);
        if (vrid === t.vrid) vrid = (vrid % 255) + 1;
        return { message: valid({ vrid }), ttl: 255 };
      }
    }
  }

  /** The checksum made right again, so the mutation is what the receiver trips on. */
  private reseal(m: Buffer): Buffer {
    const version = m.readUInt8(0) >> 4 === 2 ? 2 : 3;
    m.writeUInt16BE(0, VRRP_CHECKSUM_OFFSET);
    m.writeUInt16BE(vrrpChecksum(m, version, { family: 4, src: this.target.src, dst: GROUP }), VRRP_CHECKSUM_OFFSET);
    return m;
  }

  private int(n: number): number {
    return Math.floor(this.random() * n);
  }
}
