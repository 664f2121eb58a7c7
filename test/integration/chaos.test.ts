/**
 * The chaos run's short form (scripts/chaos.ts runs the long ones): three vipd, then two vipd with a keepalived,
 * each under a seeded sequence of faults across every kind (kill -9, SIGTERM, restart, link down, partition,
 * tracker flap, reload, interface re-created, primary address removed, VIP, route and VMAC deleted by hand).
 * Outside the Master_Down_Interval + 100 ms after each fault and recovery there is exactly one holder among the
 * nodes that are up and reachable; r1 (the highest priority) holds at the end with its route; nobody after stop.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Impl, runChaos } from '../helpers/chaos.js';
import { canRunNetns, Lab } from '../helpers/netns.js';

const FAULTS = Number(process.env.VIPD_CHAOS_FAULTS ?? 14);

describe.skipIf(!canRunNetns())('chaos (short form)', () => {
  let lab: Lab | undefined;
  afterEach(() => lab?.destroy());

  it.each<[string, Impl[], number]>([
    ['three vipd', ['vipd'], 4],
    ['two vipd and keepalived', ['vipd', 'vipd', 'keepalived'], 5],
  ])(
    `%s: ${FAULTS} seeded faults keep one holder; the best node holds at the end; none after stop`,
    async (_, impls, seed) => {
      lab = Lab.create('chaos', ['r1', 'r2', 'r3']);
      const r = await runChaos(lab, impls, seed, FAULTS);
      expect(r.violations).toEqual([]);
      expect(r.noneMs + r.severalMs).toBe(0);
      expect(r.holderAtEnd).toBe('r1');
      expect(r.routeOnHolder).toBe(true);
      expect(r.holdersAfterStop).toEqual([]);
    },
    240_000,
  );
});
