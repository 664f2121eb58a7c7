/**
 * The announcements a new master sends for its addresses, built as whole Ethernet frames for the
 * AF_PACKET sender, and read back from captures: gratuitous ARP for IPv4 (RFC 5227 §2.3 announcement)
 * and unsolicited Neighbor Advertisement for IPv6 (RFC 4861 §7.2.6), both exactly as keepalived sends them.
 */
import { internetChecksum, pseudoHeader } from './checksum.js';
import {
  BROADCAST_MAC,
  decodeEthernetFrame,
  ETHERTYPE,
  encodeEthernetFrame,
  formatMac,
  ipv6MulticastMac,
} from './ethernet.js';
import { addressFamily, formatAddress, parseAddress } from './ip-address.js';
import { decodeIpv6Header, encodeIpv6Header } from './ipv6.js';

export { virtualMac } from './ethernet.js';

// --- Gratuitous ARP -------------------------------------------------------------------------------

const ARP_LENGTH = 28;
const ARP_HTYPE_ETHERNET = 1;
const ARP_OPCODE = { request: 1, reply: 2 } as const;
export type ArpOpcode = keyof typeof ARP_OPCODE;

/**
 * An ARP request broadcast with sender IP = target IP = the address and target MAC ff:ff:ff:ff:ff:ff, as
 * keepalived 2.2.7 sends it (RFC 5227 would put zeros there; receivers ignore the field). Some switches
 * only learn from replies (IPaddr2 experience), hence `opcode`.
 */
export function encodeGarp(mac: Buffer, ipv4: string, opts: { opcode?: ArpOpcode } = {}): Buffer {
  assertMac(mac);
  if (addressFamily(ipv4) !== 4) throw new RangeError(`GARP needs an IPv4 address, got ${ipv4}`);
  const ip = parseAddress(ipv4);
  const arp = Buffer.alloc(ARP_LENGTH);
  arp.writeUInt16BE(ARP_HTYPE_ETHERNET, 0);
  arp.writeUInt16BE(ETHERTYPE.ipv4, 2);
  arp.writeUInt8(6, 4);
  arp.writeUInt8(4, 5);
  arp.writeUInt16BE(ARP_OPCODE[opts.opcode ?? 'request'], 6);
  mac.copy(arp, 8);
  ip.copy(arp, 14);
  BROADCAST_MAC.copy(arp, 18);
  ip.copy(arp, 24);
  return encodeEthernetFrame(BROADCAST_MAC, mac, ETHERTYPE.arp, arp);
}

