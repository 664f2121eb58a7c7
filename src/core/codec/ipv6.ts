/**
 * The fixed 40-byte IPv6 header (RFC 8200 §3). Raw IPv6 sockets never show it, so this serves the frames
 * vipd builds itself (unsolicited NA) and captures read in tests. Extension headers are not walked.
 */
import { formatAddress, parseAddress } from './ip-address.js';

export const IPV6_HEADER_LENGTH = 40;

export interface Ipv6Header {
  src: string;
  dst: string;
  hopLimit: number;
  nextHeader: number;
  trafficClass: number;
  flowLabel: number;
  /** The bytes the payload length covers: link padding is cut off. */
  payload: Buffer;
}

/** The header and its payload, or undefined when the bytes are not a complete IPv6 packet. */
export function decodeIpv6Header(buf: Buffer): Ipv6Header | undefined {
  if (buf.length < IPV6_HEADER_LENGTH) return undefined;
  const first = buf.readUInt32BE(0);
  if (first >>> 28 !== 6) return undefined;
  const payloadLength = buf.readUInt16BE(4);
  if (IPV6_HEADER_LENGTH + payloadLength > buf.length) return undefined;
  return {
    src: formatAddress(buf.subarray(8, 24)),
    dst: formatAddress(buf.subarray(24, 40)),
    hopLimit: buf.readUInt8(7),
    nextHeader: buf.readUInt8(6),
    trafficClass: (first >>> 20) & 0xff,
    flowLabel: first & 0xfffff,
    payload: buf.subarray(IPV6_HEADER_LENGTH, IPV6_HEADER_LENGTH + payloadLength),
  };
}

export interface Ipv6HeaderFields {
  src: string;
  dst: string;
  hopLimit: number;
  nextHeader: number;
  payloadLength: number;
  trafficClass?: number;
  flowLabel?: number;
}

export function encodeIpv6Header(h: Ipv6HeaderFields): Buffer {
  const out = Buffer.alloc(IPV6_HEADER_LENGTH);
  out.writeUInt32BE(((6 << 28) | ((h.trafficClass ?? 0) << 20) | (h.flowLabel ?? 0)) >>> 0, 0);
  out.writeUInt16BE(h.payloadLength, 4);
  out.writeUInt8(h.nextHeader, 6);
  out.writeUInt8(h.hopLimit, 7);
  parseAddress(h.src).copy(out, 8);
  parseAddress(h.dst).copy(out, 24);
  return out;
}
