/** The check thread's timers: due times rounded up to 10 ms slots, one underlying timer for the earliest slot. */
import { describe, expect, it } from 'vitest';
import { coalescedTimers } from '../../src/edges/checks/coalesced-timers.js';
import type { SchedulerTimers } from '../../src/edges/checks/scheduler.js';

/** A fake loop: a clock and the underlying timers, advanced by hand. */
function fakeLoop() {
  let t = 1000;
  let nextHandle = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  let armings = 0;
  const base: SchedulerTimers = {
    setTimeout: (fn, ms) => {
      armings++;
      const h = nextHandle++;
      pending.set(h, { at: t + ms, fn });
      return h;
    },
    clearTimeout: (h) => {
      pending.delete(h as number);
    },
  };
  return {
    now: () => t,
    base,
    get armings() {
      return armings;
    },
    get pending() {
      return pending.size;
    },
    /** Moves the clock to `to`, firing what falls due in order, as a loop would. */
    advance(to: number) {
      for (;;) {
        const due = [...pending.entries()].filter(([, p]) => p.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        pending.delete(due[0]);
        t = Math.max(t, due[1].at);
        due[1].fn();
      }
      t = to;
    },
  };
}

describe('coalescedTimers', () => {
  it('runs each callback at its due time rounded up to the slot, never before it', () => {
    const loop = fakeLoop();
    const timers = coalescedTimers(loop.now, loop.base);
    const ran: [string, number][] = [];
    timers.setTimeout(() => ran.push(['a', loop.now()]), 1); // due 1001 → slot 1010
    timers.setTimeout(() => ran.push(['b', loop.now()]), 9); // due 1009 → slot 1010
    timers.setTimeout(() => ran.push(['c', loop.now()]), 15); // due 1015 → slot 1020
    timers.setTimeout(() => ran.push(['d', loop.now()]), 0); // due 1000 → slot 1000
    loop.advance(1009);
    expect(ran).toEqual([['d', 1000]]);
    loop.advance(1030);
    expect(ran).toEqual([
      ['d', 1000],
      ['a', 1010],
      ['b', 1010],
      ['c', 1020],
    ]);
  });

  it('arms one underlying timer per slot, however many callbacks share it', () => {
    const loop = fakeLoop();
    const timers = coalescedTimers(loop.now, loop.base);
    let count = 0;
    for (let i = 0; i < 1000; i++) timers.setTimeout(() => count++, 1000 + (i % 10));
    expect(loop.pending).toBe(1);
    loop.advance(3000);
    expect(count).toBe(1000);
    expect(loop.armings).toBeLessThanOrEqual(2);
  });

  it('a later slot does not re-arm; an earlier one takes the underlying timer over', () => {
    const loop = fakeLoop();
    const timers = coalescedTimers(loop.now, loop.base);
    const ran: string[] = [];
    timers.setTimeout(() => ran.push('late'), 500);
    timers.setTimeout(() => ran.push('later'), 800);
    expect(loop.armings).toBe(1);
    timers.setTimeout(() => ran.push('early'), 100);
    expect(loop.armings).toBe(2);
    expect(loop.pending).toBe(1);
    loop.advance(2000);
    expect(ran).toEqual(['early', 'late', 'later']);
  });

  it('a cleared callback never runs; the others of its slot do', () => {
    const loop = fakeLoop();
    const timers = coalescedTimers(loop.now, loop.base);
    const ran: string[] = [];
    const h = timers.setTimeout(() => ran.push('cleared'), 5);
    timers.setTimeout(() => ran.push('kept'), 5);
    timers.clearTimeout(h);
    loop.advance(1100);
    expect(ran).toEqual(['kept']);
  });

  it('a callback may arm the next one (a check scheduling its next run), in this slot or a later one', () => {
    const loop = fakeLoop();
    const timers = coalescedTimers(loop.now, loop.base);
    const runs: number[] = [];
    const run = () => {
      runs.push(loop.now());
      if (runs.length < 4) timers.setTimeout(run, 1000);
    };
    timers.setTimeout(run, 0);
    loop.advance(10_000);
    expect(runs).toEqual([1000, 2000, 3000, 4000]);
  });

  it('a throwing callback surfaces on its own and the rest of the slot still runs', async () => {
    const loop = fakeLoop();
    const timers = coalescedTimers(loop.now, loop.base);
    const ran: string[] = [];
    // The uncaught exception is caught here, and vitest's own listeners are put back whatever happens.
    const original = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    try {
      const thrown = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve));
      timers.setTimeout(() => {
        throw new Error('boom');
      }, 5);
      timers.setTimeout(() => ran.push('after'), 5);
      loop.advance(1100);
      expect(ran).toEqual(['after']);
      const err = await Promise.race([thrown, new Promise((r) => setTimeout(() => r('nothing surfaced'), 2000))]);
      expect(String(err)).toContain('boom');
    } finally {
      process.removeAllListeners('uncaughtException');
      for (const l of original) process.on('uncaughtException', l);
    }
  });
});
