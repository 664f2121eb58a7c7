/**
 * VRRPv2 `auth_type AH` as keepalived does it (RFC 2338 §5.3.6.2 / RFC 2402 style; keepalived vrrp.c): the VRRP
 * message sits behind an IPsec AH header (next header 112) whose SPI is the sender's address, whose sequence
 * number counts up, and whose ICV is HMAC-MD5-96 keyed with the 8 auth bytes (the password, NUL-padded), computed
 * over the IPv4 header with its mutable fields zeroed (TOS, fragment offset, checksum; TTL too for unicast), the
 * AH header with a zero ICV, and the VRRP message. The IP id is the sequence number's low 16 bits (keepalived
 * counts both together). Encode and verify are pure; drops are reasons.
 */
import { lazyBuiltin } from '../lazy-builtin.js';
import { internetChecksum } from './checksum.js';
import { ETHERTYPE, encodeEthernetFrame } from './ethernet.js';
import { parseAddress } from './ip-address.js';
import { type Drop, drop } from './reasons.js';
import { constantTimeEqual, passwordBytes } from './v2-auth.js';

/** node:crypto loads only for an AH instance (it costs 10–20 ms of start-up). */
const crypto = lazyBuiltin<typeof import('node:crypto')>('node:crypto');

export const AH_PROTOCOL = 51;
/** next header, payload length, reserved, SPI, sequence number, 96-bit ICV. */
export const AH_LENGTH = 24;
const IPV4_HEADER = 20;
const ICV_OFFSET = 12;
const ICV_LENGTH = 12;
/** AH's payload length field: its length in 32-bit words minus 2. */
const AH_PAYLOAD_LENGTH = AH_LENGTH / 4 - 2;
const VRRP_PROTOCOL = 112;
const TOS_VRRP = 0xc0;
/** 224.0.0.18's Ethernet group address. */

/** What the IPv4 decoder found behind an AH header (verified later, with the instance's key). */
export interface AhHeader {
  spi: number;
  seq: number;
  /** The whole datagram (header, AH, VRRP), as the ICV covers it. */
  datagram: Buffer;
  /** Where the AH header starts (the IPv4 header's length). */
  offset: number;
}

export interface AhSeal {
  /** The VRRPv2 message (auth type 2, auth bytes zero). */
  vrrp: Buffer;
  src: string;
  dst: string;
  seq: number;
  password: string | undefined;
  /** Unicast: the TTL is left out of the ICV as well (keepalived). */
  unicast: boolean;
  /** The datagram's TTL: 255 unless unicast_ttl says otherwise (outside the ICV then). */
  ttl?: number | undefined;
}

/** The whole IPv4 datagram: header (checksum filled in), AH with its ICV, the VRRP message. */
export function encodeAhDatagram(s: AhSeal): Buffer {
  const total = IPV4_HEADER + AH_LENGTH + s.vrrp.length;
  const d = Buffer.alloc(total);
  d.writeUInt8(0x45, 0);
  d.writeUInt16BE(total, 2);
  d.writeUInt16BE(s.seq & 0xffff || 1, 4); // the kernel would replace an id of 0
  d.writeUInt8(s.ttl ?? 255, 8);
  d.writeUInt8(AH_PROTOCOL, 9);
  const src = parseAddress(s.src);
  src.copy(d, 12);
  parseAddress(s.dst).copy(d, 16);
  const ah = IPV4_HEADER;
  d.writeUInt8(VRRP_PROTOCOL, ah);
  d.writeUInt8(AH_PAYLOAD_LENGTH, ah + 1);
  src.copy(d, ah + 4); // SPI: the sender's address
  d.writeUInt32BE(s.seq >>> 0, ah + 8);
  s.vrrp.copy(d, ah + AH_LENGTH);
  icv(d, IPV4_HEADER, s.password, s.unicast).copy(d, ah + ICV_OFFSET);
  d.writeUInt8(TOS_VRRP, 1);
  d.writeUInt16BE(internetChecksum(d.subarray(0, IPV4_HEADER)), 10);
  return d;
}

/**
 * The datagram in an Ethernet frame to its multicast group's MAC address (01:00:5e and the group's low 23 bits,
 * RFC 1112; 224.0.0.18's is 01:00:5e:00:00:12), for the AF_PACKET sender.
 */
export function encodeAhFrame(mac: Buffer, datagram: Buffer): Buffer {
  const groupMac = Buffer.from([0x01, 0x00, 0x5e, (datagram[17] ?? 0) & 0x7f, datagram[18] ?? 0, datagram[19] ?? 0]);
  return encodeEthernetFrame(groupMac, mac, ETHERTYPE.ipv4, datagram);
}

/** Checks the ICV and that the SPI is the sender's address; the sequence number is the caller's to check. */
export function verifyAh(ah: AhHeader, src: string, password: string | undefined, unicast: boolean): Drop | undefined {
  const expected = icv(ah.datagram, ah.offset, password, unicast);
  const got = ah.datagram.subarray(ah.offset + ICV_OFFSET, ah.offset + ICV_OFFSET + ICV_LENGTH);
  if (!constantTimeEqual(got, expected)) return drop('auth_failure', 'IPsec AH: the HMAC-MD5 does not match');
  if (ah.spi !== parseAddress(src).readUInt32BE(0)) {
    return drop('auth_failure', `IPsec AH: SPI ${ah.spi} is not the sender's address`);
  }
  return undefined;
}

/** Reads the AH header at `offset` of an IPv4 datagram; the VRRP message follows it. */
export function decodeAhHeader(datagram: Buffer, offset: number): AhHeader | Drop {
  if (datagram.length < offset + AH_LENGTH) return drop('packet_length', 'shorter than an AH header');
  const next = datagram.readUInt8(offset);
  if (next !== VRRP_PROTOCOL) return drop('ip_header', `AH for protocol ${next}, not VRRP`);
  if (datagram.readUInt8(offset + 1) !== AH_PAYLOAD_LENGTH) {
    return drop('auth_failure', 'IPsec AH: not HMAC-MD5-96 (payload length)');
  }
  return { spi: datagram.readUInt32BE(offset + 4), seq: datagram.readUInt32BE(offset + 8), datagram, offset };
}

function icv(datagram: Buffer, ahOffset: number, password: string | undefined, unicast: boolean): Buffer {
  const copy = Buffer.from(datagram);
  copy.writeUInt8(0, 1); // TOS
  copy.writeUInt16BE(0, 6); // flags and fragment offset
  copy.writeUInt16BE(0, 10); // header checksum
  if (unicast) copy.writeUInt8(0, 8);
  copy.fill(0, ahOffset + ICV_OFFSET, ahOffset + ICV_OFFSET + ICV_LENGTH);
  return crypto().createHmac('md5', passwordBytes(password)).update(copy).digest().subarray(0, ICV_LENGTH);
}
