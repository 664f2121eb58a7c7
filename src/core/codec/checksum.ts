/**
 * Internet checksums: RFC 1071 over a scatter list, the IPv4/IPv6 pseudo-headers, and the VRRP checksum
 * rules of each version and family (RFC 3768 §5.3.8, RFC 5798/9568 §5.2.8, keepalived `v3_checksum_as_v2`).
 */
import type { Family } from '../net.js';
import { parseAddress } from './ip-address.js';

/**
 * How a VRRPv3-over-IPv4 checksum is formed. keepalived (default) and FRR include the IPv4 pseudo-header
 * as RFC 5798 says; RFC 9568, Cisco, Juniper and Arista do not ('message-only', keepalived
 * `v3_checksum_as_v2`). VRRPv2 is always message-only and VRRPv3 over IPv6 always has the pseudo-header.
 */
export type ChecksumMode = 'pseudo-header' | 'message-only';

export const VRRP_PROTOCOL = 112;

/**
 * The 16-bit one's complement of the one's complement sum of the chunks, taken as one byte stream
 * (a chunk of odd length shifts the pairing of the next one, as if they were concatenated).
 */
export function internetChecksum(...chunks: Uint8Array[]): number {
  let sum = 0;
  let odd = false;
  for (const chunk of chunks) {
    for (const byte of chunk) {
      sum += odd ? byte : byte << 8;
      odd = !odd;
    }
    sum = fold(sum);
  }
  return ~fold(sum) & 0xffff;
}

/** End-around carry until 16 bits remain (arithmetic, not `>>>`, so sums beyond 2^32 stay exact). */
function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}

/**
 * The pseudo-header an upper-layer checksum covers: IPv4 (RFC 791/768 style: src, dst, zero, protocol,
 * 16-bit length) or IPv6 (RFC 8200 §8.1: src, dst, 32-bit length, three zero bytes, next header).
 */
export function pseudoHeader(family: Family, src: string, dst: string, upperLength: number, protocol: number): Buffer {
  const s = parseAddress(src);
  const d = parseAddress(dst);
  if (family === 4) {
    const tail = Buffer.from([0, protocol, (upperLength >> 8) & 0xff, upperLength & 0xff]);
    return Buffer.concat([s, d, tail]);
  }
  const tail = Buffer.alloc(8);
  tail.writeUInt32BE(upperLength, 0);
  tail[7] = protocol;
  return Buffer.concat([s, d, tail]);
}

export interface IpEndpoints {
  family: Family;
  src: string;
  dst: string;
}

/** Offset of the checksum field in a VRRP message (both versions). */
export const VRRP_CHECKSUM_OFFSET = 6;

/**
 * The checksum a VRRP message should carry, computed as if its checksum field were zero.
 * `message` is exactly the VRRP message (no Ethernet padding).
 */
export function vrrpChecksum(
  message: Uint8Array,
  version: 2 | 3,
  ip: IpEndpoints,
  mode: ChecksumMode = 'pseudo-header',
): number {
  const zeroed = Buffer.from(message);
  zeroed.writeUInt16BE(0, VRRP_CHECKSUM_OFFSET);
  if (!usesPseudoHeader(version, ip.family, mode)) return internetChecksum(zeroed);
  return internetChecksum(pseudoHeader(ip.family, ip.src, ip.dst, zeroed.length, VRRP_PROTOCOL), zeroed);
}

function usesPseudoHeader(version: 2 | 3, family: Family, mode: ChecksumMode): boolean {
  if (version === 2) return false;
  // RFC 9568 dropped the pseudo-header for IPv4 only; IPv6 upper layers always include it (RFC 8200 §8.1).
  return family === 6 || mode === 'pseudo-header';
}
