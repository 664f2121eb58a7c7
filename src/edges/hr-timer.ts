/** TimerPort on the addon's timerfd, and the monotonic clock its deadlines are measured in. */
import type { TimerPort } from '../core/ports.js';
import type { Millis } from '../core/time.js';
import { native } from './native.js';

/** CLOCK_MONOTONIC in fractional milliseconds; the daemon's Clock, so now() and timer deadlines agree. */
export const monotonicNow: () => Millis = native.monotonicNow;

/**
 * A one-shot timer precise below a millisecond. It keeps the process alive only while armed.
 * After close(), armAt() throws (EBADF) and a pending fire never happens.
 */
export function createTimer(onFire: () => void): TimerPort {
  const timer = new native.HrTimer(onFire);
  return {
    armAt: (at) => timer.armAt(at),
    disarm: () => timer.disarm(),
    close: () => timer.close(),
  };
}
