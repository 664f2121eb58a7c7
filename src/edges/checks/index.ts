/**
 * The health-check engine: TCP_CHECK, HTTP_GET, SSL_GET and MISC_CHECK / vrrp_script (keepalived.md §1d, §2,
 * §3f), independent of what consumes the results.
 *
 *   probe(spec, signal)          one attempt → CheckResult (never rejects)
 *   createCheck(spec, opts)      periodic runs with retry / delay_before_retry / warmup, never overlapping
 *   scheduleCheck(spec, onResult) the same with the timing taken from the spec (keepalived defaults)
 *   checkScriptSecurity(path)    enable_script_security, for the caller at config / start time
 */

import { type CheckSpec, withDefaults } from '../../core/checks/spec.js';
import type { CheckResult } from '../../core/tracking/types.js';
import { native } from '../native.js';
import { coalescedTimers } from './coalesced-timers.js';
import { type CheckHandle, type CreateCheckOptions, createCheck, type SchedulerTimers } from './scheduler.js';

export type {
  CheckSpec,
  CheckTiming,
  CheckType,
  HttpCheckSpec,
  HttpUrl,
  MiscCheckSpec,
  NetCheckOptions,
  ResolvedCheckSpec,
  ResolvedHttpCheck,
  ResolvedMiscCheck,
  ResolvedTcpCheck,
  TcpCheckSpec,
} from '../../core/checks/spec.js';
export { CHECKER_DEFAULTS, withDefaults } from '../../core/checks/spec.js';
export { hostHeader, httpProbe, sniFor, USER_AGENT } from './http.js';
export { checkScriptSecurity, miscProbe, scriptOutcome } from './misc.js';
export { probe } from './probe.js';
export type { CheckHandle, CreateCheckOptions, ProbeFn, SchedulerTimers } from './scheduler.js';
export { createCheck } from './scheduler.js';
export { tcpProbe } from './tcp.js';

let threadTimers: SchedulerTimers | undefined;

/** This thread's check timers (coalesced-timers.ts), made when first needed. */
function checkTimers(): SchedulerTimers {
  threadTimers ??= coalescedTimers(native.loopNow, {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  });
  return threadTimers;
}

/**
 * createCheck with delay_loop, retry, delay_before_retry and warmup from the spec (defaults applied), on the
 * thread's coalesced timers unless `extra` gives others.
 */
export function scheduleCheck(
  spec: CheckSpec,
  onResult: (r: CheckResult) => void,
  extra: Pick<CreateCheckOptions, 'random' | 'timers'> = {},
): CheckHandle {
  const s = withDefaults(spec);
  return createCheck(s, {
    intervalMs: s.delayLoopMs,
    retry: s.retry,
    delayBeforeRetryMs: s.delayBeforeRetryMs,
    warmupMs: s.warmupMs,
    onResult,
    timers: checkTimers(),
    ...extra,
  });
}
