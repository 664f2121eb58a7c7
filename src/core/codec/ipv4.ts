/**
 * The IPv4 header as a raw IPv4 socket delivers it (header included, RFC 791), checked before the VRRP
 * message behind it is looked at: the receive checks need the header's TTL and addresses (R1, R6) and
 * the total length (R2).
 */
import { AH_LENGTH, AH_PROTOCOL, type AhHeader, decodeAhHeader } from './ah.js';
import { internetChecksum, VRRP_PROTOCOL } from './checksum.js';
import { type AddressTexts, formatAddress, parseAddress } from './ip-address.js';
import { type Drop, drop } from './reasons.js';

const MIN_HEADER = 20;
const MORE_FRAGMENTS = 0x2000;
const FRAGMENT_OFFSET = 0x1fff;

export interface Ipv4Datagram {
  ok: true;
  src: string;
  dst: string;
  ttl: number;
  /** The type-of-service byte (keepalived sends 0xc0, internetwork control). */
  tos: number;
  /** The bytes the total length covers after the header (and after an AH header): Ethernet padding is cut off. */
  payload: Buffer;
  /** VRRPv2 `auth_type AH`: the AH header in front of the VRRP message, to verify with the instance's key. */
  ah?: AhHeader;
}

/** `texts`: where the receive path remembers address text, so the same peer's adverts make no new strings. */
export function decodeIpv4Datagram(buf: Buffer, texts?: AddressTexts): Ipv4Datagram | Drop {
  if (buf.length < MIN_HEADER) return drop('packet_length', `${buf.length} bytes, shorter than an IPv4 header`);
  const version = buf.readUInt8(0) >> 4;
  if (version !== 4) return drop('ip_header', `IP version ${version} on an IPv4 socket`);
  const headerLength = (buf.readUInt8(0) & 0x0f) * 4;
  if (headerLength < MIN_HEADER) return drop('ip_header', `IHL ${headerLength / 4} below 5`);
  if (headerLength > buf.length) return drop('packet_length', `IHL ${headerLength / 4} beyond ${buf.length} bytes`);
  const totalLength = buf.readUInt16BE(2);
  if (totalLength < headerLength) return drop('ip_header', `total length ${totalLength} inside the header`);
  // R2: bytes missing from what the header announces; more bytes than announced is link padding.
  if (totalLength > buf.length) return drop('packet_length', `total length ${totalLength}, ${buf.length} bytes read`);
  // A raw socket only ever sees reassembled datagrams, so a fragment here is a forged or broken packet.
  if ((buf.readUInt16BE(6) & (MORE_FRAGMENTS | FRAGMENT_OFFSET)) !== 0) return drop('ip_header', 'a fragment');
  const protocol = buf.readUInt8(9);
  if (protocol !== VRRP_PROTOCOL && protocol !== AH_PROTOCOL) {
    return drop('ip_header', `protocol ${protocol}, expected ${VRRP_PROTOCOL}`);
  }
  const datagram: Ipv4Datagram = {
    ok: true,
    src: texts ? texts.text(buf, 12, 4) : formatAddress(buf.subarray(12, 16)),
    dst: texts ? texts.text(buf, 16, 4) : formatAddress(buf.subarray(16, 20)),
    ttl: buf.readUInt8(8),
    tos: buf.readUInt8(1),
    payload: buf.subarray(headerLength, totalLength),
  };
  if (protocol === VRRP_PROTOCOL) return datagram;
  const ah = decodeAhHeader(buf.subarray(0, totalLength), headerLength);
  if ('reason' in ah) return ah;
  return { ...datagram, ah, payload: buf.subarray(headerLength + AH_LENGTH, totalLength) };
}

export interface Ipv4HeaderFields {
  src: string;
  dst: string;
  protocol: number;
  ttl?: number;
  tos?: number;
  id?: number;
}

/** A whole IPv4 datagram (a 20-byte header with its checksum, then the payload), as an AF_PACKET sender needs it. */
export function encodeIpv4Datagram(h: Ipv4HeaderFields, payload: Uint8Array): Buffer {
  const d = Buffer.alloc(MIN_HEADER + payload.length);
  d.writeUInt8(0x45, 0);
  d.writeUInt8(h.tos ?? 0, 1);
  d.writeUInt16BE(d.length, 2);
  d.writeUInt16BE(h.id ?? 1, 4);
  d.writeUInt8(h.ttl ?? 255, 8);
  d.writeUInt8(h.protocol, 9);
  parseAddress(h.src).copy(d, 12);
  parseAddress(h.dst).copy(d, 16);
  d.writeUInt16BE(internetChecksum(d.subarray(0, MIN_HEADER)), 10);
  d.set(payload, MIN_HEADER);
  return d;
}
