import { describe, expect, it } from 'vitest';
import { masterDownIntervalMs, skewTimeMs } from '../../src/core/vrrp/timers.js';
import { FakeRouter, params } from './harness.js';

describe('timer formulas (RFC 9568 §6.1, RFC 3768 §6.1)', () => {
  it('RFC9568-6.1-1 v3 Skew_Time = (256 − Priority) × Master_Adver_Interval / 256, exact below a millisecond', () => {
    expect(skewTimeMs(3, 254, 10)).toBe(0.078125); // 78.125 µs: integer ms would say 0
    expect(skewTimeMs(3, 100, 1000)).toBe(609.375);
    expect(skewTimeMs(3, 255, 1000)).toBe(3.90625);
    expect(skewTimeMs(3, 1, 40950)).toBe(40790.0390625);
  });

  it('RFC9568-6.1-1 v3 Skew_Time scales with the interval, not with whole seconds', () => {
    expect(skewTimeMs(3, 100, 100)).toBe(60.9375);
    expect(skewTimeMs(3, 100, 2000)).toBe(1218.75);
  });

  it('RFC9568-6.1-2 v3 Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time', () => {
    expect(masterDownIntervalMs(3, 100, 1000)).toBe(3 * 1000 + 609.375);
    expect(masterDownIntervalMs(3, 254, 10)).toBe(30.078125);
    expect(masterDownIntervalMs(3, 200, 500)).toBe(1500 + 109.375);
  });

  it('RFC9568-6.1-2 down_timer_adverts replaces the 3 and leaves the skew alone (keepalived)', () => {
    expect(masterDownIntervalMs(3, 100, 1000, 5)).toBe(5 * 1000 + 609.375);
    expect(masterDownIntervalMs(3, 100, 1000, 1)).toBe(1000 + 609.375);
  });

  it('RFC3768-6.1-1 v2 Skew_Time = (256 − Priority)/256 s whatever the interval', () => {
    expect(skewTimeMs(2, 100, 1000)).toBe(609.375);
    expect(skewTimeMs(2, 254, 1000)).toBe(7.8125);
    expect(skewTimeMs(2, 255, 1000)).toBe(3.90625);
  });

  it('RFC3768-6.1-1 v2 Skew_Time does not scale with a longer interval', () => {
    expect(skewTimeMs(2, 100, 5000)).toBe(609.375);
    expect(skewTimeMs(2, 100, 5000)).not.toBe(skewTimeMs(3, 100, 5000));
  });

  it('RFC3768-6.1-2 v2 Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time', () => {
    expect(masterDownIntervalMs(2, 100, 1000)).toBe(3 * 1000 + 609.375);
    expect(masterDownIntervalMs(2, 200, 2000)).toBe(3 * 2000 + 218.75);
  });

  it('RFC9568-6.1-1 the skew follows the effective priority; an owner always uses 255', () => {
    const backup = new FakeRouter(params({ priority: 100 }));
    backup.handle({ type: 'startup' });
    backup.handle({ type: 'priority', effective: 150 });
    expect(backup.machine.snapshot()).toMatchObject({ effectivePriority: 150, skewTimeMs: 414.0625 });
    expect(backup.machine.snapshot().masterDownIntervalMs).toBe(3000 + 414.0625);

    const owner = new FakeRouter(params({ priority: 255 }));
    owner.handle({ type: 'priority', effective: 200 });
    expect(owner.machine.snapshot()).toMatchObject({ effectivePriority: 255, skewTimeMs: 3.90625 });
  });
});

describe('advert deadlines are absolute', () => {
  it('a late fire does not push the next advert later; a whole interval behind starts again from now', () => {
    const r = new FakeRouter(params({ priority: 255, initialState: 'MASTER', advertIntervalMs: 100 }));
    r.handle({ type: 'startup' });
    expect(r.state).toBe('MASTER');
    const due = r.deadline('adver') as number;
    r.clock.now = due + 3; // fired 3 ms late
    r.handle({ type: 'timer', timer: 'adver', gen: r.gen('adver') as number });
    expect(r.deadline('adver')).toBe(due + 100);
    const due2 = r.deadline('adver') as number;
    r.clock.now = due2 + 250; // stalled for more than an interval
    r.handle({ type: 'timer', timer: 'adver', gen: r.gen('adver') as number });
    expect(r.deadline('adver')).toBe(due2 + 350);
  });
});
