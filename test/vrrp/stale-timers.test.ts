import { describe, expect, it } from 'vitest';
import { advert, FakeRouter, params } from './harness.js';

function backup(): FakeRouter {
  const r = new FakeRouter(params());
  r.handle({ type: 'startup' });
  return r;
}

describe('timer generations: stale fires are ignored', () => {
  it('stale: a Master_Down_Timer fire whose generation an advert replaced is ignored; the new one takes over', () => {
    const r = backup();
    const old = r.gen('masterDown') ?? -1;
    r.clock.now = 3000;
    r.handle(advert(150, '192.0.2.20')); // re-arms: the fire of the old deadline may already be queued
    r.clock.now = 3609.375;
    expect(r.handle({ type: 'timer', timer: 'masterDown', gen: old })).toEqual([]);
    expect(r.state).toBe('BACKUP');
    r.fire('masterDown');
    expect(r.transitions().at(-1)).toMatchObject({ at: 6609.375, to: 'MASTER' });
  });

  it('stale: a fire delivered twice is honoured once', () => {
    const r = backup();
    const gen = r.gen('masterDown') ?? -1;
    r.clock.now = 3609.375;
    expect(r.handle({ type: 'timer', timer: 'masterDown', gen })).not.toEqual([]);
    expect(r.handle({ type: 'timer', timer: 'masterDown', gen })).toEqual([]);
  });

  it('stale: an Adver_Timer fire queued before yielding to a higher master sends nothing from BACKUP', () => {
    const r = backup();
    r.fire('masterDown');
    const gen = r.gen('adver') ?? -1;
    r.handle(advert(200, '192.0.2.20'));
    expect(r.handle({ type: 'timer', timer: 'adver', gen })).toEqual([]);
  });

  it('stale: a Master_Down_Timer fire queued before FAULT does not make the router master', () => {
    const r = backup();
    const gen = r.gen('masterDown') ?? -1;
    r.handle({ type: 'fault', source: 'interface:eth0', on: true });
    r.handle({ type: 'fault', source: 'interface:eth0', on: false }); // back in BACKUP with a new generation
    expect(r.handle({ type: 'timer', timer: 'masterDown', gen })).toEqual([]);
    expect(r.state).toBe('BACKUP');
  });

  it('stale: generations are never reused across timers', () => {
    const r = backup();
    r.fire('masterDown');
    const gens = r.history.flatMap((h) => (h.action.type === 'set-timer' ? [h.action.gen] : []));
    expect(new Set(gens).size).toBe(gens.length);
    // The adver timer's generation does not fire the garp timer, and vice versa.
    expect(r.handle({ type: 'timer', timer: 'garp', gen: r.gen('adver') ?? -1 })).toEqual([]);
    expect(r.handle({ type: 'timer', timer: 'adver', gen: r.gen('garp') ?? -1 })).toEqual([]);
  });
});
