/**
 * An announce's life on a fake clock: accepted before announced, withdrawn before no longer accepted
 * (withdraw_delay later), announce_delay of uninterrupted health before announcing, an interface address equal to a
 * prefix, a stop, a reload's resume, and the one timer's arming.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Announcement, type AnnounceStep } from '../../src/core/announce/announcement.js';

const kinds = (steps: AnnounceStep[]) => steps.map((s) => (s.kind === 'timer' ? `timer ${s.at ?? 'off'}` : s.kind));

describe('Announcement', () => {
  it('without delays: accepted then announced when healthy; withdrawn then no longer accepted when not', () => {
    const a = new Announcement({ announceDelayMs: 0, withdrawDelayMs: 0 }, 0);
    expect(a.state).toBe('withdrawn');
    expect(kinds(a.health(true, '', 10))).toEqual(['accept', 'announce', 'timer off']);
    expect(a.state).toBe('announced');
    expect(a.since).toBe(10);
    expect(kinds(a.health(true, '', 20))).toEqual([]);
    expect(kinds(a.health(false, 'script:chk down', 30))).toEqual(['withdraw', 'stop-accepting', 'timer off']);
    expect(a.held).toEqual({ kind: 'unhealthy', why: 'script:chk down' });
  });

  it('announce_delay: announced only after that long healthy; a failure meanwhile starts the wait again', () => {
    const a = new Announcement({ announceDelayMs: 2000, withdrawDelayMs: 0 }, 0);
    expect(kinds(a.health(true, '', 0))).toEqual(['timer 2000']);
    expect(a.state).toBe('waiting');
    expect(a.timer(1999)).toEqual([]);
    expect(kinds(a.health(false, 'down', 1500))).toEqual(['timer off']);
    expect(kinds(a.health(true, '', 1600))).toEqual(['timer 3600']);
    expect(a.timer(2000)).toEqual([]); // the old deadline means nothing
    expect(kinds(a.timer(3600))).toEqual(['accept', 'announce']);
    expect(a.state).toBe('announced');
  });

  it('withdraw_delay: the address is still accepted that long after the withdraw', () => {
    const a = new Announcement({ announceDelayMs: 0, withdrawDelayMs: 500 }, 0);
    a.health(true, '', 0);
    expect(kinds(a.health(false, 'down', 100))).toEqual(['withdraw', 'timer 600']);
    expect(a.state).toBe('draining');
    expect(a.accepting).toBe(true);
    expect(kinds(a.timer(600))).toEqual(['stop-accepting']);
    expect(a.state).toBe('withdrawn');
    expect(a.accepting).toBe(false);
  });

  it('a recovery while draining announces again without having stopped accepting', () => {
    const a = new Announcement({ announceDelayMs: 0, withdrawDelayMs: 500 }, 0);
    a.health(true, '', 0);
    a.health(false, 'down', 100);
    expect(kinds(a.health(true, '', 200))).toEqual(['announce', 'timer off']);
    expect(a.state).toBe('announced');
  });

  it('a wait cut short while still draining drains until the end of withdraw_delay', () => {
    const a = new Announcement({ announceDelayMs: 1000, withdrawDelayMs: 500 }, 0);
    a.health(true, '', 0);
    a.timer(1000);
    a.health(false, 'down', 1100); // drains until 1600
    expect(kinds(a.health(true, '', 1200))).toEqual(['timer 2200']);
    expect(kinds(a.health(false, 'down', 1300))).toEqual(['timer 1600']);
    expect(a.state).toBe('draining');
    expect(kinds(a.timer(1600))).toEqual(['stop-accepting']);
  });

  it('a prefix that is an interface address: withdrawn and the local route removed at once, back when it goes', () => {
    const a = new Announcement({ announceDelayMs: 0, withdrawDelayMs: 500 }, 0);
    a.health(true, '', 0);
    expect(kinds(a.conflict('192.0.2.10 is an address of eth0', 10))).toEqual([
      'withdraw',
      'stop-accepting',
      'timer off',
    ]);
    expect(a.held).toEqual({ kind: 'conflict', why: '192.0.2.10 is an address of eth0' });
    expect(kinds(a.health(true, '', 20))).toEqual([]);
    expect(kinds(a.conflict(undefined, 30))).toEqual(['accept', 'announce', 'timer off']);
  });

  it('stop: withdrawn first, no longer accepted after withdraw_delay; nothing brings it back', () => {
    const a = new Announcement({ announceDelayMs: 0, withdrawDelayMs: 300 }, 0);
    a.health(true, '', 0);
    expect(kinds(a.stop(50))).toEqual(['withdraw', 'timer 350']);
    expect(kinds(a.health(true, '', 60))).toEqual([]);
    expect(kinds(a.timer(350))).toEqual(['stop-accepting']);
    expect(a.held).toEqual({ kind: 'stopping' });
  });

  it("a reload's new definition resumes announced: no withdraw while it stays healthy", () => {
    const a = new Announcement({ announceDelayMs: 5000, withdrawDelayMs: 0 }, 0, { announced: true });
    expect(a.state).toBe('announced');
    expect(kinds(a.health(true, '', 0))).toEqual([]);
    expect(kinds(a.health(false, 'down', 1))).toEqual(['withdraw', 'stop-accepting', 'timer off']);
  });

  it('whatever it is told, in any order: never announced while not accepted, never accepted twice', () => {
    const event = fc.oneof(
      fc.record({ kind: fc.constant('health' as const), up: fc.boolean() }),
      fc.record({ kind: fc.constant('conflict' as const), on: fc.boolean() }),
      fc.record({ kind: fc.constant('timer' as const) }),
      fc.record({ kind: fc.constant('stop' as const) }),
    );
    fc.assert(
      fc.property(
        fc.nat(3000),
        fc.nat(3000),
        fc.array(fc.tuple(event, fc.nat(2000)), { maxLength: 40 }),
        (announceDelayMs, withdrawDelayMs, events) => {
          const a = new Announcement({ announceDelayMs, withdrawDelayMs }, 0);
          let now = 0;
          let accepted = false;
          let announced = false;
          for (const [e, dt] of events) {
            now += dt;
            if (e.kind === 'timer') now = Math.max(now, a.timerAt ?? now);
            const steps =
              e.kind === 'health'
                ? a.health(e.up, 'x', now)
                : e.kind === 'conflict'
                  ? a.conflict(e.on ? 'x' : undefined, now)
                  : e.kind === 'stop'
                    ? a.stop(now)
                    : a.timer(now);
            for (const s of steps) {
              if (s.kind === 'accept') {
                expect(accepted).toBe(false);
                accepted = true;
              } else if (s.kind === 'stop-accepting') {
                expect(accepted && !announced).toBe(true);
                accepted = false;
              } else if (s.kind === 'announce') {
                expect(accepted && !announced).toBe(true);
                announced = true;
              } else if (s.kind === 'withdraw') {
                expect(announced).toBe(true);
                announced = false;
              }
            }
            expect(announced).toBe(a.state === 'announced');
            expect(accepted).toBe(a.accepting);
          }
        },
      ),
    );
  });
});
