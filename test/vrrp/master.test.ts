import { describe, expect, it } from 'vitest';
import { advert, FakeRouter, kinds, params } from './harness.js';

type Over = Parameters<typeof params>[0];

/** Started at 0 and became master when its first down timer ran out; the clock is left at that instant. */
function master(over: Over = {}): FakeRouter {
  const r = new FakeRouter(params(over));
  r.handle({ type: 'startup' });
  r.fire('masterDown');
  expect(r.state).toBe('MASTER');
  return r;
}

/** Default parameters: priority 100, 1 s, so the first takeover is at 3 × 1000 + 609.375 ms. */
const T0 = 3609.375;
const anyGen = expect.any(Number);

describe('Master state (RFC 9568 §6.4.3, RFC 3768 §6.4.3)', () => {
  it('RFC9568-6.4.3-8 / RFC3768-6.4.3-5 shutdown: Adver_Timer cancelled, priority-0 advert, VIPs removed, STOP, INIT', () => {
    for (const version of [2, 3] as const) {
      const r = master({ version });
      expect(r.handle({ type: 'shutdown' })).toEqual([
        { type: 'cancel-timer', timer: 'adver' },
        { type: 'cancel-timer', timer: 'garp' },
        { type: 'send-advert', priority: 0 },
        { type: 'remove-vips' },
        { type: 'transition', from: 'MASTER', to: 'INIT', cause: 'shutdown' },
        { type: 'notify', state: 'STOP', priority: 100 },
      ]);
      expect(r.state).toBe('INIT');
    }
  });

  it('RFC9568-6.4.3-8 after shutdown an Adver_Timer fire already in flight sends nothing', () => {
    const r = master();
    const gen = r.gen('adver');
    r.handle({ type: 'shutdown' });
    expect(r.handle({ type: 'timer', timer: 'adver', gen: gen ?? -1 })).toEqual([]);
    expect(r.handle(advert(50, '192.0.2.20'))).toEqual([]);
  });

  it('RFC9568-6.4.3-9 / RFC3768-6.4.3-6 Adver_Timer fires: advert, re-armed one Advertisement_Interval later', () => {
    for (const [version, interval] of [
      [2, 2000],
      [3, 10],
    ] as const) {
      const r = master({ version, advertIntervalMs: interval });
      const becameMaster = r.transitions().at(-1)?.at ?? Number.NaN;
      for (let n = 1; n <= 3; n++) {
        expect(r.deadline('adver')).toBe(becameMaster + n * interval);
        expect(kinds(r.fire('adver'))).toEqual(['send-advert:100', 'set-timer:adver']);
      }
      expect(r.deadline('adver')).toBe(becameMaster + 4 * interval);
    }
  });

  it('RFC9568-6.4.3-9 a master arms no Master_Down_Timer and does not time out without adverts', () => {
    const r = master();
    expect(r.deadline('masterDown')).toBeUndefined();
    for (let n = 0; n < 10; n++) r.fire('adver');
    expect(r.state).toBe('MASTER');
  });

  it('RFC9568-6.4.3-10 / RFC3768-6.4.3-7 priority-0 advert: advert at once, Adver_Timer reset, stays MASTER', () => {
    for (const version of [2, 3] as const) {
      const r = master({ version });
      r.clock.now = T0 + 390.875;
      expect(r.handle(advert(0, '192.0.2.20'))).toEqual([
        { type: 'send-advert', priority: 100 },
        { type: 'set-timer', timer: 'adver', at: T0 + 390.875 + 1000, gen: anyGen },
      ]);
      expect(r.state).toBe('MASTER');
    }
  });

  it('RFC9568-6.4.3-10 a backup hearing priority 0 sends no advert', () => {
    const r = new FakeRouter(params());
    r.handle({ type: 'startup' });
    expect(kinds(r.handle(advert(0, '192.0.2.20')))).toEqual(['set-timer:masterDown']);
  });

  it('RFC9568-6.4.3-11 higher priority: Adver_Timer cancelled, VIPs removed, v3 interval adopted, Master_Down_Timer set, BACKUP', () => {
    const r = master();
    r.clock.now = 4000;
    expect(r.handle(advert(200, '192.0.2.1', 500))).toEqual([
      { type: 'cancel-timer', timer: 'adver' },
      { type: 'cancel-timer', timer: 'garp' },
      { type: 'remove-vips' },
      { type: 'set-timer', timer: 'masterDown', at: 4000 + 1500 + 304.6875, gen: anyGen },
      { type: 'transition', from: 'MASTER', to: 'BACKUP', cause: 'higher-priority-advert' },
      { type: 'notify', state: 'BACKUP', priority: 100 },
    ]);
    expect(r.machine.snapshot()).toMatchObject({ masterAdverIntervalMs: 500, masterAddress: '192.0.2.1' });
  });

  it('RFC3768-6.4.3-8 v2 higher priority: BACKUP with Master_Down_Timer from its own interval', () => {
    const r = master({ version: 2, advertIntervalMs: 2000 });
    r.handle(advert(101, '192.0.2.1', 2000));
    expect(r.state).toBe('BACKUP');
    expect(r.deadline('masterDown')).toBe(6609.375 + 6000 + 609.375);
    expect(r.deadline('adver')).toBeUndefined();
  });

  it('RFC9568-6.4.3-11 equal priority and a greater IPv4 address wins, compared as numbers not text', () => {
    const loser = master({ primaryAddress: '192.0.2.10' });
    expect(loser.handle(advert(100, '192.0.2.9'))).not.toContainEqual(expect.objectContaining({ type: 'transition' }));
    loser.handle(advert(100, '192.0.2.11'));
    expect(loser.transitions().at(-1)).toMatchObject({ to: 'BACKUP', cause: 'equal-priority-higher-address' });
  });

  it('RFC9568-6.4.3-11 equal priority tie-break on IPv6 link-local source addresses', () => {
    const r = master({ family: 6, primaryAddress: 'fe80::a:1' });
    r.handle(advert(100, 'fe80::ffff'));
    expect(r.state).toBe('MASTER'); // fe80::ffff < fe80::a:1 (0x0000ffff < 0x000a0001)
    r.handle(advert(100, 'fe80::1:0:0'));
    expect(r.state).toBe('BACKUP');
    expect(r.machine.snapshot().masterAddress).toBe('fe80::1:0:0');
  });

  it('RFC9568-6.4.3-11 Preempt_Mode is not considered in MASTER: a nopreempt master yields to higher priority', () => {
    const r = master({ preempt: false });
    r.handle(advert(101, '192.0.2.1'));
    expect(r.state).toBe('BACKUP');
  });

  it('RFC9568-6.4.3-12 lower priority: stays MASTER, advertises at once and re-sends GARPs (keepalived)', () => {
    const r = master({ garp: { masterDelayMs: 0 } });
    expect(r.handle(advert(99, '192.0.2.200'))).toEqual([
      { type: 'send-advert', priority: 100 },
      { type: 'garp', repeat: 5, reason: 'lower-prio' },
      { type: 'set-timer', timer: 'garp', at: T0 + 5000, gen: 3 },
      { type: 'master-rx-lower-pri', priority: 100, from: '192.0.2.200' },
    ]);
    expect(r.state).toBe('MASTER');
  });

  it('RFC9568-6.4.3-12 equal priority from a lower address loses: the master stays and re-advertises', () => {
    const r = master({ primaryAddress: '192.0.2.10' });
    expect(kinds(r.handle(advert(100, '192.0.2.2')))).toEqual([
      'send-advert:100',
      'garp:lower-prio',
      'master-rx-lower-pri',
    ]);
    expect(r.state).toBe('MASTER');
  });

  it('RFC3768-6.4.3-9 v2 lower priority is discarded without a transition (keepalived still answers with an advert)', () => {
    const r = master({ version: 2 });
    const adverDeadline = r.deadline('adver');
    const actions = r.handle(advert(1, '192.0.2.200'));
    expect(actions.some((a) => a.type === 'transition' || a.type === 'remove-vips')).toBe(false);
    expect(kinds(actions)).toContain('send-advert:100');
    expect(r.deadline('adver')).toBe(adverDeadline);
  });

  it('RFC9568-6.4.3-12 lower_prio_no_advert and garp_lower_prio_repeat 0 leave a lower advert unanswered', () => {
    const r = master({ lowerPrioNoAdvert: true, garp: { lowerPrioRepeat: 0 } });
    // Unanswered on the wire; notify_master_rx_lower_pri still hears of it, as in keepalived.
    expect(r.handle(advert(50, '192.0.2.200'))).toEqual([
      { type: 'master-rx-lower-pri', priority: 100, from: '192.0.2.200' },
    ]);
    expect(r.state).toBe('MASTER');
  });

  it('RFC9568-6.4.3-12 an equal-priority advert from our own address is ignored', () => {
    const r = master({ primaryAddress: '192.0.2.10' });
    expect(r.handle(advert(100, '192.0.2.10'))).toEqual([]);
    expect(r.state).toBe('MASTER');
  });

  it('RFC9568-6.4.3-11 higher_prio_send_advert: one last advert before yielding (keepalived)', () => {
    const r = master({ higherPrioSendAdvert: true });
    expect(kinds(r.handle(advert(150, '192.0.2.1')))).toEqual([
      'send-advert:100',
      'cancel-timer:adver',
      'cancel-timer:garp',
      'remove-vips',
      'set-timer:masterDown',
      'transition',
      'notify:BACKUP',
    ]);
  });
});
