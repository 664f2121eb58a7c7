/**
 * The wire fuzzer's own frames, in-process: each crafted category trips the check it was made for, every frame is
 * a drop with a sound IPv4 header (the kernel delivers it), and a seed gives the same frames again.
 */
import { describe, expect, it } from 'vitest';
import { decodeIpv4Datagram } from '../../src/core/codec/ipv4.js';
import { FUZZ_CATEGORIES, type FuzzTarget, WireFuzzer } from '../helpers/wire-fuzz.js';

const target: FuzzTarget = {
  vrid: 51,
  vip: '192.0.2.100',
  advertIntervalMs: 100,
  src: '10.0.0.9',
  mac: Buffer.from([2, 0, 0, 0, 0, 9]),
};

const INTENDED: Partial<Record<(typeof FUZZ_CATEGORIES)[number], string[]>> = {
  ttl: ['ip_ttl'],
  version: ['version'],
  'v2-on-v3': ['version'],
  type: ['invalid_type'],
  checksum: ['checksum'],
  'zero-interval': ['interval_zero'],
  'other-vrid': ['vrid'],
  truncated: ['packet_length'],
};

describe('wire fuzzer frames', () => {
  it('covers every category, each crafted one dropped for its own reason, all with a sound IPv4 header', () => {
    const fuzzer = new WireFuzzer(target, 11);
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < 20_000; i++) {
      const f = fuzzer.next();
      const reasons = seen.get(f.category) ?? new Set<string>();
      reasons.add(f.expected);
      seen.set(f.category, reasons);
      const ip = decodeIpv4Datagram(f.frame.subarray(14));
      expect(ip.ok).toBe(true);
    }
    expect([...seen.keys()].sort()).toEqual([...FUZZ_CATEGORIES].sort());
    for (const [category, reasons] of Object.entries(INTENDED)) {
      expect([...(seen.get(category) ?? [])], category).toEqual(reasons);
    }
    // The free-form ones land on several checks.
    expect(seen.get('random')?.size).toBeGreaterThan(2);
    expect(seen.get('bit-flip')?.size).toBeGreaterThan(2);
  });

  it('is reproducible from its seed', () => {
    const a = new WireFuzzer(target, 5);
    const b = new WireFuzzer(target, 5);
    for (let i = 0; i < 500; i++) expect(a.next().frame.equals(b.next().frame)).toBe(true);
  });
});
