/**
 * Runs a check periodically, keepalived-style: the first run after a random delay in [0, warmup], then one
 * run every delay_loop counted from the end of the previous run, so runs never overlap. A run is the first
 * attempt plus up to `retry` more after a failure, spaced delay_before_retry; it reports one CheckResult
 * (the last attempt's, latency included: retry pauses are not counted). Everything is timers and promises: nothing blocks.
 *
 * stop() cancels the pending timer and aborts the attempt in flight (its socket is destroyed, its script
 * terminated); no result is reported after stop(). Its promise settles once the attempt in flight has.
 */

import type { CheckSpec } from '../../core/checks/spec.js';
import type { CheckResult } from '../../core/tracking/types.js';
import { probe } from './probe.js';

export type ProbeFn = (signal: AbortSignal) => Promise<CheckResult>;

export interface SchedulerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface CreateCheckOptions {
  /** delay_loop / vrrp_script interval. */
  intervalMs: number;
  /** Extra attempts after a failed one, within one run. */
  retry: number;
  delayBeforeRetryMs: number;
  /** First run at random() * warmupMs (0: at once). */
  warmupMs: number;
  onResult(result: CheckResult): void;
  /** [0, 1) source for the warmup (default Math.random). */
  random?: (() => number) | undefined;
  /** Replaces the real probe of `spec` (tests, or a caller wrapping the probe). */
  probe?: ProbeFn | undefined;
  /** Default: the global setTimeout / clearTimeout. */
  timers?: SchedulerTimers | undefined;
}

import type { CheckHandle } from '../../core/ports.js';

export type { CheckHandle };

const realTimers: SchedulerTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export function createCheck(spec: CheckSpec | undefined, opts: CreateCheckOptions): CheckHandle {
  const run: ProbeFn =
    opts.probe ??
    ((signal) => {
      if (!spec) throw new TypeError('createCheck: no spec and no probe');
      return probe(spec, signal);
    });
  const timers = opts.timers ?? realTimers;
  const random = opts.random ?? Math.random;
  const nonNeg = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0);
  const retries = Math.floor(nonNeg(opts.retry));

  let state: 'idle' | 'running' | 'stopped' = 'idle';
  let timer: unknown;
  // One for the check's life, not one per attempt: only stop() aborts, and nothing runs after it.
  const controller = new AbortController();
  let inFlight: Promise<unknown> | undefined;

  const schedule = (ms: number, fn: () => void) => {
    timer = timers.setTimeout(() => {
      timer = undefined;
      if (state === 'running') fn();
    }, nonNeg(ms));
  };

  const attempt = async (): Promise<CheckResult> => {
    const p = Promise.resolve()
      .then(() => run(controller.signal))
      .catch((err: unknown): CheckResult => ({ ok: false, reason: `error: ${String(err)}`, latencyMs: 0 }));
    inFlight = p;
    try {
      return await p;
    } finally {
      inFlight = undefined;
    }
  };

  const startRun = (attemptNo: number) => {
    void attempt().then((r) => {
      if (state !== 'running') return;
      if (!r.ok && attemptNo < retries) {
        schedule(opts.delayBeforeRetryMs, () => startRun(attemptNo + 1));
        return;
      }
      try {
        opts.onResult(r);
      } catch (err) {
        // A throwing consumer is a bug: surface it like a throw in an event handler, keep checking.
        process.nextTick(() => {
          throw err;
        });
      }
      if (state === 'running') schedule(opts.intervalMs, () => startRun(0));
    });
  };

  return {
    get running() {
      return state === 'running';
    },
    start() {
      if (state !== 'idle') return;
      state = 'running';
      const warmup = nonNeg(opts.warmupMs);
      const delay = warmup > 0 ? Math.min(warmup, Math.max(0, random()) * warmup) : 0;
      schedule(delay, () => startRun(0));
    },
    async stop() {
      state = 'stopped';
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      controller.abort();
      if (inFlight) await inFlight.catch(() => {});
    },
  };
}
