import { describe, expect, it } from 'vitest';
import { advert, FakeRouter, kinds, params } from './harness.js';

describe('Initialize state (RFC 9568 §6.4.1, RFC 3768 §6.4.1)', () => {
  it('RFC9568-6.4.1-1 owner with state MASTER: advert, VIPs, GARP block, Adver_Timer, then MASTER at once', () => {
    const owner = new FakeRouter(params({ priority: 255, initialState: 'MASTER' }));
    owner.clock.now = 1.5;
    expect(owner.handle({ type: 'startup' })).toEqual([
      { type: 'send-advert', priority: 255 },
      { type: 'add-vips' },
      { type: 'garp', repeat: 5, reason: 'master' },
      { type: 'set-timer', timer: 'adver', at: 1001.5, gen: 1 },
      { type: 'set-timer', timer: 'garp', at: 5001.5, gen: 2 },
      { type: 'transition', from: 'INIT', to: 'MASTER', cause: 'startup' },
      { type: 'notify', state: 'MASTER', priority: 255 },
    ]);
    expect(owner.state).toBe('MASTER');
  });

  it('RFC3768-6.4.1-1 v2 owner with state MASTER becomes master at startup with a 1 s Adver_Timer', () => {
    const owner = new FakeRouter(params({ version: 2, priority: 255, initialState: 'MASTER' }));
    expect(kinds(owner.handle({ type: 'startup' }))).toEqual([
      'send-advert:255',
      'add-vips',
      'garp:master',
      'set-timer:adver',
      'set-timer:garp',
      'transition',
      'notify:MASTER',
    ]);
    expect(owner.deadline('adver')).toBe(1000);
  });

  it('RFC9568-6.4.1-1 state MASTER without priority 255 starts in BACKUP and waits the full Master_Down_Interval', () => {
    const r = new FakeRouter(params({ priority: 254, initialState: 'MASTER' }));
    expect(kinds(r.handle({ type: 'startup' }))).toEqual(['set-timer:masterDown', 'transition', 'notify:BACKUP']);
    expect(r.deadline('masterDown')).toBe(3000 + 3.90625 * 2);
  });

  it('RFC9568-6.4.1-1 an owner configured state BACKUP starts in BACKUP and takes over after 3 × interval + Skew_Time(255) (keepalived)', () => {
    const owner = new FakeRouter(params({ priority: 255, initialState: 'BACKUP', preempt: false }));
    owner.handle({ type: 'startup' });
    expect(owner.state).toBe('BACKUP');
    expect(owner.deadline('masterDown')).toBe(3000 + 3.90625);
    // An owner always preempts: a lower master is discarded even with nopreempt configured.
    owner.clock.now = 100;
    expect(owner.handle(advert(200, '192.0.2.20'))).toEqual([]);
    owner.fire('masterDown');
    expect(owner.state).toBe('MASTER');
  });

  it('RFC9568-6.4.1-2 non-owner starts in BACKUP: Master_Adver_Interval = Advertisement_Interval, Master_Down_Timer = 3 × 1000 + 609.375 ms', () => {
    const r = new FakeRouter(params({ version: 3, priority: 100, advertIntervalMs: 1000 }));
    r.clock.now = 10;
    expect(r.handle({ type: 'startup' })).toEqual([
      { type: 'set-timer', timer: 'masterDown', at: 10 + 3 * 1000 + 609.375, gen: 1 },
      { type: 'transition', from: 'INIT', to: 'BACKUP', cause: 'startup' },
      { type: 'notify', state: 'BACKUP', priority: 100 },
    ]);
    expect(r.machine.snapshot()).toMatchObject({
      state: 'BACKUP',
      masterAdverIntervalMs: 1000,
      skewTimeMs: 609.375,
      masterDownIntervalMs: 3609.375,
      masterAddress: undefined,
    });
  });

  it('RFC9568-6.4.1-2 v3 at 10 ms and priority 254 the first down timer is 30.078125 ms', () => {
    const r = new FakeRouter(params({ priority: 254, advertIntervalMs: 10 }));
    r.handle({ type: 'startup' });
    expect(r.deadline('masterDown')).toBe(30.078125);
  });

  it('RFC3768-6.4.1-2 v2 non-owner starts in BACKUP with Master_Down_Timer = 3 × 2 s + 609.375 ms', () => {
    const r = new FakeRouter(params({ version: 2, priority: 100, advertIntervalMs: 2000 }));
    r.handle({ type: 'startup' });
    expect(r.state).toBe('BACKUP');
    expect(r.deadline('masterDown')).toBe(3 * 2000 + 609.375);
  });

  it('RFC9568-6.4.1-2 before startup nothing happens: adverts, timers, priority and shutdown give no actions', () => {
    const r = new FakeRouter(params());
    expect(r.handle(advert(200, '192.0.2.20'))).toEqual([]);
    expect(r.handle({ type: 'timer', timer: 'masterDown', gen: 1 })).toEqual([]);
    expect(r.handle({ type: 'priority', effective: 120 })).toEqual([]);
    expect(r.handle({ type: 'shutdown' })).toEqual([]);
    expect(r.state).toBe('INIT');
  });

  it('RFC9568-6.4.1-2 a second startup is ignored', () => {
    const r = new FakeRouter(params());
    r.handle({ type: 'startup' });
    expect(r.handle({ type: 'startup' })).toEqual([]);
    expect(r.gen('masterDown')).toBe(1);
  });
});
