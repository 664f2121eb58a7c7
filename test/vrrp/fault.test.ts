import { describe, expect, it } from 'vitest';
import type { VrrpEvent } from '../../src/core/vrrp/types.js';
import { advert, FakeRouter, kinds, params } from './harness.js';

const linkDown: VrrpEvent = { type: 'fault', source: 'interface:eth0', on: true };
const linkUp: VrrpEvent = { type: 'fault', source: 'interface:eth0', on: false };
const scriptDown: VrrpEvent = { type: 'fault', source: 'script:chk_haproxy', on: true };
const scriptUp: VrrpEvent = { type: 'fault', source: 'script:chk_haproxy', on: false };

function started(over: Parameters<typeof params>[0] = {}): FakeRouter {
  const r = new FakeRouter(params(over));
  r.handle({ type: 'startup' });
  return r;
}

describe('FAULT state (keepalived §4.5)', () => {
  it('FAULT: a master entering FAULT sends priority 0, cancels its timers and removes its VIPs', () => {
    const r = started();
    r.fire('masterDown');
    expect(r.handle(linkDown)).toEqual([
      { type: 'cancel-timer', timer: 'adver' },
      { type: 'cancel-timer', timer: 'garp' },
      { type: 'send-advert', priority: 0 },
      { type: 'remove-vips' },
      { type: 'transition', from: 'MASTER', to: 'FAULT', cause: 'fault' },
      { type: 'notify', state: 'FAULT', priority: 100 },
    ]);
    expect(r.machine.snapshot().faults).toEqual(['interface:eth0']);
  });

  it('FAULT: a backup entering FAULT only cancels its down timer', () => {
    const r = started();
    expect(kinds(r.handle(scriptDown))).toEqual(['cancel-timer:masterDown', 'transition', 'notify:FAULT']);
  });

  it('FAULT: stays in FAULT while any source is on; adverts, priority 0 and stale timers are ignored there', () => {
    const r = started();
    const gen = r.gen('masterDown') ?? -1;
    r.handle(linkDown);
    expect(r.handle(scriptDown)).toEqual([]);
    expect(r.handle(linkUp)).toEqual([]);
    expect(r.handle(advert(50, '192.0.2.20'))).toEqual([]);
    expect(r.handle(advert(0, '192.0.2.20'))).toEqual([]);
    expect(r.handle({ type: 'timer', timer: 'masterDown', gen })).toEqual([]);
    expect(r.state).toBe('FAULT');
    expect(r.machine.snapshot().faults).toEqual(['script:chk_haproxy']);
    expect(kinds(r.handle(scriptUp))).toEqual(['set-timer:masterDown', 'transition', 'notify:BACKUP']);
  });

  it('FAULT: when the last source clears, BACKUP with a full Master_Down_Interval from its own interval', () => {
    const r = started();
    r.clock.now = 100;
    r.handle(advert(200, '192.0.2.20', 500)); // learned 500 ms from the master
    r.handle(linkDown);
    r.clock.now = 20_000;
    expect(r.handle(linkUp)).toEqual([
      { type: 'set-timer', timer: 'masterDown', at: 20_000 + 3609.375, gen: 3 },
      { type: 'transition', from: 'FAULT', to: 'BACKUP', cause: 'fault-cleared' },
      { type: 'notify', state: 'BACKUP', priority: 100 },
    ]);
    expect(r.machine.snapshot().masterAdverIntervalMs).toBe(1000);
  });

  it('FAULT: an owner that wants MASTER goes straight back to MASTER when the fault clears', () => {
    const r = new FakeRouter(params({ priority: 255, initialState: 'MASTER' }));
    r.handle({ type: 'startup' });
    r.handle(linkDown);
    expect(kinds(r.handle(linkUp))).toEqual([
      'send-advert:255',
      'add-vips',
      'garp:master',
      'set-timer:adver',
      'set-timer:garp',
      'transition',
      'notify:MASTER',
    ]);
  });

  it('FAULT: a source already on at startup starts the instance in FAULT, even an owner', () => {
    const r = new FakeRouter(params({ priority: 255, initialState: 'MASTER' }));
    expect(r.handle(linkDown)).toEqual([]);
    expect(r.handle({ type: 'startup' })).toEqual([
      { type: 'transition', from: 'INIT', to: 'FAULT', cause: 'startup' },
      { type: 'notify', state: 'FAULT', priority: 255 },
    ]);
  });

  it('FAULT: shutdown from FAULT notifies STOP and sends nothing', () => {
    const r = started();
    r.handle(linkDown);
    expect(r.handle({ type: 'shutdown' })).toEqual([
      { type: 'transition', from: 'FAULT', to: 'INIT', cause: 'shutdown' },
      { type: 'notify', state: 'STOP', priority: 100 },
    ]);
  });
});
