/**
 * The VRRP message layout shared by the encoder and the receive checks: field offsets, sizes, and the
 * interval units of each version (v2 whole seconds in 8 bits, v3 centiseconds in 12 bits).
 *
 *   v2 (RFC 3768): ver|type  VRID  priority  count | auth type  adver int(s)  checksum | addrs | auth data(8)
 *   v3 (RFC 9568): ver|type  VRID  priority  count | rsvd(4) max adver int(12, cs)  checksum | addrs
 */
import type { Family } from '../net.js';

export const VRRP_HEADER_LENGTH = 8;
export const V2_AUTH_DATA_LENGTH = 8;
export const VRRP_TYPE_ADVERTISEMENT = 1;
/** TTL / hop limit of every multicast advert (RFC 9568 §5.1.1.3, §5.1.2.3), checked on receipt (GTSM). */
export const VRRP_TTL = 255;
export const VRRP_MULTICAST_GROUP = { 4: '224.0.0.18', 6: 'ff02::12' } as const;

/** Largest interval each version can carry, in its own unit. */
const INTERVAL_LIMIT = { 2: 0xff, 3: 0x0fff } as const;
/** Milliseconds per interval unit. */
const INTERVAL_UNIT_MS = { 2: 1000, 3: 10 } as const;

export function addressSize(family: Family): 4 | 16 {
  return family === 4 ? 4 : 16;
}

/** Length of a complete message: fixed header, the addresses, and v2's authentication data. */
export function messageLength(version: 2 | 3, family: Family, count: number): number {
  return VRRP_HEADER_LENGTH + count * addressSize(family) + (version === 2 ? V2_AUTH_DATA_LENGTH : 0);
}

/** The interval field for a duration in ms (rounded to the version's unit). */
export function intervalToWire(version: 2 | 3, ms: number): number {
  return Math.round(ms / INTERVAL_UNIT_MS[version]);
}

export function intervalFromWire(version: 2 | 3, field: number): number {
  return field * INTERVAL_UNIT_MS[version];
}

export function intervalFits(version: 2 | 3, field: number): boolean {
  return Number.isInteger(field) && field >= 1 && field <= INTERVAL_LIMIT[version];
}

/** The fixed 8 bytes, read without judging them. */
export interface WireHeader {
  version: number;
  type: number;
  vrid: number;
  priority: number;
  count: number;
  /** v2 byte 4; v3 has no auth type (its byte 4 holds the reserved bits). */
  authType: number;
  /** v2: seconds (byte 5); v3: centiseconds (low 12 bits of bytes 4-5). */
  intervalField: number;
  checksum: number;
}

/** Reads the fixed header; the caller has checked that `message` holds at least VRRP_HEADER_LENGTH bytes. */
export function readWireHeader(message: Buffer): WireHeader {
  const version = message.readUInt8(0) >> 4;
  return {
    version,
    type: message.readUInt8(0) & 0x0f,
    vrid: message.readUInt8(1),
    priority: message.readUInt8(2),
    count: message.readUInt8(3),
    authType: message.readUInt8(4),
    intervalField: version === 3 ? message.readUInt16BE(4) & 0x0fff : message.readUInt8(5),
    checksum: message.readUInt16BE(6),
  };
}

/** Writes the fixed header with a zero checksum (filled in last, over the finished message). */
export function writeWireHeader(
  message: Buffer,
  h: { version: 2 | 3; vrid: number; priority: number; count: number; authType: number; intervalField: number },
): void {
  message.writeUInt8((h.version << 4) | VRRP_TYPE_ADVERTISEMENT, 0);
  message.writeUInt8(h.vrid, 1);
  message.writeUInt8(h.priority, 2);
  message.writeUInt8(h.count, 3);
  if (h.version === 3) {
    // Reserved bits are sent as zero (RFC 9568 §5.2.6).
    message.writeUInt16BE(h.intervalField, 4);
  } else {
    message.writeUInt8(h.authType, 4);
    message.writeUInt8(h.intervalField, 5);
  }
  message.writeUInt16BE(0, 6);
}
