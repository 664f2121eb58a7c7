import { describe, expect, it } from 'vitest';
import { advert, FakeRouter, params } from './harness.js';

const LOWER_MASTER = '192.0.2.20';

/** A backup of priority 200 with preempt_delay 10 s, started at t = 0, hearing a priority-100 master every second. */
function delayedBackup(): FakeRouter {
  const r = new FakeRouter(params({ priority: 200, preemptDelayMs: 10_000 }));
  r.handle({ type: 'startup' });
  return r;
}

describe('preempt_delay (keepalived, not in the RFCs)', () => {
  it('preempt_delay: lower-priority adverts are accepted until startup + delay; takeover one Master_Down_Interval after the last', () => {
    const r = delayedBackup();
    for (let t = 1000; t < 10_000; t += 1000) {
      r.clock.now = t;
      expect(r.handle(advert(100, LOWER_MASTER))).toHaveLength(1); // accepted: down timer reset
    }
    r.clock.now = 10_000; // the delay has run out: from now on the lower master is discarded
    expect(r.handle(advert(100, LOWER_MASTER))).toEqual([]);
    r.clock.now = 11_000;
    expect(r.handle(advert(100, LOWER_MASTER))).toEqual([]);
    r.fire('masterDown');
    expect(r.transitions().at(-1)).toEqual({
      at: 9000 + 3000 + 218.75,
      from: 'BACKUP',
      to: 'MASTER',
      cause: 'master-down-timer',
    });
  });

  it('preempt_delay: an advert of at least our priority stops the delay; the next lower master starts a new one', () => {
    const r = delayedBackup();
    for (let t = 1000; t < 30_000; t += 1000) {
      r.clock.now = t;
      r.handle(advert(250, '192.0.2.30'));
    }
    // Long after startup + delay, a lower master appears: accepted for another 10 s.
    for (let t = 30_000; t < 40_000; t += 1000) {
      r.clock.now = t;
      expect(r.handle(advert(100, LOWER_MASTER))).toHaveLength(1);
    }
    r.clock.now = 40_000;
    expect(r.handle(advert(100, LOWER_MASTER))).toEqual([]);
    expect(r.state).toBe('BACKUP');
  });

  it('preempt_delay: without it the first lower-priority advert is discarded', () => {
    const r = new FakeRouter(params({ priority: 200 }));
    r.handle({ type: 'startup' });
    r.clock.now = 1000;
    expect(r.handle(advert(100, LOWER_MASTER))).toEqual([]);
  });

  it('preempt_delay: after leaving MASTER the delay starts afresh at the first lower-priority advert', () => {
    const r = delayedBackup();
    r.fire('masterDown'); // master at 3218.75, within the startup delay
    r.clock.now = 4000;
    r.handle(advert(250, '192.0.2.30')); // yields to a higher master
    expect(r.state).toBe('BACKUP');
    // keepalived clears preempt_time on leaving MASTER: the startup delay (until 10 s) no longer counts,
    // and the first lower advert, at 5 s, starts a new one that runs until 15 s.
    for (let t = 5000; t < 15_000; t += 1000) {
      r.clock.now = t;
      expect(r.handle(advert(100, LOWER_MASTER))).toHaveLength(1);
    }
    r.clock.now = 15_000;
    expect(r.handle(advert(100, LOWER_MASTER))).toEqual([]);
  });
});
