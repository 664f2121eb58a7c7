/**
 * What a capture shows of VRRP: for each advert in a list of Ethernet frames, its time, source,
 * VRID, priority and version. Used by the integration tests, the demo and the failover benchmark.
 */
import { decodeIpv4Datagram } from '../../src/core/codec/ipv4.js';
import { decodeIpv6Header } from '../../src/core/codec/ipv6.js';
import type { PcapRecord } from './pcap.js';

export interface WireAdvert {
  ts: number;
  family: 4 | 6;
  src: string;
  dst: string;
  ttl: number;
  version: number;
  vrid: number;
  priority: number;
  message: Buffer;
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VRRP_PROTOCOL = 112;

export function vrrpAdverts(frames: PcapRecord[]): WireAdvert[] {
  const out: WireAdvert[] = [];
  for (const f of frames) {
    if (f.data.length < 14) continue;
    const type = f.data.readUInt16BE(12);
    const ip = f.data.subarray(14);
    let a: Omit<WireAdvert, 'version' | 'vrid' | 'priority'> | undefined;
    if (type === ETHERTYPE_IPV4) {
      const d = decodeIpv4Datagram(ip);
      if (d.ok) a = { ts: f.ts, family: 4, src: d.src, dst: d.dst, ttl: d.ttl, message: d.payload };
    } else if (type === ETHERTYPE_IPV6) {
      const d = decodeIpv6Header(ip);
      if (d && d.nextHeader === VRRP_PROTOCOL)
        a = { ts: f.ts, family: 6, src: d.src, dst: d.dst, ttl: d.hopLimit, message: d.payload };
    }
    if (!a || a.message.length < 8) continue;
    out.push({ ...a, version: (a.message[0] ?? 0) >> 4, vrid: a.message[1] ?? 0, priority: a.message[2] ?? 0 });
  }
  return out;
}
