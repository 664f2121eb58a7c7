/**
 * Property tests: no byte sequence makes a decoder throw, and every refusal is a known reason. Inputs are
 * random (seeded, so a failure reproduces), every truncation and every single-bit flip of the real vectors.
 */
import { describe, expect, it } from 'vitest';
import { DROP_REASONS, decodeAdvert, type ReceiveExpectation, type RxInfo } from '../../src/core/codec/advert.js';
import { decodeEthernetFrame } from '../../src/core/codec/ethernet.js';
import { decodeGarp, decodeUnsolicitedNa } from '../../src/core/codec/frames.js';
import { decodeIpv4Datagram } from '../../src/core/codec/ipv4.js';
import { decodeIpv6Header } from '../../src/core/codec/ipv6.js';
import { expectationOf, keepalivedVectors, prng, vrrpInFrame } from './fixtures.js';

const random = prng(0x5eed);
const int = (n: number) => Math.floor(random() * n);
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

const RX: RxInfo[] = [
  { family: 4, src: '10.0.0.1', dst: '224.0.0.18', ttl: 255 },
  { family: 4, src: '10.0.0.1', dst: '10.0.0.2', ttl: 64 },
  { family: 6, src: 'fe80::1', dst: 'ff02::12', ttl: 255 },
  { family: 6, src: 'fe80::1', dst: 'fe80::2', ttl: 3 },
];

const EXPECTATIONS: (ReceiveExpectation | undefined)[] = [
  undefined,
  expectationOf(2, ['10.0.0.10'], 1000),
  expectationOf(2, ['10.0.0.10'], 1000, 'pw'),
  expectationOf(3, ['10.0.0.10', '10.0.0.11'], 1000),
  expectationOf(3, ['fe80::10', '2001:db8::10'], 100),
  { ...expectationOf(3, [], 1000), minTtl: 10, maxTtl: 200, checkUnicastSrc: true, unicastPeers: ['10.0.0.9'] },
  { ...expectationOf(3, ['fe80::10'], 1000), priority: 255, ownerIgnoreAdverts: true, requireLinkLocalFirst: true },
];

/** Every outcome must be a result object: accepted with an advert, or dropped with a known reason. */
function expectWellFormed(message: Buffer, rx: RxInfo, e: ReceiveExpectation | undefined): void {
  const r = decodeAdvert(message, rx, () => e);
  if (r.ok) {
    expect(r.advert.addresses).toHaveLength(message.readUInt8(3));
  } else {
    expect(DROP_REASONS).toContain(r.reason);
  }
}

const good = keepalivedVectors()
  .map((v) => vrrpInFrame(Buffer.from(v.frame_hex, 'hex')))
  .filter((c) => c !== undefined);

describe('decoders never throw', () => {
  it('decodeAdvert on 20 000 random messages (0..80 bytes, v2/v3 headers likely)', () => {
    for (let i = 0; i < 20_000; i++) {
      const m = bytes(int(81));
      // Bias half the inputs towards plausible headers so the later checks are reached too.
      if (m.length > 0 && random() < 0.5) m.writeUInt8(((2 + int(2)) << 4) | (random() < 0.9 ? 1 : int(16)), 0);
      if (m.length > 3 && random() < 0.5) m.writeUInt8(int(4), 3);
      expectWellFormed(m, RX[int(RX.length)] as RxInfo, EXPECTATIONS[int(EXPECTATIONS.length)]);
    }
  });

  it('decodeAdvert on every truncation and every single-bit flip of the keepalived adverts', () => {
    expect(good.length).toBe(8);
    for (const { message, rx } of good) {
      for (let n = 0; n <= message.length; n++) {
        for (const e of EXPECTATIONS) expectWellFormed(message.subarray(0, n), rx, e);
      }
      for (let bit = 0; bit < message.length * 8; bit++) {
        const m = Buffer.from(message);
        m.writeUInt8(m.readUInt8(bit >> 3) ^ (1 << (bit & 7)), bit >> 3);
        for (const e of EXPECTATIONS) expectWellFormed(m, rx, e);
      }
    }
  });

  it('a truncated advert is never accepted', () => {
    for (const { message, rx } of good) {
      const e = expectationOf((message.readUInt8(0) >> 4) as 2 | 3, [], 1000);
      for (let n = 0; n < message.length; n++) expect(decodeAdvert(message.subarray(0, n), rx, () => e).ok).toBe(false);
    }
  });

  it('decodeIpv4Datagram, decodeIpv6Header, decodeEthernetFrame, decodeGarp, decodeUnsolicitedNa on random bytes', () => {
    const frames = keepalivedVectors().map((v) => Buffer.from(v.frame_hex, 'hex'));
    for (let i = 0; i < 20_000; i++) {
      let buf = bytes(int(120));
      if (random() < 0.5) {
        // A real frame, cut short or with a few bytes changed.
        const f = Buffer.from(frames[int(frames.length)] as Buffer);
        for (let k = int(4); k > 0; k--) f.writeUInt8(int(256), int(f.length));
        buf = f.subarray(0, int(f.length + 1));
      }
      const ip = decodeIpv4Datagram(buf.subarray(14));
      if (!ip.ok) expect(DROP_REASONS).toContain(ip.reason);
      decodeIpv6Header(buf.subarray(14));
      decodeEthernetFrame(buf);
      decodeGarp(buf);
      decodeUnsolicitedNa(buf);
    }
  });
});
