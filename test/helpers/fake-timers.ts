/** TimerPorts on a fake monotonic clock, for runner and daemon tests: time moves only when a test moves it. */
import type { TimerPort } from '../../src/core/ports.js';

export interface FakeTimer {
  at: number;
  armed: boolean;
  fire: () => void;
}

export class FakeTimers {
  now: number;
  readonly timers: FakeTimer[] = [];

  constructor(start = 1000) {
    this.now = start;
  }

  readonly clock = { now: () => this.now };

  readonly createTimer = (onFire: () => void): TimerPort => {
    const t: FakeTimer = { at: 0, armed: false, fire: onFire };
    this.timers.push(t);
    return {
      armAt: (at) => Object.assign(t, { at, armed: true }),
      disarm: () => Object.assign(t, { armed: false }),
      close: () => Object.assign(t, { armed: false }),
    };
  };

  /** The earliest armed timer due by `until` (any, without a bound), now disarmed and the clock at its time. */
  takeNext(until = Number.POSITIVE_INFINITY): FakeTimer | undefined {
    const t = this.timers.filter((x) => x.armed && x.at <= until).sort((a, b) => a.at - b.at)[0];
    if (!t) return undefined;
    this.now = Math.max(this.now, t.at);
    t.armed = false;
    return t;
  }
}
