/**
 * Ethernet II framing for the frames vipd sends itself (gratuitous ARP, unsolicited NA) and reads back
 * from captures, plus the MAC addresses VRRP defines (RFC 9568 §7.3).
 */
import type { Family } from '../net.js';
import { parseAddress } from './ip-address.js';

export const ETHERNET_HEADER_LENGTH = 14;
export const ETHERTYPE = { ipv4: 0x0800, arp: 0x0806, ipv6: 0x86dd } as const;
/** 802.1Q C-tag and 802.1ad S-tag: four bytes each, stripped on decode. */
const VLAN_TAGS = new Set([0x8100, 0x88a8]);
const VLAN_TAG_LENGTH = 4;

export const BROADCAST_MAC: Buffer = Buffer.alloc(6, 0xff);

/** 00:00:5e:00:01:VRID for IPv4, 00:00:5e:00:02:VRID for IPv6. */
export function virtualMac(vrid: number, family: Family): Buffer {
  return Buffer.from([0x00, 0x00, 0x5e, 0x00, family === 4 ? 0x01 : 0x02, vrid & 0xff]);
}

/** The group MAC of an IPv6 multicast address: 33:33 and its last 32 bits (RFC 2464 §7). */
export function ipv6MulticastMac(group: string): Buffer {
  return Buffer.concat([Buffer.from([0x33, 0x33]), parseAddress(group).subarray(12, 16)]);
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function encodeEthernetFrame(dst: Uint8Array, src: Uint8Array, etherType: number, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(ETHERNET_HEADER_LENGTH);
  header.set(dst.subarray(0, 6), 0);
  header.set(src.subarray(0, 6), 6);
  header.writeUInt16BE(etherType, 12);
  return Buffer.concat([header, payload]);
}

export interface EthernetFrame {
  dst: string;
  src: string;
  etherType: number;
  /** VLAN IDs of the tags that were stripped, outermost first. */
  vlans: number[];
  payload: Buffer;
}

export function decodeEthernetFrame(frame: Buffer): EthernetFrame | undefined {
  if (frame.length < ETHERNET_HEADER_LENGTH) return undefined;
  let at = 12;
  const vlans: number[] = [];
  while (VLAN_TAGS.has(frame.readUInt16BE(at))) {
    if (frame.length < at + VLAN_TAG_LENGTH + 2) return undefined;
    vlans.push(frame.readUInt16BE(at + 2) & 0x0fff);
    at += VLAN_TAG_LENGTH;
  }
  return {
    dst: formatMac(frame.subarray(0, 6)),
    src: formatMac(frame.subarray(6, 12)),
    etherType: frame.readUInt16BE(at),
    vlans,
    payload: frame.subarray(at + 2),
  };
}
