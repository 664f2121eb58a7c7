/**
 * VRRP advertisements: the encoder, and the entry points of the receive path. The receive checks
 * themselves live in receive-checks.ts; this module is what the rest of vipd imports.
 */

import type { AdvertFields } from './advert-types.js';
import { type ChecksumMode, type IpEndpoints, VRRP_CHECKSUM_OFFSET, vrrpChecksum } from './checksum.js';
import { addressFamily, parseAddress } from './ip-address.js';
import { AUTH_NONE, AUTH_PASS, passwordBytes } from './v2-auth.js';
import {
  addressSize,
  intervalFits,
  intervalToWire,
  messageLength,
  VRRP_HEADER_LENGTH,
  writeWireHeader,
} from './vrrp-wire.js';

export type { Advert, AdvertFields, DecodeResult, ReceiveExpectation, RxInfo } from './advert-types.js';
export type { ChecksumMode } from './checksum.js';
export { ACCEPT_NOTES, type AcceptNote, DROP_REASONS, type DropReason } from './reasons.js';
export { decodeAdvert } from './receive-checks.js';

/**
 * Builds the VRRP message (no IP header) for `ip`: the checksum depends on the addresses when it includes
 * a pseudo-header, so each destination (multicast group or unicast peer) gets its own copy.
 * Throws RangeError on fields that cannot be put on the wire: configuration validation must have
 * refused them, so reaching here with one is a bug, not a packet to drop.
 */
export function encodeAdvert(a: AdvertFields, ip: IpEndpoints, mode: ChecksumMode = 'pseudo-header'): Buffer {
  const intervalField = intervalToWire(a.version, a.maxAdverIntervalMs);
  assertEncodable(a, ip, intervalField);
  const message = Buffer.alloc(messageLength(a.version, ip.family, a.addresses.length));
  writeWireHeader(message, {
    version: a.version,
    vrid: a.vrid,
    priority: a.priority,
    count: a.addresses.length,
    authType: a.authType ?? AUTH_NONE,
    intervalField,
  });
  const size = addressSize(ip.family);
  a.addresses.forEach((address, i) => {
    parseAddress(address).copy(message, VRRP_HEADER_LENGTH + i * size);
  });
  if (a.version === 2 && a.authType === AUTH_PASS) {
    passwordBytes(a.authPassword).copy(message, VRRP_HEADER_LENGTH + a.addresses.length * size);
  }
  message.writeUInt16BE(vrrpChecksum(message, a.version, ip, mode), VRRP_CHECKSUM_OFFSET);
  return message;
}

function assertEncodable(a: AdvertFields, ip: IpEndpoints, intervalField: number): void {
  const problem = encodeProblem(a, ip, intervalField);
  if (problem) throw new RangeError(`cannot encode VRRP advert: ${problem}`);
}

function encodeProblem(a: AdvertFields, ip: IpEndpoints, intervalField: number): string | undefined {
  if (!isByte(a.vrid) || a.vrid === 0) return `VRID ${a.vrid} outside 1..255`;
  if (!isByte(a.priority)) return `priority ${a.priority} outside 0..255`;
  if (!intervalFits(a.version, intervalField)) return `interval ${a.maxAdverIntervalMs} ms does not fit v${a.version}`;
  if (a.addresses.length > 255) return `${a.addresses.length} addresses (at most 255)`;
  if (a.version === 2 && ip.family === 6) return 'VRRPv2 is IPv4 only (RFC 3768)';
  if (a.version === 3 && (a.authType ?? AUTH_NONE) !== AUTH_NONE) return 'VRRPv3 has no authentication';
  const foreign = a.addresses.find((x) => addressFamily(x) !== ip.family);
  if (foreign !== undefined) return `address ${foreign} is not IPv${ip.family}`;
  if (addressFamily(ip.src) !== ip.family || addressFamily(ip.dst) !== ip.family) {
    return `source/destination ${ip.src} -> ${ip.dst} are not IPv${ip.family}`;
  }
  return undefined;
}

function isByte(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 255;
}
