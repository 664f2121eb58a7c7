import { getEventListeners } from 'node:events';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/core/tracking/types.js';
import {
  type CheckSpec,
  createCheck,
  type ProbeFn,
  probe,
  type SchedulerTimers,
  scheduleCheck,
} from '../../src/edges/checks/index.js';
import { alive, close, expectNoLeaks, listen, sleep, snapshot, unacceptingListener, waitFor } from './helpers.js';

/** Manual timers: records every requested delay; fire() runs the earliest pending one. */
class ManualTimers implements SchedulerTimers {
  private next = 1;
  pending: { id: number; fn: () => void; ms: number }[] = [];
  delays: number[] = [];
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.push({ id, fn, ms });
    this.delays.push(ms);
    return id;
  }
  clearTimeout(h: unknown): void {
    this.pending = this.pending.filter((t) => t.id !== h);
  }
  /** Runs the first pending timer, then lets the promises it started settle. */
  async fire(): Promise<void> {
    const t = this.pending.shift();
    if (!t) throw new Error('no pending timer');
    t.fn();
    await flush();
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

const res = (ok: boolean, reason = ok ? 'ok' : 'refused'): CheckResult => ({ ok, reason, latencyMs: 1 });

/** A probe returning the scripted results in order (then the last one forever), counting calls. */
function scripted(results: CheckResult[]): ProbeFn & { calls: number } {
  const fn = Object.assign(
    async (_signal: AbortSignal) => {
      const r = results[Math.min(fn.calls, results.length - 1)] as CheckResult;
      fn.calls++;
      return r;
    },
    { calls: 0 },
  );
  return fn;
}

describe('createCheck scheduling', () => {
  it('one run = first attempt + `retry` retries spaced delay_before_retry, reporting one result', async () => {
    const timers = new ManualTimers();
    const results: CheckResult[] = [];
    const p = scripted([res(false, 'refused'), res(false, 'timeout'), res(false, 'status 503')]);
    const c = createCheck(undefined, {
      intervalMs: 10_000,
      retry: 2,
      delayBeforeRetryMs: 700,
      warmupMs: 0,
      onResult: (r) => results.push(r),
      probe: p,
      timers,
    });
    c.start();
    expect(timers.delays).toEqual([0]);
    await timers.fire(); // attempt 1
    expect(p.calls).toBe(1);
    expect(results).toEqual([]);
    await timers.fire(); // attempt 2
    await timers.fire(); // attempt 3
    expect(p.calls).toBe(3);
    expect(results).toEqual([res(false, 'status 503')]);
    expect(timers.delays).toEqual([0, 700, 700, 10_000]);
    await c.stop();
    expect(timers.pending).toEqual([]);
  });

  it('a success ends the run early; the next run starts delay_loop after the end of the previous one', async () => {
    const timers = new ManualTimers();
    const results: CheckResult[] = [];
    const p = scripted([res(false), res(true), res(true)]);
    const c = createCheck(undefined, {
      intervalMs: 5000,
      retry: 3,
      delayBeforeRetryMs: 1000,
      warmupMs: 0,
      onResult: (r) => results.push(r),
      probe: p,
      timers,
    });
    c.start();
    await timers.fire();
    await timers.fire();
    expect(results).toEqual([res(true)]);
    expect(timers.delays).toEqual([0, 1000, 5000]);
    await timers.fire();
    expect(results).toEqual([res(true), res(true)]);
    expect(p.calls).toBe(3);
    await c.stop();
  });

  it('retry 0 reports every attempt', async () => {
    const timers = new ManualTimers();
    const results: CheckResult[] = [];
    const c = createCheck(undefined, {
      intervalMs: 100,
      retry: 0,
      delayBeforeRetryMs: 1000,
      warmupMs: 0,
      onResult: (r) => results.push(r),
      probe: scripted([res(false), res(true)]),
      timers,
    });
    c.start();
    await timers.fire();
    await timers.fire();
    expect(results).toEqual([res(false), res(true)]);
    expect(timers.delays).toEqual([0, 100, 100]);
    await c.stop();
  });

  it('spreads the first run over [0, warmup] with the injected random', async () => {
    const first = (random: () => number, warmupMs: number) => {
      const timers = new ManualTimers();
      const c = createCheck(undefined, {
        intervalMs: 1000,
        retry: 0,
        delayBeforeRetryMs: 0,
        warmupMs,
        onResult: () => {},
        probe: scripted([res(true)]),
        random,
        timers,
      });
      c.start();
      void c.stop();
      return timers.delays[0];
    };
    expect(first(() => 0, 4000)).toBe(0);
    expect(first(() => 0.25, 4000)).toBe(1000);
    expect(first(() => 0.999, 4000)).toBeCloseTo(3996);
    let called = false;
    expect(
      first(() => {
        called = true;
        return 0.5;
      }, 0),
    ).toBe(0);
    expect(called).toBe(false);
    // Math.random by default, always within [0, warmup]
    for (let i = 0; i < 20; i++) {
      const d = first(Math.random, 300) as number;
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(300);
    }
  });

  it('never overlaps runs when a probe is slower than the interval', async () => {
    let active = 0;
    let maxActive = 0;
    const spans: [number, number][] = [];
    const slow: ProbeFn = async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      const t0 = performance.now();
      await sleep(60);
      spans.push([t0, performance.now()]);
      active--;
      return res(true);
    };
    const results: CheckResult[] = [];
    const c = createCheck(undefined, {
      intervalMs: 5,
      retry: 0,
      delayBeforeRetryMs: 0,
      warmupMs: 0,
      onResult: (r) => results.push(r),
      probe: slow,
    });
    const before = snapshot();
    c.start();
    await waitFor(() => results.length >= 4, 3000);
    await c.stop();
    expect(maxActive).toBe(1);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    const n = results.length;
    await sleep(100);
    expect(results.length).toBe(n); // nothing after stop()
    await expectNoLeaks(before);
  });

  it('keeps going when the event loop is free: the probe never blocks it', async () => {
    let ticks = 0;
    const iv = setInterval(() => ticks++, 5);
    const c = createCheck(undefined, {
      intervalMs: 1,
      retry: 0,
      delayBeforeRetryMs: 0,
      warmupMs: 0,
      onResult: () => {},
      probe: async () => {
        await sleep(30);
        return res(true);
      },
    });
    c.start();
    await sleep(200);
    await c.stop();
    clearInterval(iv);
    expect(ticks).toBeGreaterThan(10);
  });

  it('stop() aborts the attempt in flight, reports nothing more and leaves no timer', async () => {
    const timers = new ManualTimers();
    const results: CheckResult[] = [];
    let seenSignal: AbortSignal | undefined;
    let settled = false;
    const c = createCheck(undefined, {
      intervalMs: 1000,
      retry: 1,
      delayBeforeRetryMs: 10,
      warmupMs: 0,
      onResult: (r) => results.push(r),
      probe: (signal) =>
        new Promise<CheckResult>((resolve) => {
          seenSignal = signal;
          signal.addEventListener('abort', () =>
            setTimeout(() => {
              settled = true;
              resolve(res(false, 'aborted'));
            }, 20),
          );
        }),
      timers,
    });
    c.start();
    expect(c.running).toBe(true);
    await timers.fire();
    expect(seenSignal?.aborted).toBe(false);
    await c.stop();
    expect(seenSignal?.aborted).toBe(true);
    expect(settled).toBe(true); // stop() waited for the in-flight attempt
    expect(c.running).toBe(false);
    expect(results).toEqual([]);
    expect(timers.pending).toEqual([]);
    c.start(); // a stopped check stays stopped
    expect(timers.pending).toEqual([]);
  });

  it('stop() before the first run cancels the warmup timer', async () => {
    const timers = new ManualTimers();
    const p = scripted([res(true)]);
    const c = createCheck(undefined, {
      intervalMs: 1000,
      retry: 0,
      delayBeforeRetryMs: 0,
      warmupMs: 1000,
      random: () => 0.5,
      onResult: () => {},
      probe: p,
      timers,
    });
    c.start();
    c.start(); // idempotent
    expect(timers.pending).toHaveLength(1);
    await c.stop();
    expect(timers.pending).toEqual([]);
    expect(p.calls).toBe(0);
  });

  it('a probe that throws or rejects counts as a failed attempt', async () => {
    const timers = new ManualTimers();
    const results: CheckResult[] = [];
    const c = createCheck(undefined, {
      intervalMs: 1000,
      retry: 0,
      delayBeforeRetryMs: 0,
      warmupMs: 0,
      onResult: (r) => results.push(r),
      probe: () => {
        throw new Error('boom');
      },
      timers,
    });
    c.start();
    await timers.fire();
    expect(results).toEqual([{ ok: false, reason: 'error: Error: boom', latencyMs: 0 }]);
    expect(timers.delays).toEqual([0, 1000]);
    await c.stop();
  });
});

