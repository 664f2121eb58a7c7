/**
 * Fuzzing on the wire: a sender in its own namespace fires malformed and mutated adverts (test/helpers/wire-fuzz.ts)
 * at a vipd master as fast as its socket takes them. vipd must not crash nor change state, keep advertising on time,
 * and count every packet that reached it under the reason it was dropped for. The short form runs here
 * (VIPD_FUZZ_PACKETS, 20 000 by default); `npm run fuzz:wire` runs 10^6.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab } from '../helpers/netns.js';
import { runWireFuzz } from '../helpers/wire-fuzz-run.js';

const COUNT = Number(process.env.VIPD_FUZZ_PACKETS ?? 20_000);

describe.skipIf(!canRunNetns())('wire fuzzing', () => {
  let lab: Lab | undefined;
  afterEach(() => lab?.destroy());

  it(`${COUNT} malformed adverts: no crash, no state change, adverts on time, every packet counted by reason`, async () => {
    lab = Lab.create('fuzz', ['r1', 'gen', 'client']);
    const r = await runWireFuzz(lab, COUNT, 20261126);
    expect(r.sender.sent).toBe(COUNT);
    expect(r.alive).toBe(true);
    expect(r.transitionsDuring).toBe(0);
    // Every packet is accounted for: counted by vipd under a reason, or dropped by the kernel at its full socket.
    expect(r.countedTotal + r.socketDrops).toBe(COUNT);
    // and vipd's own status says what the kernel dropped at its sockets, to the packet.
    expect(r.vipdSocketOverflow).toBe(r.kernelSocketDrops);
    if (r.socketDrops === 0) expect(r.counted).toEqual(r.sender.byReason);
    else
      for (const [reason, n] of Object.entries(r.counted))
        expect(n).toBeLessThanOrEqual(r.sender.byReason[reason] ?? 0);
    // Adverts kept coming on time: never a gap a backup would take for a dead master (3 intervals).
    expect(r.advertGapsMs.length).toBeGreaterThan(5);
    expect(Math.max(...r.advertGapsMs)).toBeLessThan(250);
  }, 120_000);
});