export interface Garp {
  ethDst: string;
  ethSrc: string;
  opcode: ArpOpcode;
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

/** The fields of a gratuitous ARP (sender IP = target IP); undefined for any other frame, ordinary ARP included. */
export function decodeGarp(frame: Buffer): Garp | undefined {
  const eth = decodeEthernetFrame(frame);
  if (!eth || eth.etherType !== ETHERTYPE.arp || eth.payload.length < ARP_LENGTH) return undefined;
  const arp = eth.payload;
  const ethernetIpv4 =
    arp.readUInt16BE(0) === ARP_HTYPE_ETHERNET &&
    arp.readUInt16BE(2) === ETHERTYPE.ipv4 &&
    arp.readUInt8(4) === 6 &&
    arp.readUInt8(5) === 4;
  const op = arp.readUInt16BE(6);
  const opcode = op === ARP_OPCODE.request ? 'request' : op === ARP_OPCODE.reply ? 'reply' : undefined;
  if (!ethernetIpv4 || !opcode) return undefined;
  const senderIp = formatAddress(arp.subarray(14, 18));
  const targetIp = formatAddress(arp.subarray(24, 28));
  if (senderIp !== targetIp) return undefined;
  return {
    ethDst: eth.dst,
    ethSrc: eth.src,
    opcode,
    senderMac: formatMac(arp.subarray(8, 14)),
    senderIp,
    targetMac: formatMac(arp.subarray(18, 24)),
    targetIp,
  };
}

// --- Unsolicited Neighbor Advertisement ----------------------------------------------------------

const ICMPV6_PROTOCOL = 58;
const ND_NEIGHBOR_ADVERT = 136;
const NA_FLAG = { router: 0x80, solicited: 0x40, override: 0x20 } as const;
const NA_LENGTH = 24;
const OPTION_TARGET_LINK_LAYER_ADDRESS = 2;
const ALL_NODES = 'ff02::1';
const ND_HOP_LIMIT = 255;

/**
 * An NA to all nodes, sourced from the address itself as keepalived does, with Override set (and Router
 * when the interface forwards IPv6) and a Target Link-Layer Address option carrying `mac`.
 */
export function encodeUnsolicitedNa(mac: Buffer, ipv6: string, opts: { router: boolean }): Buffer {
  assertMac(mac);
  if (addressFamily(ipv6) !== 6) throw new RangeError(`unsolicited NA needs an IPv6 address, got ${ipv6}`);
  const icmp = Buffer.alloc(NA_LENGTH + 8);
  icmp.writeUInt8(ND_NEIGHBOR_ADVERT, 0);
  icmp.writeUInt8(NA_FLAG.override | (opts.router ? NA_FLAG.router : 0), 4);
  parseAddress(ipv6).copy(icmp, 8);
  icmp.writeUInt8(OPTION_TARGET_LINK_LAYER_ADDRESS, NA_LENGTH);
  icmp.writeUInt8(1, NA_LENGTH + 1); // option length in units of 8 bytes
  mac.copy(icmp, NA_LENGTH + 2);
  icmp.writeUInt16BE(icmpv6Checksum(ipv6, ALL_NODES, icmp), 2);
  const ip = encodeIpv6Header({
    src: ipv6,
    dst: ALL_NODES,
    hopLimit: ND_HOP_LIMIT,
    nextHeader: ICMPV6_PROTOCOL,
    payloadLength: icmp.length,
  });
  return encodeEthernetFrame(ipv6MulticastMac(ALL_NODES), mac, ETHERTYPE.ipv6, Buffer.concat([ip, icmp]));
}

export interface UnsolicitedNa {
  ethDst: string;
  ethSrc: string;
  src: string;
  dst: string;
  hopLimit: number;
  router: boolean;
  override: boolean;
  target: string;
  /** From the Target Link-Layer Address option, when present. */
  targetMac: string | undefined;
  checksumValid: boolean;
}

/** The fields of an unsolicited NA (S flag clear); undefined for any other frame. */
export function decodeUnsolicitedNa(frame: Buffer): UnsolicitedNa | undefined {
  const eth = decodeEthernetFrame(frame);
  if (!eth || eth.etherType !== ETHERTYPE.ipv6) return undefined;
  const ip = decodeIpv6Header(eth.payload);
  if (!ip || ip.nextHeader !== ICMPV6_PROTOCOL || ip.payload.length < NA_LENGTH) return undefined;
  const icmp = ip.payload;
  if (icmp.readUInt8(0) !== ND_NEIGHBOR_ADVERT || icmp.readUInt8(1) !== 0) return undefined;
  const flags = icmp.readUInt8(4);
  if (flags & NA_FLAG.solicited) return undefined;
  return {
    ethDst: eth.dst,
    ethSrc: eth.src,
    src: ip.src,
    dst: ip.dst,
    hopLimit: ip.hopLimit,
    router: (flags & NA_FLAG.router) !== 0,
    override: (flags & NA_FLAG.override) !== 0,
    target: formatAddress(icmp.subarray(8, 24)),
    targetMac: targetLinkLayerAddress(icmp.subarray(NA_LENGTH)),
    checksumValid: icmpv6Checksum(ip.src, ip.dst, icmp) === 0,
  };
}

/** Over a message whose checksum field is zero this yields the checksum; over a correct one, zero. */
function icmpv6Checksum(src: string, dst: string, icmp: Buffer): number {
  return internetChecksum(pseudoHeader(6, src, dst, icmp.length, ICMPV6_PROTOCOL), icmp);
}

/** Walks ND options (RFC 4861 §4.6: type, length in 8-byte units, value) for the target's MAC. */
function targetLinkLayerAddress(options: Buffer): string | undefined {
  let at = 0;
  while (at + 2 <= options.length) {
    const length = options.readUInt8(at + 1) * 8;
    if (length === 0 || at + length > options.length) return undefined;
    if (options.readUInt8(at) === OPTION_TARGET_LINK_LAYER_ADDRESS && length >= 8) {
      return formatMac(options.subarray(at + 2, at + 8));
    }
    at += length;
  }
  return undefined;
}

function assertMac(mac: Buffer): void {
  if (mac.length !== 6) throw new RangeError(`a MAC address has 6 bytes, got ${mac.length}`);
}
