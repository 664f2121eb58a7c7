/**
 * The addon's timerfd timer and monotonic clock. Runs in-process (no privileges needed). Timing bounds here
 * are loose on purpose (CI machines stall); the lateness distribution is measured by
 * `native-probe.ts timer-bench` and only logged by the last test.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createTimer, monotonicNow } from '../../src/edges/hr-timer.js';
import { repoRoot } from '../helpers/native-probe-client.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Arms a timer at `at` and resolves with monotonicNow() at the fire (or undefined if none within waitMs). */
function fireTime(at: number, waitMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const guard = setTimeout(() => {
      timer.close();
      resolve(undefined);
    }, waitMs);
    const timer = createTimer(() => {
      const now = monotonicNow();
      clearTimeout(guard);
      timer.close();
      resolve(now);
    });
    timer.armAt(at);
  });
}

describe('native HrTimer and monotonicNow', () => {
  it('monotonicNow is CLOCK_MONOTONIC in ms, the same clock as process.hrtime', () => {
    const before = Number(process.hrtime.bigint()) / 1e6;
    const now = monotonicNow();
    const after = Number(process.hrtime.bigint()) / 1e6;
    expect(now).toBeGreaterThanOrEqual(before - 0.001);
    expect(now).toBeLessThanOrEqual(after + 0.001);
    const samples = Array.from({ length: 5 }, () => monotonicNow());
    expect(samples.some((t) => !Number.isInteger(t))).toBe(true); // sub-millisecond resolution
  });

  it('fires once, never before the deadline', async () => {
    for (const delay of [0.3, 1, 2.5, 7]) {
      const at = monotonicNow() + delay;
      const fired = await fireTime(at, 2_000);
      expect(fired, `delay ${delay}`).toBeDefined();
      expect(fired!).toBeGreaterThanOrEqual(at);
    }
  });

  it('a deadline in the past (or at 0) fires promptly', async () => {
    expect(await fireTime(monotonicNow() - 50, 2_000)).toBeDefined();
    expect(await fireTime(0, 2_000)).toBeDefined();
  });

  it('disarm prevents the fire, also when the deadline already passed before the loop saw it', async () => {
    let fired = 0;
    const timer = createTimer(() => {
      fired += 1;
    });
    timer.armAt(monotonicNow() + 5);
    timer.disarm();
    // Expired in the kernel while JS is busy, then disarmed before the event loop polls: must not fire.
    timer.armAt(monotonicNow() + 1);
    const spinUntil = monotonicNow() + 3;
    while (monotonicNow() < spinUntil) {
      // busy wait (bounded: 3 ms)
    }
    timer.disarm();
    await sleep(30);
    expect(fired).toBe(0);
    timer.close();
  });

  it('re-arming replaces the deadline (one fire, at the later time)', async () => {
    const fires: number[] = [];
    const timer = createTimer(() => fires.push(monotonicNow()));
    const late = monotonicNow() + 20;
    timer.armAt(monotonicNow() + 2);
    timer.armAt(late);
    await sleep(60);
    timer.close();
    expect(fires).toHaveLength(1);
    expect(fires[0]!).toBeGreaterThanOrEqual(late);
  });

  it('close() cancels a pending fire and is idempotent', async () => {
    let fired = 0;
    const timer = createTimer(() => {
      fired += 1;
    });
    timer.armAt(monotonicNow() + 2);
    timer.close();
    timer.close();
    timer.disarm(); // no-op after close
    await sleep(20);
    expect(fired).toBe(0);
    expect(() => timer.armAt(monotonicNow() + 1)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });

  it('the callback may re-arm its own timer (periodic use)', async () => {
    const fires: number[] = [];
    let deadline = monotonicNow() + 1;
    await new Promise<void>((resolve) => {
      const guard = setTimeout(resolve, 2_000);
      const timer = createTimer(() => {
        fires.push(monotonicNow() - deadline);
        if (fires.length === 10) {
          timer.close();
          clearTimeout(guard);
          resolve();
          return;
        }
        deadline = monotonicNow() + 1.5;
        timer.armAt(deadline);
      });
      timer.armAt(deadline);
    });
    expect(fires).toHaveLength(10);
    for (const late of fires) expect(late).toBeGreaterThanOrEqual(0);
  });

  it('measures lateness over 200 arms of 1–10 ms (logged, not asserted)', async () => {
    const lateness: number[] = [];
    await new Promise<void>((resolve) => {
      const guard = setTimeout(resolve, 10_000);
      let deadline = 0;
      const arm = (): void => {
        const i = lateness.length;
        deadline = monotonicNow() + 1 + ((i * 7) % 10) + (i % 4) * 0.25;
        timer.armAt(deadline);
      };
      const timer = createTimer(() => {
        lateness.push(monotonicNow() - deadline);
        if (lateness.length >= 200) {
          timer.close();
          clearTimeout(guard);
          resolve();
        } else {
          arm();
        }
      });
      arm();
    });
    expect(lateness).toHaveLength(200);
    expect(Math.min(...lateness)).toBeGreaterThanOrEqual(0);
    const s = [...lateness].sort((a, b) => a - b);
    const q = (f: number): string => (s[Math.min(s.length - 1, Math.floor(f * s.length))] ?? NaN).toFixed(3);
    console.log(
      `HrTimer lateness ms over ${s.length}: min ${q(0)} median ${q(0.5)} p90 ${q(0.9)} p99 ${q(0.99)} max ${q(1)}`,
    );
  });

  it('a worker thread that ends with open timers is torn down cleanly (no crash on unload)', () => {
    const addon = `${repoRoot}/native/build/Release/vipd_native.node`;
    const worker = `const b = require(${JSON.stringify(addon)});
      const armed = new b.HrTimer(() => {}); armed.armAt(b.monotonicNow() + 60000);
      const idle = new b.HrTimer(() => {});
      require('node:worker_threads').parentPort.postMessage('open');`;
    const main = `const { Worker } = require('node:worker_threads');
      let ended = 0;
      for (let i = 0; i < 3; i++) {
        const w = new Worker(${JSON.stringify(worker)}, { eval: true });
        w.once('message', () => w.terminate().then(() => { if (++ended === 3) console.log('all terminated'); }));
      }`;
    const out = execFileSync(process.execPath, ['-e', main], { encoding: 'utf8', timeout: 15_000 });
    expect(out.trim()).toBe('all terminated');
  });
});
