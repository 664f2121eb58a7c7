/** Several machines on one simulated segment: elections end to end, on the fake clock. */
import { describe, expect, it } from 'vitest';
import type { FakeRouter } from './harness.js';
import { Lan, params } from './harness.js';

function pair(over: { a?: Parameters<typeof params>[0]; b?: Parameters<typeof params>[0] } = {}) {
  const lan = new Lan();
  const a = lan.add(params({ name: 'A', priority: 150, primaryAddress: '192.0.2.1', ...over.a }));
  const b = lan.add(params({ name: 'B', priority: 100, primaryAddress: '192.0.2.2', ...over.b }));
  lan.handle(a, { type: 'startup' });
  lan.handle(b, { type: 'startup' });
  return { lan, a, b };
}

/** Time of the last advert a router sent. */
function lastAdvert(r: FakeRouter): number {
  return r.history.filter((h) => h.action.type === 'send-advert').at(-1)?.at ?? Number.NaN;
}

describe('two routers on one segment', () => {
  it('RFC9568-6.4.2-7 the higher priority is elected once; when it vanishes the backup takes over 3 × 1000 + Skew_Time after its last advert', () => {
    const { lan, a, b } = pair();
    lan.runUntil(10_000);
    expect([a.state, b.state]).toEqual(['MASTER', 'BACKUP']);
    expect(a.transitions().map((t) => t.to)).toEqual(['BACKUP', 'MASTER']);
    expect(b.transitions().map((t) => t.to)).toEqual(['BACKUP']);
    expect(a.transitions()[1]?.at).toBe(3000 + 414.0625);

    lan.detach(a); // crash or cable cut: A's adverts stop reaching B
    const last = lastAdvert(a);
    lan.runUntil(20_000);
    expect(b.transitions().at(-1)).toEqual({
      at: last + 3 * 1000 + 609.375,
      from: 'BACKUP',
      to: 'MASTER',
      cause: 'master-down-timer',
    });
  });

  it('RFC3768-6.4.2-5 v2 pair: the backup takes over 3 s + (256 − 100)/256 s after the master’s last advert', () => {
    const { lan, a, b } = pair({ a: { version: 2 }, b: { version: 2 } });
    lan.runUntil(10_000);
    lan.detach(a);
    const last = lastAdvert(a);
    lan.runUntil(20_000);
    expect(b.transitions().at(-1)).toMatchObject({ at: last + 3609.375, to: 'MASTER' });
  });

  it('RFC9568-6.4.3-8 / RFC9568-6.4.2-8 master shutdown: priority 0, and the backup takes over after Skew_Time only', () => {
    const { lan, a, b } = pair();
    lan.runUntil(10_000);
    lan.clock.now = 10_000.5;
    expect(lan.handle(a, { type: 'shutdown' })).toContainEqual({ type: 'send-advert', priority: 0 });
    lan.runUntil(20_000);
    expect(b.transitions().at(-1)).toEqual({
      at: 10_000.5 + 609.375,
      from: 'BACKUP',
      to: 'MASTER',
      cause: 'priority-0-advert',
    });
  });

  it('RFC9568-6.4.3-8 v3 at 10 ms: after a priority-0 advert a priority-254 backup takes over within 78.125 µs', () => {
    const { lan, a, b } = pair({
      a: { priority: 255, initialState: 'MASTER', advertIntervalMs: 10 },
      b: { priority: 254, advertIntervalMs: 10 },
    });
    lan.runUntil(1000);
    lan.handle(a, { type: 'shutdown' });
    lan.runUntil(1001);
    expect(b.transitions().at(-1)).toMatchObject({ at: 1000.078125, to: 'MASTER', cause: 'priority-0-advert' });
  });

  it.each([
    ['IPv4', 4, '192.0.2.9', '192.0.2.10'],
    ['IPv6 link-local', 6, 'fe80::9', 'fe80::1:0'],
  ] as const)(
    'RFC9568-6.4.3-11 split brain at equal priority heals: the greater %s primary address keeps mastership',
    (_, family, low, high) => {
      const { lan, a, b } = pair({
        a: { family, priority: 100, primaryAddress: low },
        b: { family, priority: 100, primaryAddress: high },
      });
      lan.detach(a);
      lan.detach(b);
      lan.runUntil(5000);
      expect([a.state, b.state]).toEqual(['MASTER', 'MASTER']);
      lan.attach(a);
      lan.attach(b);
      lan.runUntil(6000); // the adverts at 4609.375 were lost; those at 5609.375 meet
      expect([a.state, b.state]).toEqual(['BACKUP', 'MASTER']);
      expect(a.transitions().at(-1)).toMatchObject({ at: 5609.375, cause: 'equal-priority-higher-address' });
    },
  );

  it('RFC9568-6.4.2-10 a returning higher-priority router preempts after its own Master_Down_Interval', () => {
    const { lan, a, b } = pair();
    lan.runUntil(10_000);
    lan.handle(a, { type: 'shutdown' });
    lan.runUntil(20_000);
    expect(b.state).toBe('MASTER');
    lan.handle(a, { type: 'startup' });
    lan.runUntil(30_000);
    expect(a.transitions().at(-1)).toMatchObject({ at: 20_000 + 3414.0625, to: 'MASTER' });
    expect(b.transitions().at(-1)).toMatchObject({ at: 20_000 + 3414.0625, to: 'BACKUP' });
  });

  it('RFC9568-6.4.2-9 a returning higher-priority router with nopreempt stays BACKUP behind the lower master', () => {
    const { lan, a, b } = pair({ a: { preempt: false } });
    lan.runUntil(10_000);
    lan.handle(a, { type: 'shutdown' });
    lan.runUntil(20_000);
    lan.handle(a, { type: 'startup' });
    lan.runUntil(60_000);
    expect([a.state, b.state]).toEqual(['BACKUP', 'MASTER']);
  });
});
