import { describe, expect, it } from 'vitest';
import { ipPacket, LINKTYPE, readPcap } from '../helpers/pcap.js';
import { keepalivedVectors } from './fixtures.js';

const frame = Buffer.from(keepalivedVectors()[0]?.frame_hex ?? '', 'hex');
const ipv4 = frame.subarray(14);

/** A classic pcap file in memory. */
function pcap(opts: {
  bigEndian?: boolean;
  nano?: boolean;
  linkType: number;
  records: Buffer[];
  tail?: Buffer;
}): Buffer {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    if (opts.bigEndian) b.writeUInt32BE(n);
    else b.writeUInt32LE(n);
    return b;
  };
  const u16 = (n: number) => {
    const b = Buffer.alloc(2);
    if (opts.bigEndian) b.writeUInt16BE(n);
    else b.writeUInt16LE(n);
    return b;
  };
  const parts: Buffer[] = [
    u32(opts.nano ? 0xa1b23c4d : 0xa1b2c3d4),
    u16(2),
    u16(4),
    u32(0),
    u32(0),
    u32(65535),
    u32(opts.linkType),
  ];
  opts.records.forEach((data, i) => {
    parts.push(
      u32(1_700_000_000 + i),
      u32(opts.nano ? 123_456_789 : 123_456),
      u32(data.length),
      u32(data.length),
      data,
    );
  });
  if (opts.tail) parts.push(opts.tail);
  return Buffer.concat(parts);
}

describe('readPcap', () => {
  it('reads little-endian µs files', () => {
    const records = readPcap(pcap({ linkType: LINKTYPE.ethernet, records: [frame, frame] }));
    expect(records.map((r) => r.ts)).toEqual([1_700_000_000.123456, 1_700_000_001.123456]);
    expect(records[0]?.data.equals(frame)).toBe(true);
    expect(records[0]).toMatchObject({ linkType: 1, origLen: frame.length });
  });

  it('reads big-endian ns files', () => {
    const [r] = readPcap(pcap({ bigEndian: true, nano: true, linkType: LINKTYPE.ethernet, records: [frame] }));
    expect(r?.ts).toBeCloseTo(1_700_000_000.123457, 6);
    expect(r?.data.equals(frame)).toBe(true);
  });

  it('leaves out a truncated last record', () => {
    const buf = pcap({ linkType: 1, records: [frame], tail: Buffer.from('0000000000000000ff000000', 'hex') });
    expect(readPcap(buf)).toHaveLength(1);
  });

  it('refuses what is not a classic pcap file', () => {
    expect(() => readPcap(Buffer.from('0a0d0d0a'.repeat(8), 'hex'))).toThrow(/pcapng/);
    expect(() => readPcap(Buffer.alloc(4))).toThrow(/not a pcap/);
  });
});

describe('ipPacket', () => {
  it('strips Ethernet and 802.1Q tags', () => {
    const tagged = Buffer.concat([frame.subarray(0, 12), Buffer.from('8100002a', 'hex'), frame.subarray(12)]);
    const [plain, vlan] = readPcap(pcap({ linkType: LINKTYPE.ethernet, records: [frame, tagged] }));
    expect(plain && ipPacket(plain)).toEqual({ family: 4, packet: ipv4, vlans: [] });
    expect(vlan && ipPacket(vlan)).toEqual({ family: 4, packet: ipv4, vlans: [42] });
  });

  it('reads Linux cooked captures (tcpdump -i any) v1 and v2, and raw IP', () => {
    const sll = Buffer.concat([Buffer.from('0000000100065a374b8d5f8500000800', 'hex'), ipv4]);
    const sll2 = Buffer.concat([Buffer.from('0800000000000002000100065a374b8d5f850000', 'hex'), ipv4]);
    for (const [linkType, data] of [
      [LINKTYPE.linuxSll, sll],
      [LINKTYPE.linuxSll2, sll2],
      [LINKTYPE.raw, ipv4],
    ] as const) {
      const [r] = readPcap(pcap({ linkType, records: [data] }));
      expect(r && ipPacket(r)).toEqual({ family: 4, packet: ipv4, vlans: [] });
    }
  });

  it('returns undefined for ARP and unknown link types', () => {
    const garp = keepalivedVectors().find((v) => v.kind === 'garp');
    expect(garp).toBeDefined();
    const arp = Buffer.from(garp!.frame_hex, 'hex');
    expect(arp.readUInt16BE(12)).toBe(0x0806); // really an ARP frame, so the undefined below is for that reason
    const [a] = readPcap(pcap({ linkType: LINKTYPE.ethernet, records: [arp] }));
    const [u] = readPcap(pcap({ linkType: 999, records: [frame] }));
    expect(a).toBeDefined();
    expect(u).toBeDefined();
    expect(ipPacket(a!)).toBeUndefined();
    expect(ipPacket(u!)).toBeUndefined();
  });
});
