/**
 * A small reader for classic pcap files (tcpdump -w): either byte order, µs or ns timestamps, and the
 * link types our captures and test vectors use (Ethernet, Linux cooked v1/v2, raw IP, Frame Relay).
 */
import { readFileSync } from 'node:fs';
import { decodeEthernetFrame, ETHERTYPE } from '../../src/core/codec/ethernet.js';

export interface PcapRecord {
  /** Capture time in seconds (fractional, µs or ns precision as the file has it). */
  ts: number;
  /** The captured bytes (possibly fewer than on the wire: see origLen). */
  data: Buffer;
  /** Length on the wire. */
  origLen: number;
  /** LINKTYPE_* of the file, telling how `data` is framed. */
  linkType: number;
}

export const LINKTYPE = { ethernet: 1, raw: 101, frameRelay: 107, linuxSll: 113, linuxSll2: 276 } as const;

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;

/** Every complete record of the file; a truncated last record is left out, as tcpdump does. */
export function readPcap(input: string | Buffer): PcapRecord[] {
  const buf = typeof input === 'string' ? readFileSync(input) : input;
  if (buf.length < GLOBAL_HEADER) throw new Error(`not a pcap file: ${buf.length} bytes`);
  const format = fileFormat(buf);
  const u32 = (at: number) => (format.littleEndian ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const linkType = u32(20) & 0x0fffffff; // the top bits carry FCS information
  const records: PcapRecord[] = [];
  let at = GLOBAL_HEADER;
  while (at + RECORD_HEADER <= buf.length) {
    const capLen = u32(at + 8);
    const start = at + RECORD_HEADER;
    if (start + capLen > buf.length) break;
    records.push({
      ts: u32(at) + u32(at + 4) / format.fractionsPerSecond,
      data: buf.subarray(start, start + capLen),
      origLen: u32(at + 12),
      linkType,
    });
    at = start + capLen;
  }
  return records;
}

function fileFormat(buf: Buffer): { littleEndian: boolean; fractionsPerSecond: number } {
  for (const littleEndian of [true, false]) {
    const magic = littleEndian ? buf.readUInt32LE(0) : buf.readUInt32BE(0);
    if (magic === MAGIC_MICRO) return { littleEndian, fractionsPerSecond: 1e6 };
    if (magic === MAGIC_NANO) return { littleEndian, fractionsPerSecond: 1e9 };
  }
  throw new Error(`not a classic pcap file (magic 0x${buf.readUInt32BE(0).toString(16)}); pcapng is not supported`);
}

export interface IpPacket {
  family: 4 | 6;
  /** The IP header and everything after it (link padding included: the IP decoders cut it off). */
  packet: Buffer;
  /** VLAN IDs of stripped 802.1Q tags (Ethernet only). */
  vlans: number[];
}

/** The IPv4 or IPv6 packet inside a record, or undefined for anything else (ARP, other link types...). */
export function ipPacket(record: PcapRecord): IpPacket | undefined {
  const link = networkLayer(record);
  if (!link) return undefined;
  const family = link.etherType === ETHERTYPE.ipv4 ? 4 : link.etherType === ETHERTYPE.ipv6 ? 6 : undefined;
  return family ? { family, packet: link.payload, vlans: link.vlans } : undefined;
}

interface NetworkLayer {
  etherType: number;
  payload: Buffer;
  vlans: number[];
}

function networkLayer(r: PcapRecord): NetworkLayer | undefined {
  const d = r.data;
  switch (r.linkType) {
    case LINKTYPE.ethernet: {
      const eth = decodeEthernetFrame(d);
      return eth && { etherType: eth.etherType, payload: eth.payload, vlans: eth.vlans };
    }
    case LINKTYPE.raw: {
      const version = d.length > 0 ? d.readUInt8(0) >> 4 : 0;
      const etherType = version === 4 ? ETHERTYPE.ipv4 : version === 6 ? ETHERTYPE.ipv6 : 0;
      return { etherType, payload: d, vlans: [] };
    }
    case LINKTYPE.linuxSll: // tcpdump -i any (v1): 16-byte header, protocol last
      return d.length < 16 ? undefined : { etherType: d.readUInt16BE(14), payload: d.subarray(16), vlans: [] };
    case LINKTYPE.linuxSll2: // tcpdump -i any (v2): 20-byte header, protocol first
      return d.length < 20 ? undefined : { etherType: d.readUInt16BE(0), payload: d.subarray(20), vlans: [] };
    case LINKTYPE.frameRelay:
      return frameRelay(d);
    default:
      return undefined;
  }
}

/** Q.922 address (ends at the byte with EA set), then RFC 2427 UI + NLPID, or a Cisco-style EtherType. */
function frameRelay(d: Buffer): NetworkLayer | undefined {
  let at = 0;
  while (at < d.length && at < 4 && ((d[at] ?? 0) & 1) === 0) at++;
  at++;
  if (at + 2 > d.length) return undefined;
  if (d[at] === 0x03) {
    const nlpid = d[at + 1];
    const etherType = nlpid === 0xcc ? ETHERTYPE.ipv4 : nlpid === 0x8e ? ETHERTYPE.ipv6 : 0;
    return { etherType, payload: d.subarray(at + 2), vlans: [] };
  }
  return { etherType: d.readUInt16BE(at), payload: d.subarray(at + 2), vlans: [] };
}
