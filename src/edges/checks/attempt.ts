/**
 * The frame every socket probe of the LVS checkers shares (DNS, SMTP, UDP, PING): exactly one verdict, from the
 * probe, from the connect_timeout deadline or from an abort; the probe's resources released exactly once, at the
 * verdict; the latency measured from the start.
 */
import type { CheckResult } from '../../core/tracking/types.js';
import { errCode, since } from './reasons.js';

export type Finish = (ok: boolean, reason: string) => void;

export interface AttemptOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** The verdict when the deadline passes (default: down, 'timeout'). */
  onDeadline?: readonly [ok: boolean, reason: string];
}

/**
 * Runs `start(finish)`, which opens what the attempt needs and returns how to release it. Never rejects: a throw
 * from `start` is a down verdict with the error's code.
 */
export function attempt(o: AttemptOptions, start: (finish: Finish) => (() => void) | undefined): Promise<CheckResult> {
  const began = performance.now();
  return new Promise<CheckResult>((resolve) => {
    if (o.signal?.aborted) {
      resolve({ ok: false, reason: 'aborted', latencyMs: 0 });
      return;
    }
    let settled = false;
    let release: (() => void) | undefined;
    const finish: Finish = (ok, reason) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      release?.();
      resolve({ ok, reason, latencyMs: since(began) });
    };
    const onAbort = () => finish(false, 'aborted');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const [deadlineOk, deadlineReason] = o.onDeadline ?? [false, 'timeout'];
    const timer = setTimeout(() => finish(deadlineOk, deadlineReason), o.timeoutMs);
    try {
      release = start(finish);
      if (settled) release?.(); // finished synchronously, before `release` was known
    } catch (err) {
      finish(false, `error: ${errCode(err)}`);
    }
  });
}
