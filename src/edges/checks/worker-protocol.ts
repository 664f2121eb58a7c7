/** Messages between the daemon and the check thread (worker-main.ts); plain data, structured-clone safe. */

import type { ResultReporting } from '../../core/checks/reporting.js';
import type { CheckSpec } from '../../core/checks/spec.js';
import type { CheckResult } from '../../core/tracking/types.js';

/** A check's timing (delay_loop, retry, delay_before_retry, warmup) travels in its spec. */
export type WorkerRequest =
  | { op: 'start'; id: number; spec: CheckSpec; reporting: ResultReporting }
  | { op: 'stop'; id: number };

export type WorkerReply = { id: number; result: CheckResult } | { id: number; stopped: true };
