import { describe, expect, it } from 'vitest';
import { advert, FakeRouter, Lan, params } from './harness.js';

describe('effective priority changes (trackers)', () => {
  it('priority: a master advertises a new effective priority at once, and its next adverts carry it', () => {
    const r = new FakeRouter(params());
    r.handle({ type: 'startup' });
    r.fire('masterDown');
    expect(r.handle({ type: 'priority', effective: 80 })).toEqual([{ type: 'send-advert', priority: 80 }]);
    expect(r.fire('adver')).toContainEqual({ type: 'send-advert', priority: 80 });
    expect(r.handle({ type: 'priority', effective: 80 })).toEqual([]);
  });

  it('priority: a stray 0 or 255 from a tracker is clamped to 1..254, so it can never mean release or owner', () => {
    const r = new FakeRouter(params());
    r.handle({ type: 'startup' });
    r.fire('masterDown');
    expect(r.handle({ type: 'priority', effective: 0 })).toEqual([{ type: 'send-advert', priority: 1 }]);
    expect(r.handle({ type: 'priority', effective: 255 })).toEqual([{ type: 'send-advert', priority: 254 }]);
  });

  it('priority: an owner’s effective priority never changes', () => {
    const r = new FakeRouter(params({ priority: 255, initialState: 'MASTER' }));
    r.handle({ type: 'startup' });
    expect(r.handle({ type: 'priority', effective: 200 })).toEqual([]);
    expect(r.machine.snapshot()).toMatchObject({ basePriority: 255, effectivePriority: 255 });
  });

  it('priority: a backup that now outranks the master keeps its running down timer and takes over when it expires', () => {
    const r = new FakeRouter(params({ priority: 100 }));
    r.handle({ type: 'startup' });
    r.clock.now = 1000;
    r.handle(advert(150, '192.0.2.20'));
    const deadline = r.deadline('masterDown');
    expect(deadline).toBe(1000 + 3609.375);

    r.clock.now = 1500;
    expect(r.handle({ type: 'priority', effective: 200 })).toEqual([]);
    expect(r.deadline('masterDown')).toBe(deadline);
    expect(r.machine.snapshot().masterDownIntervalMs).toBe(3000 + 218.75);

    r.clock.now = 2000; // the master's adverts are now lower: discarded, the timer runs on
    expect(r.handle(advert(150, '192.0.2.20'))).toEqual([]);
    r.fire('masterDown');
    expect(r.transitions().at(-1)).toEqual({ at: 4609.375, from: 'BACKUP', to: 'MASTER', cause: 'master-down-timer' });
  });

  it('priority: a notify carries the effective priority at the time of the change', () => {
    const r = new FakeRouter(params({ priority: 100 }));
    r.handle({ type: 'priority', effective: 110 });
    expect(r.handle({ type: 'startup' })).toContainEqual({ type: 'notify', state: 'BACKUP', priority: 110 });
  });

  it('priority: a master that drops below its backup hands over after one Master_Down_Interval of the backup', () => {
    const lan = new Lan();
    const a = lan.add(params({ name: 'A', priority: 150, primaryAddress: '192.0.2.1' }));
    const b = lan.add(params({ name: 'B', priority: 120, primaryAddress: '192.0.2.2' }));
    lan.handle(a, { type: 'startup' });
    lan.handle(b, { type: 'startup' });
    lan.runUntil(10_000);
    expect([a.state, b.state]).toEqual(['MASTER', 'BACKUP']);

    const lastAccepted = b.history
      .filter((h) => h.action.type === 'set-timer' && h.action.timer === 'masterDown')
      .at(-1);
    lan.clock.now = 10_000;
    lan.handle(a, { type: 'priority', effective: 100 }); // b discards this and every later advert of A
    lan.runUntil(20_000);
    const takeover = (lastAccepted?.at ?? Number.NaN) + 3000 + (136 * 1000) / 256;
    expect(b.transitions().at(-1)).toEqual({ at: takeover, from: 'BACKUP', to: 'MASTER', cause: 'master-down-timer' });
    expect(a.transitions().at(-1)).toMatchObject({ at: takeover, to: 'BACKUP', cause: 'higher-priority-advert' });
  });
});
