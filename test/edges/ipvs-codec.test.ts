/** The IPVS generic netlink codec, byte by byte (the lab test runs it against a real kernel). */
import { describe, expect, it } from 'vitest';
import { AttrReader, AttrWriter, attr } from '../../src/edges/netlink/attributes.js';
import {
  addressText,
  decodeDest,
  decodeService,
  destAttr,
  genlBody,
  inetAddr,
  serviceAttr,
} from '../../src/edges/netlink/ipvs-codec.js';

describe('IPVS netlink codec', () => {
  it('attributes are length, type, payload, padded to 4 bytes', () => {
    expect(attr(6, Buffer.from('rr\0')).toString('hex')).toBe('0700060072720000');
    const read = new AttrReader().read(
      Buffer.concat([attr(1, Uint8Array.of(9)), attr(2 | 0x8000, Uint8Array.of(1, 2))]),
    );
    expect(read.bytes(2)).toEqual(Buffer.from([1, 2])); // the nested flag stripped
    expect(read.u8(1)).toBe(9);
    expect(read.u16(1)).toBeUndefined(); // too short for a u16
    expect(new AttrReader().read(Buffer.from([0xff, 0xff, 1, 0])).has(1)).toBe(false); // a bad length stops the walk
    // Numbers in host and network order, a 64-bit counter above 2^32, a string cut at its NUL.
    const n = Buffer.alloc(8);
    n.writeBigUInt64LE(0x1_2345_6789n);
    const more = new AttrReader().read(
      Buffer.concat([attr(3, Uint8Array.of(1, 2, 3, 4)), attr(4, n), attr(5, Buffer.from('wrr\0xx'))]),
    );
    expect([more.u32(3), more.be32(3), more.be16(3), more.u64(4), more.str(5)]).toEqual([
      0x04030201,
      0x01020304,
      0x0102,
      0x1_2345_6789,
      'wrr',
    ]);
    // Written into one buffer: every attribute padded with zeros, a nested one's length covering its children.
    const w = new AttrWriter(4); // grows as it goes
    w.u8(1, 7).nested(2, () => w.str(3, 'ab').be16(4, 80));
    expect(w.done().toString('hex')).toBe('05000100070000001400028007000300616200000600040000500000');
    // A reader is reused: a second read forgets the first block.
    expect(more.read(attr(6, Uint8Array.of(1))).has(3)).toBe(false);
  });

  it('addresses as the kernel union nf_inet_addr, and back in canonical text', () => {
    expect(inetAddr('10.0.0.1').toString('hex')).toBe('0a000001000000000000000000000000');
    expect(inetAddr('2001:db8::1').toString('hex')).toBe('20010db8000000000000000000000001');
    for (const a of ['2001:db8::1', '::1', 'fe80::1:0:0:2', '2001:db8:0:1:1:1:1:1', '::']) {
      expect(addressText(inetAddr(a), 6)).toBe(a);
    }
    expect(addressText(inetAddr('192.0.2.7'), 4)).toBe('192.0.2.7');
  });

  it('a service: AF, protocol, address, port (network order); with its parameters the netmask in network order', () => {
    const key = { family: 4 as const, protocol: 'TCP' as const, address: '10.0.0.100', port: 80 };
    const a = new Map<number, Buffer | undefined>();
    const service = new AttrReader()
      .read(serviceAttr(key, { scheduler: 'wrr', flags: 1, timeoutS: 60, netmask: 0xffffff00 }))
      .nested(1, new AttrReader());
    for (const t of [1, 2, 4, 6, 7, 9]) a.set(t, service?.bytes(t));
    expect(a.get(1)?.readUInt16LE(0)).toBe(2); // AF_INET
    expect(a.get(2)?.readUInt16LE(0)).toBe(6); // TCP
    expect(a.get(4)?.toString('hex')).toBe('0050');
    expect(a.get(6)?.toString()).toBe('wrr\0');
    expect(a.get(7)?.toString('hex')).toBe('01000000ffffffff');
    expect(a.get(9)?.toString('hex')).toBe('ffffff00');
    // Decoding what was encoded (as a GET_SERVICE reply carries it) gives the service back.
    const reply = serviceAttr(key, { scheduler: 'wrr', flags: 1, timeoutS: 60, netmask: 0xffffff00 });
    expect(decodeService(reply)).toMatchObject({ key, scheduler: 'wrr', flags: 1, timeoutS: 60, netmask: 0xffffff00 });
  });

  it('a destination round-trips, TUN options included; a broken row is a reason, not an exception', () => {
    const d = {
      address: '2001:db8::11',
      port: 8080,
      family: 6 as const,
      method: 'TUN' as const,
      tunnel: { type: 'gre' as const, port: 0, csum: 'csum' as const },
      weight: 5,
      upperThreshold: 9,
      lowerThreshold: 1,
    };
    expect(decodeDest(destAttr(d, d), 6)).toMatchObject({ ...d, tunnel: { type: 'gre', csum: 'csum' } });
    expect(decodeDest(Buffer.from([8, 0, 2, 0, 1, 2, 3, 4]), 4)).toBe('destination without address or port');
    expect(decodeService(Buffer.alloc(3))).toBe('no service attribute');
  });

  it('the generic netlink header: command, version 1, reserved', () => {
    expect(Buffer.from(genlBody(17, [])[0] as Uint8Array).toString('hex')).toBe('11010000');
  });
});