describe('scheduleCheck with real checks', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vipd-checks-sched-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes delay_loop, retry, delay_before_retry and warmup from the spec (keepalived defaults)', async () => {
    const timers = new ManualTimers();
    const p = await (async () => {
      const s = net.createServer();
      const port = await listen(s);
      await close(s);
      return port; // nobody listens: refused
    })();
    const results: CheckResult[] = [];
    const spec: CheckSpec = { type: 'HTTP_GET', connectIp: '127.0.0.1', connectPort: p, urls: [{ path: '/' }] };
    const c = scheduleCheck(spec, (r) => results.push(r), { timers, random: () => 0.5 });
    c.start();
    expect(timers.delays).toEqual([30_000]); // warmup = delay_loop 60 s, random 0.5
    await timers.fire();
    await waitFor(() => timers.pending.length > 0, 2000);
    expect(timers.delays).toEqual([30_000, 3000]); // HTTP delay_before_retry 3 s, retry 1
    await timers.fire();
    await waitFor(() => results.length > 0, 2000);
    expect(results).toMatchObject([{ ok: false, reason: 'refused' }]);
    expect(timers.delays).toEqual([30_000, 3000, 60_000]);
    await c.stop();
  });

  it("one abort signal for the check's life: the real probes leave no listener on it, run after run", async () => {
    const up = net.createServer((sock) => sock.destroy());
    const upPort = await listen(up);
    const refused = await (async () => {
      const s = net.createServer();
      const port = await listen(s);
      await close(s);
      return port;
    })();
    try {
      // Each probe type that listens for the abort: TCP (the engine), HTTP, the shared attempt frame (UDP), MISC.
      const specs: CheckSpec[] = [
        { type: 'TCP_CHECK', connectIp: '127.0.0.1', connectPort: upPort },
        { type: 'TCP_CHECK', connectIp: '127.0.0.1', connectPort: refused },
        { type: 'HTTP_GET', connectIp: '127.0.0.1', connectPort: refused, urls: [{ path: '/' }] },
        { type: 'UDP_CHECK', connectIp: '127.0.0.1', connectPort: refused },
        { type: 'MISC_CHECK', miscPath: ['true'] },
      ];
      for (const spec of specs) {
        const signals = new Set<AbortSignal>();
        let results = 0;
        const c = createCheck(spec, {
          intervalMs: 1,
          retry: 0,
          delayBeforeRetryMs: 0,
          warmupMs: 0,
          onResult: () => results++,
          probe: (signal) => {
            signals.add(signal);
            return probe(spec, signal);
          },
        });
        c.start();
        await waitFor(() => results >= 5, 5000);
        await c.stop();
        const [signal] = signals;
        expect(signals.size).toBe(1);
        expect(signal && getEventListeners(signal, 'abort')).toEqual([]);
      }
    } finally {
      await close(up);
    }
  });

  it('stop() during a TCP connect destroys the socket', async () => {
    const l = await unacceptingListener();
    try {
      const before = snapshot();
      const results: CheckResult[] = [];
      const c = scheduleCheck(
        { type: 'TCP_CHECK', connectIp: '127.0.0.1', connectPort: l.port, warmupMs: 0, connectTimeoutMs: 10_000 },
        (r) => results.push(r),
      );
      c.start();
      await sleep(100);
      await c.stop();
      expect(results).toEqual([]);
      await expectNoLeaks(before);
    } finally {
      await l.dispose();
    }
  });

  it('stop() during a MISC_CHECK run kills the script and its children', async () => {
    const s = path.join(dir, 'long.sh');
    writeFileSync(s, `#!/bin/sh\necho $$ > '${dir}/long.pid'\nsleep 30 &\necho $! > '${dir}/long-child.pid'\nwait\n`);
    chmodSync(s, 0o755);
    const before = snapshot();
    const results: CheckResult[] = [];
    const c = scheduleCheck({ type: 'MISC_CHECK', miscPath: [s], warmupMs: 0, killGraceMs: 200 }, (r) =>
      results.push(r),
    );
    c.start();
    const started = await waitFor(() => {
      try {
        return readFileSync(path.join(dir, 'long-child.pid'), 'utf8').trim() !== '';
      } catch {
        return false;
      }
    }, 2000);
    expect(started).toBe(true);
    await c.stop();
    const pids = ['long.pid', 'long-child.pid'].map((f) => Number(readFileSync(path.join(dir, f), 'utf8').trim()));
    expect(await waitFor(() => pids.every((p) => !alive(p)), 2000)).toBe(true);
    expect(results).toEqual([]);
    await expectNoLeaks(before);
  });

  it('runs a vrrp_script-like check repeatedly with no overlap and no leak', async () => {
    const s = path.join(dir, 'quick.sh');
    writeFileSync(s, '#!/bin/sh\nexit 0\n');
    chmodSync(s, 0o755);
    const before = snapshot();
    const results: CheckResult[] = [];
    const c = scheduleCheck(
      { type: 'MISC_CHECK', miscPath: [s], delayLoopMs: 20, warmupMs: 0, miscTimeoutMs: 1000 },
      (r) => results.push(r),
    );
    c.start();
    expect(await waitFor(() => results.length >= 3, 5000)).toBe(true);
    await c.stop();
    expect(results.every((r) => r.ok)).toBe(true);
    await expectNoLeaks(before);
  });
});
