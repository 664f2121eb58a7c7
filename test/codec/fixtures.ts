/**
 * Test data for the codec tests: the shared vectors (read in place, never copied), the VRRP message and
 * receive info inside a frame, and the expectation each vector's instance was configured with.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReceiveExpectation, RxInfo } from '../../src/core/codec/advert.js';
import { type ChecksumMode, VRRP_CHECKSUM_OFFSET, vrrpChecksum } from '../../src/core/codec/checksum.js';
import { decodeEthernetFrame, ETHERTYPE } from '../../src/core/codec/ethernet.js';
import { decodeIpv4Datagram } from '../../src/core/codec/ipv4.js';
import { decodeIpv6Header } from '../../src/core/codec/ipv6.js';
import { seededRandom } from '../../src/core/seeded-random.js';
import { ipPacket, type PcapRecord } from '../helpers/pcap.js';

export const VECTORS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/vectors');

export function vectorPath(name: string): string {
  return path.join(VECTORS_DIR, name);
}

export interface KeepalivedVector {
  kind: 'vrrp-ipv4' | 'vrrp-ipv6' | 'garp' | 'unsolicited-na';
  source: string;
  frame_hex: string;
  vrrp_hex?: string;
  version?: 2 | 3;
  type?: number;
  vrid?: number;
  priority?: number;
  count?: number;
  src?: string;
  dst?: string;
  ttl_or_hop_limit?: number;
  tshark_checksum_good?: boolean;
}

export function keepalivedVectors(): KeepalivedVector[] {
  const json = JSON.parse(readFileSync(vectorPath('keepalived-2.2.7.json'), 'utf8')) as { vectors: KeepalivedVector[] };
  return json.vectors;
}

/**
 * How the keepalived instances behind the vectors were configured (from the vector sources, and the
 * addresses as tshark decodes them). The vector file lists no addresses or passwords itself.
 */
export const KEEPALIVED_INSTANCES: Record<number, { addresses: string[]; authPassword?: string }> = {
  51: { addresses: ['10.88.0.100', '10.88.0.101'] },
  52: { addresses: ['fd88::100'] },
  61: { addresses: ['10.88.0.100', '10.88.0.101'] },
  62: { addresses: ['10.88.0.102'], authPassword: 'secret12' },
};

/** tcpdump's vrrp.pcap, per VRID, as tshark decodes it (all adverts at a 10 s interval). */
export const TCPDUMP_INSTANCES: Record<number, { version: 2 | 3; addresses: string[]; authPassword?: string }> = {
  42: { version: 2, addresses: ['10.4.42.1', '10.4.42.2', '10.4.42.3'], authPassword: 'abcdefgh' },
  43: { version: 2, addresses: ['10.4.43.150'] },
  44: { version: 3, addresses: ['10.4.44.100', '10.4.44.200'] },
  45: { version: 3, addresses: ['fe80::200:5eff:fe00:22d', '2001::abcd:a'] },
  46: {
    version: 3,
    addresses: ['fe80::200:5eff:fe00:22e', '2001::eeff:a', '2001::eeff:b', '2001::eeff:c', '2001::eeff:d'],
  },
};

/** A VRRP message with what the kernel would report about the packet that carried it. */
export interface Carried {
  rx: RxInfo;
  message: Buffer;
}

/** The VRRP message inside an Ethernet frame, or undefined when the frame carries none. */
export function vrrpInFrame(frame: Buffer): Carried | undefined {
  const eth = decodeEthernetFrame(frame);
  if (!eth) return undefined;
  if (eth.etherType === ETHERTYPE.ipv4) return vrrpInIp(4, eth.payload);
  if (eth.etherType === ETHERTYPE.ipv6) return vrrpInIp(6, eth.payload);
  return undefined;
}

export function vrrpInRecord(record: PcapRecord): Carried | undefined {
  const ip = ipPacket(record);
  return ip && vrrpInIp(ip.family, ip.packet);
}

function vrrpInIp(family: 4 | 6, packet: Buffer): Carried | undefined {
  if (family === 4) {
    const d = decodeIpv4Datagram(packet);
    return d.ok ? { rx: { family: 4, src: d.src, dst: d.dst, ttl: d.ttl }, message: d.payload } : undefined;
  }
  const h = decodeIpv6Header(packet);
  if (h?.nextHeader !== 112) return undefined;
  return { rx: { family: 6, src: h.src, dst: h.dst, ttl: h.hopLimit }, message: h.payload };
}

/** A copy of `message` with a checksum that is right for `version` (so a mutation reaches later checks). */
export function resealed(message: Buffer, rx: RxInfo, version: 2 | 3, mode: ChecksumMode = 'pseudo-header'): Buffer {
  const out = Buffer.from(message);
  out.writeUInt16BE(vrrpChecksum(out, version, rx, mode), VRRP_CHECKSUM_OFFSET);
  return out;
}

/** A lookup that knows one VRID only. */
export function only(vrid: number, e: ReceiveExpectation): (v: number) => ReceiveExpectation | undefined {
  return (v) => (v === vrid ? e : undefined);
}

/** The configuration of a peer instance that agrees with the sender on everything but priority. */
export function expectationOf(
  version: 2 | 3,
  addresses: string[],
  advertIntervalMs: number,
  authPassword?: string,
): ReceiveExpectation {
  return {
    version,
    priority: 100,
    advertIntervalMs,
    addresses,
    authType: authPassword === undefined ? 0 : 1,
    authPassword,
  };
}

/**
 * A lookup that agrees with whatever the message claims (version, interval, auth type), for captures
 * whose configuration is unknown: only malformation can then make a packet fail.
 */
export function permissiveFor(message: Buffer): (vrid: number) => ReceiveExpectation {
  const version = message.length > 0 && message.readUInt8(0) >> 4 === 2 ? 2 : 3;
  const intervalMs =
    message.length >= 6 ? (version === 2 ? message.readUInt8(5) * 1000 : (message.readUInt16BE(4) & 0xfff) * 10) : 1000;
  const e = expectationOf(version, [], intervalMs);
  if (version === 2 && message.length >= 5 && message.readUInt8(4) === 1) e.authType = 1;
  return () => e;
}

/** A small seeded PRNG (mulberry32): random tests that fail the same way every run. */
export const prng = seededRandom;
