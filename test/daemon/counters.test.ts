/** Timer lateness: figures since start, and the largest over the last 10 seconds (one slot per second, reused). */
import { describe, expect, it } from 'vitest';
import { LatenessStats } from '../../src/daemon/vrrp/counters.js';

describe('LatenessStats', () => {
  it('keeps the largest since start, and a recent largest that forgets after 10 s', () => {
    const s = new LatenessStats();
    s.record(80, 1_000); // a start-up delay
    s.record(2, 5_000);
    expect(s.maxMs).toBe(80);
    expect(s.recentMaxMs(5_000)).toBe(80);
    s.record(3, 11_500);
    expect(s.recentMaxMs(11_500)).toBe(3); // the 80 ms of second 1 is out of the window
    s.record(40, 12_000);
    expect(s.recentMaxMs(12_100)).toBe(40);
    expect(s.recentMaxMs(30_000)).toBe(0);
    expect(s.maxMs).toBe(80);
    expect(s.count).toBe(4);
  });
});
