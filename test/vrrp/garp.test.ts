import { describe, expect, it } from 'vitest';
import type { VrrpAction } from '../../src/core/vrrp/types.js';
import { advert, FakeRouter, only, params } from './harness.js';

type Over = Parameters<typeof params>[0];

/** Becomes master at T0 = 3609.375 (priority 100, 1 s). */
function master(over: Over = {}): FakeRouter {
  const r = new FakeRouter(params(over));
  r.handle({ type: 'startup' });
  r.fire('masterDown');
  return r;
}
const T0 = 3609.375;

/** Every GARP block the router produced, with its time. */
function blocks(r: FakeRouter): { at: number; reason: string; repeat: number }[] {
  return r.history.flatMap(({ at, action }) =>
    action.type === 'garp' ? [{ at, reason: action.reason, repeat: action.repeat }] : [],
  );
}

describe('gratuitous ARP / unsolicited NA blocks (keepalived §4.4, RFC 9568 §8.1.2, §8.2.2)', () => {
  it('GARP: a block of garp_master_repeat at the transition and a second one garp_master_delay later', () => {
    const r = master();
    r.runUntil(T0 + 60_000);
    expect(blocks(r)).toEqual([
      { at: T0, reason: 'master', repeat: 5 },
      { at: T0 + 5000, reason: 'master-delayed', repeat: 5 },
    ]);
  });

  it('GARP: garp_master_delay 0 sends no second block and arms no garp timer', () => {
    const r = master({ garp: { masterDelayMs: 0 } });
    expect(r.deadline('garp')).toBeUndefined();
    r.runUntil(T0 + 60_000);
    expect(blocks(r)).toEqual([{ at: T0, reason: 'master', repeat: 5 }]);
  });

  it('GARP: refresh blocks every garp_master_refresh counted from becoming master, beside the delayed block', () => {
    const r = master({ garp: { masterDelayMs: 5000, masterRefreshMs: 2000, masterRefreshRepeat: 2 } });
    r.runUntil(T0 + 6000);
    expect(blocks(r)).toEqual([
      { at: T0, reason: 'master', repeat: 5 },
      { at: T0 + 2000, reason: 'refresh', repeat: 2 },
      { at: T0 + 4000, reason: 'refresh', repeat: 2 },
      { at: T0 + 5000, reason: 'master-delayed', repeat: 5 },
      { at: T0 + 6000, reason: 'refresh', repeat: 2 },
    ]);
  });

  it('GARP: a late garp fire keeps the refresh on its grid and skips the periods it missed', () => {
    const r = master({ garp: { masterDelayMs: 0, masterRefreshMs: 1000 } });
    const gen = r.gen('garp') ?? -1;
    r.clock.now = T0 + 3500; // the event loop was stalled
    expect(r.handle({ type: 'timer', timer: 'garp', gen })).toEqual([
      { type: 'garp', repeat: 1, reason: 'refresh' },
      { type: 'set-timer', timer: 'garp', at: T0 + 4000, gen: expect.any(Number) },
    ]);
  });

  it('GARP: a lower-priority advert triggers a block now and one more garp_lower_prio_delay later, not pushed back by more adverts', () => {
    const r = master({ garp: { masterDelayMs: 0, lowerPrioDelayMs: 3000, lowerPrioRepeat: 2 } });
    r.runUntil(T0 + 100);
    r.handle(advert(50, '192.0.2.20'));
    r.runUntil(T0 + 1100);
    r.handle(advert(50, '192.0.2.20'));
    r.runUntil(T0 + 10_000);
    expect(blocks(r).filter((b) => b.reason === 'lower-prio')).toEqual([
      { at: T0 + 100, reason: 'lower-prio', repeat: 2 },
      { at: T0 + 1100, reason: 'lower-prio', repeat: 2 },
      { at: T0 + 3100, reason: 'lower-prio', repeat: 2 },
    ]);
  });

  it('RFC9568-8.1.2-2 / RFC9568-8.2.2-4 every GARP/NA block follows the add-vips of the same mastership', () => {
    const r = master({ garp: { masterRefreshMs: 700 } });
    r.handle(advert(50, '192.0.2.20'));
    r.runUntil(T0 + 8000);
    const order = r.history.map((h) => h.action.type).filter((t) => t === 'add-vips' || t === 'garp');
    expect(order[0]).toBe('add-vips');
    expect(order.filter((t) => t === 'add-vips')).toHaveLength(1);
    expect(order.length).toBeGreaterThan(5);
  });

  it('RFC9568-8.1.2-2 / RFC9568-8.2.2-4 no GARP/NA block once the VIPs are removed: the garp timer dies with the mastership', () => {
    const r = master({ garp: { masterRefreshMs: 700 } });
    const staleGen = r.gen('garp') ?? -1;
    const leave = r.handle(advert(200, '192.0.2.200'));
    expect(only(leave, 'cancel-timer')).toContainEqual({ type: 'cancel-timer', timer: 'garp' });
    const after: VrrpAction[] = r.handle({ type: 'timer', timer: 'garp', gen: staleGen });
    expect(after).toEqual([]);
    r.runUntil(T0 + 60_000); // the higher master stays silent: master again one Master_Down_Interval later
    const types = r.history.map((h) => h.action.type);
    const left = types.indexOf('remove-vips');
    const back = types.indexOf('add-vips', left);
    expect(back).toBeGreaterThan(left);
    expect(types.slice(left, back).filter((t) => t === 'garp')).toEqual([]);
    expect(types.slice(back).filter((t) => t === 'garp').length).toBeGreaterThan(0);
  });
});
