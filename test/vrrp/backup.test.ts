import { describe, expect, it } from 'vitest';
import type { InstanceParams } from '../../src/core/vrrp/types.js';
import { advert, FakeRouter, kinds, params } from './harness.js';

const PEER = '192.0.2.20';

/** A router that started at t = 0 and is in BACKUP. */
function backup(over: Partial<InstanceParams> = {}): FakeRouter {
  const r = new FakeRouter(params(over));
  r.handle({ type: 'startup' });
  return r;
}

describe('Backup state (RFC 9568 §6.4.2, RFC 3768 §6.4.2)', () => {
  it('RFC9568-6.4.2-6 / RFC3768-6.4.2-4 shutdown cancels Master_Down_Timer, notifies STOP and returns to INIT', () => {
    for (const version of [2, 3] as const) {
      const r = backup({ version });
      r.clock.now = 500;
      expect(r.handle({ type: 'shutdown' })).toEqual([
        { type: 'cancel-timer', timer: 'masterDown' },
        { type: 'transition', from: 'BACKUP', to: 'INIT', cause: 'shutdown' },
        { type: 'notify', state: 'STOP', priority: 100 },
      ]);
      expect(r.state).toBe('INIT');
    }
  });

  it('RFC9568-6.4.2-6 a stopping backup sends no priority-0 advert and touches no VIPs', () => {
    const actions = backup().handle({ type: 'shutdown' });
    expect(actions.some((a) => a.type === 'send-advert' || a.type === 'remove-vips')).toBe(false);
  });

  it('RFC9568-6.4.2-7 / RFC3768-6.4.2-5 Master_Down_Timer fires: advert, VIPs, GARP, Adver_Timer, then MASTER', () => {
    for (const version of [2, 3] as const) {
      const r = backup({ version });
      expect(r.fire('masterDown')).toEqual([
        { type: 'send-advert', priority: 100 },
        { type: 'add-vips' },
        { type: 'garp', repeat: 5, reason: 'master' },
        { type: 'set-timer', timer: 'adver', at: 3609.375 + 1000, gen: 2 },
        { type: 'set-timer', timer: 'garp', at: 3609.375 + 5000, gen: 3 },
        { type: 'transition', from: 'BACKUP', to: 'MASTER', cause: 'master-down-timer' },
        { type: 'notify', state: 'MASTER', priority: 100 },
      ]);
      expect(r.clock.now).toBe(3 * 1000 + 609.375);
    }
  });

  it('RFC9568-6.4.2-7 an accepted advert postpones the takeover to one Master_Down_Interval after it', () => {
    const r = backup();
    r.clock.now = 2000;
    r.handle(advert(150, PEER));
    expect(r.deadline('masterDown')).toBe(2000 + 3609.375);
    r.fire('masterDown');
    expect(r.transitions().at(-1)).toEqual({ at: 5609.375, from: 'BACKUP', to: 'MASTER', cause: 'master-down-timer' });
  });

  it('RFC9568-6.4.2-8 / RFC3768-6.4.2-6 a priority-0 advert cuts Master_Down_Timer to Skew_Time', () => {
    for (const version of [2, 3] as const) {
      const r = backup({ version });
      r.clock.now = 1000;
      expect(r.handle(advert(0, PEER))).toEqual([{ type: 'set-timer', timer: 'masterDown', at: 1609.375, gen: 2 }]);
      expect(r.fire('masterDown')).toContainEqual({
        type: 'transition',
        from: 'BACKUP',
        to: 'MASTER',
        cause: 'priority-0-advert',
      });
    }
  });

  it('RFC9568-6.4.2-8 v3 at 10 ms, priority 254 waits only 78.125 µs after a priority-0 advert', () => {
    const r = backup({ priority: 254, advertIntervalMs: 10 });
    r.clock.now = 20;
    r.handle(advert(0, PEER, 10));
    expect(r.deadline('masterDown')).toBe(20.078125);
  });

  it('RFC9568-6.4.2-8 a non-zero advert re-arms the full Master_Down_Interval, never Skew_Time', () => {
    const r = backup();
    r.clock.now = 1000;
    r.handle(advert(100, PEER));
    expect(r.deadline('masterDown')).toBe(1000 + 3609.375);
    r.handle(advert(0, PEER));
    r.clock.now = 1200;
    r.handle(advert(150, PEER));
    expect(r.deadline('masterDown')).toBe(1200 + 3609.375);
    r.fire('masterDown');
    expect(r.transitions().at(-1)?.cause).toBe('master-down-timer');
  });

  it('RFC9568-6.4.2-9 v3 adopts the master interval, recomputes Skew_Time and Master_Down_Interval, resets the timer', () => {
    const r = backup({ advertIntervalMs: 1000 });
    r.clock.now = 700;
    expect(kinds(r.handle(advert(200, PEER, 500)))).toEqual(['set-timer:masterDown']);
    expect(r.deadline('masterDown')).toBe(700 + 3 * 500 + 304.6875);
    expect(r.machine.snapshot()).toMatchObject({
      masterAdverIntervalMs: 500,
      skewTimeMs: 304.6875,
      masterDownIntervalMs: 1804.6875,
      masterAddress: PEER,
    });
  });

  it('RFC9568-6.4.2-9 equal priority is accepted in BACKUP whatever the addresses (no tie-break here)', () => {
    const r = backup({ primaryAddress: '192.0.2.200' });
    r.clock.now = 300;
    r.handle(advert(100, '192.0.2.1'));
    expect(r.deadline('masterDown')).toBe(300 + 3609.375);
    expect(r.machine.snapshot().masterAddress).toBe('192.0.2.1');
  });

  it('RFC9568-6.4.2-9 with nopreempt a lower-priority advert is accepted and resets the timer', () => {
    const r = backup({ preempt: false, priority: 200 });
    r.clock.now = 2000;
    r.handle(advert(50, PEER, 250));
    expect(r.deadline('masterDown')).toBe(2000 + 750 + (56 * 250) / 256);
  });

  it('RFC3768-6.4.2-7 v2 resets the timer to 3 × its own interval + skew and keeps its own interval', () => {
    const r = backup({ version: 2, advertIntervalMs: 2000 });
    r.clock.now = 100;
    r.handle(advert(150, PEER, 3000));
    expect(r.deadline('masterDown')).toBe(100 + 6000 + 609.375);
    expect(r.machine.snapshot()).toMatchObject({ masterAdverIntervalMs: 2000, masterAddress: PEER });
  });

  it('RFC9568-6.4.2-10 / RFC3768-6.4.2-8 preempt on, lower-priority advert discarded: the down timer keeps its deadline', () => {
    for (const version of [2, 3] as const) {
      const r = backup({ version, priority: 150 });
      const deadline = r.deadline('masterDown');
      r.clock.now = 1000;
      expect(r.handle(advert(100, PEER, 500))).toEqual([]);
      r.clock.now = 2000;
      expect(r.handle(advert(100, PEER, 500))).toEqual([]);
      expect(r.deadline('masterDown')).toBe(deadline);
      expect(r.machine.snapshot()).toMatchObject({ masterAdverIntervalMs: 1000, masterAddress: undefined });
      r.fire('masterDown');
      expect(r.transitions().at(-1)).toMatchObject({ at: 3000 + 414.0625, to: 'MASTER' });
    }
  });

  it('RFC9568-6.4.2-10 preempt off: the same lower-priority advert is accepted, so the backup never takes over', () => {
    const r = backup({ priority: 150, preempt: false });
    for (let t = 1000; t <= 10_000; t += 1000) {
      r.clock.now = t;
      r.handle(advert(100, PEER));
    }
    expect(r.deadline('masterDown')).toBe(10_000 + 3000 + 414.0625);
    expect(r.state).toBe('BACKUP');
  });
});
