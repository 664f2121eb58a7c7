/** Messages between the daemon and the check thread (worker-main.ts); plain data, structured-clone safe. */
import type { CheckResult } from '../../core/tracking/types.js';
import type { CreateCheckOptions } from './scheduler.js';
import type { CheckSpec } from './spec.js';

export type WorkerCheckOptions = Pick<CreateCheckOptions, 'intervalMs' | 'retry' | 'delayBeforeRetryMs' | 'warmupMs'>;

export type WorkerRequest =
  | { op: 'start'; id: number; spec: CheckSpec; opts: WorkerCheckOptions }
  | { op: 'stop'; id: number };

export type WorkerReply = { id: number; result: CheckResult } | { id: number; stopped: true };
