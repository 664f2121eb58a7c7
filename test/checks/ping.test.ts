/** PING_CHECK: the echo bytes and reply matching (the real echoes over the raw socket: ping.lab.test.ts). */
import { describe, expect, it } from 'vitest';
import { internetChecksum } from '../../src/core/codec/checksum.js';
import { encodeEcho, isEchoReply } from '../../src/edges/checks/ping.js';

describe('PING_CHECK', () => {
  it('an ICMPv4 echo request with its checksum; ICMPv6 left to the kernel', () => {
    const v4 = encodeEcho(4, 0x1234, 7, Buffer.from('ab'));
    // 0x0800 + 0x1234 + 0x0007 + 0x6162 = 0x7b9d; its one's complement is 0x8462.
    expect(v4.toString('hex')).toBe('08008462123400076162');
    expect(internetChecksum(v4)).toBe(0);
    expect(encodeEcho(6, 1, 2, Buffer.alloc(0)).toString('hex')).toBe('8000000000010002');
  });

  it('a reply matches only its identifier and sequence (IPv4 after the IP header)', () => {
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    const reply = Buffer.concat([ip, Buffer.from('0000000012340007', 'hex')]);
    expect(isEchoReply(4, reply, 0x1234, 7)).toBe(true);
    expect(isEchoReply(4, reply, 0x1234, 8)).toBe(false);
    expect(isEchoReply(6, Buffer.from('8100000012340007', 'hex'), 0x1234, 7)).toBe(true);
    expect(isEchoReply(6, Buffer.from('8000000012340007', 'hex'), 0x1234, 7)).toBe(false); // a request
  });
});
