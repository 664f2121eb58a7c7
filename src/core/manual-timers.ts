/**
 * TimerPorts on a clock that moves only when told to: time passes by firing the next timer. The daemon's failover
 * rehearsal drives a scratch runner with them (daemon/vrrp/rehearsal.ts), and the runner and daemon tests use them as
 * their fake clock.
 */
import type { TimerPort } from './ports.js';
import type { Millis } from './time.js';

export interface ManualTimer {
  at: Millis;
  armed: boolean;
  fire: () => void;
}

export class ManualTimers {
  now: Millis;
  readonly timers: ManualTimer[] = [];

  constructor(start = 1000) {
    this.now = start;
  }

  readonly clock = { now: () => this.now };

  readonly createTimer = (onFire: () => void): TimerPort => {
    const t: ManualTimer = { at: 0, armed: false, fire: onFire };
    this.timers.push(t);
    return {
      armAt: (at) => Object.assign(t, { at, armed: true }),
      disarm: () => Object.assign(t, { armed: false }),
      close: () => Object.assign(t, { armed: false }),
    };
  };

  /** The earliest armed timer due by `until` (any, without a bound), now disarmed and the clock at its time. */
  takeNext(until = Number.POSITIVE_INFINITY): ManualTimer | undefined {
    const t = this.timers.filter((x) => x.armed && x.at <= until).sort((a, b) => a.at - b.at)[0];
    if (!t) return undefined;
    this.now = Math.max(this.now, t.at);
    t.armed = false;
    return t;
  }

  /** Fires the earliest armed timer, the clock moved to its deadline; false when none is armed. */
  fireNext(): boolean {
    const t = this.takeNext();
    t?.fire();
    return t !== undefined;
  }
}
