/**
 * The one-timer scheduler on a fake one-shot timer and a fake clock: deadline order, one underlying arming per
 * change of the earliest deadline, one time for every timer of a wake-up, batch hooks, and bounded wake-ups.
 */
import { describe, expect, it } from 'vitest';
import { type OneShotTimer, TimerScheduler } from '../../src/edges/timer-scheduler.js';

class FakeOneShot implements OneShotTimer {
  armedAt: number | undefined;
  arms = 0;
  constructor(readonly fire: () => void) {}
  armAt(at: number): void {
    this.armedAt = at;
    this.arms++;
  }
  disarm(): void {
    this.armedAt = undefined;
  }
  close(): void {
    this.armedAt = undefined;
  }
}

function setup() {
  let now = 1000;
  let oneShot: FakeOneShot | undefined;
  const scheduler = new TimerScheduler(
    (fire) => {
      oneShot = new FakeOneShot(fire);
      return oneShot;
    },
    () => now,
  );
  const under = oneShot as unknown as FakeOneShot;
  /** Moves the clock to the underlying deadline and fires it, as the timerfd would. */
  const fireNext = () => {
    if (under.armedAt === undefined) throw new Error('nothing armed');
    now = Math.max(now, under.armedAt);
    under.armedAt = undefined;
    under.fire();
  };
  return {
    scheduler,
    under,
    fireNext,
    setNow: (t: number) => {
      now = t;
    },
  };
}

describe('TimerScheduler', () => {
  it('fires timers in deadline order, arming the underlying timer for the earliest only', () => {
    const { scheduler, under, fireNext } = setup();
    const fired: string[] = [];
    const a = scheduler.createTimer(() => fired.push('a'));
    const b = scheduler.createTimer(() => fired.push('b'));
    const c = scheduler.createTimer(() => fired.push('c'));
    c.armAt(1030);
    a.armAt(1010);
    b.armAt(1020);
    expect(under.armedAt).toBe(1010);
    expect(under.arms).toBe(2); // 1030, then 1010; 1020 changed nothing underneath
    fireNext();
    expect(fired).toEqual(['a']);
    expect(under.armedAt).toBe(1020);
    fireNext();
    fireNext();
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(under.armedAt).toBeUndefined();
  });

  it('runs every due timer in one wake-up, equal deadlines in arming order, all seeing the wake-up time', () => {
    const { scheduler, under, fireNext, setNow } = setup();
    const seen: [string, number][] = [];
    const fire = (n: string, advanceTo?: number) => () => {
      seen.push([n, scheduler.now()]);
      if (advanceTo !== undefined) setNow(advanceTo); // this timer's work took time
    };
    const y = scheduler.createTimer(fire('y'));
    const z = scheduler.createTimer(fire('z', 1012));
    const x = scheduler.createTimer(fire('x'));
    const w = scheduler.createTimer(fire('w'));
    z.armAt(1010);
    x.armAt(1010);
    y.armAt(1005);
    w.armAt(1011); // due by the time z is done: same wake-up
    fireNext();
    expect(seen).toEqual([['y', 1005]]);
    const armsBefore = under.arms;
    fireNext();
    expect(seen.slice(1)).toEqual([
      ['z', 1010],
      ['x', 1010],
      ['w', 1010],
    ]);
    expect(under.armedAt).toBeUndefined();
    expect(under.arms).toBe(armsBefore); // nothing left: the timerfd is not touched again
  });

  it('re-arming and disarming move a timer; a disarmed or closed timer never fires', () => {
    const { scheduler, under, fireNext } = setup();
    const fired: string[] = [];
    const a = scheduler.createTimer(() => fired.push('a'));
    const b = scheduler.createTimer(() => fired.push('b'));
    a.armAt(1010);
    b.armAt(1020);
    a.armAt(1030);
    expect(under.armedAt).toBe(1020);
    b.disarm();
    expect(under.armedAt).toBe(1030);
    a.close();
    expect(under.armedAt).toBeUndefined();
    expect(() => a.armAt(1040)).toThrow(/closed/);
    expect(scheduler.size).toBe(0);
    b.armAt(1050);
    fireNext();
    expect(fired).toEqual(['b']);
  });

  it('timers armed during a wake-up for a later time wait for their own wake-up; batch hooks run once after', () => {
    const { scheduler, under, fireNext } = setup();
    const events: string[] = [];
    scheduler.afterBatch(() => events.push(`flush inBatch=${scheduler.inBatch}`));
    const t = scheduler.createTimer(() => {
      events.push(`fire inBatch=${scheduler.inBatch}`);
      t.armAt(scheduler.now() + 10);
    });
    t.armAt(1010);
    fireNext();
    expect(events).toEqual(['fire inBatch=true', 'flush inBatch=false']);
    expect(under.armedAt).toBe(1020);
  });

  it('a timer re-armed in the past on every fire cannot hold a wake-up for ever', () => {
    const { scheduler, fireNext } = setup();
    let fires = 0;
    const t = scheduler.createTimer(() => {
      fires++;
      t.armAt(0);
    });
    t.armAt(1010);
    fireNext();
    expect(fires).toBeGreaterThan(0);
    expect(fires).toBeLessThanOrEqual(4);
  });

  it('batch() gives its work one time and runs the hooks at its end; outside a batch now() is the clock', () => {
    const { scheduler, setNow } = setup();
    const flushed: number[] = [];
    scheduler.afterBatch(() => flushed.push(scheduler.now()));
    const times: number[] = [];
    scheduler.batch(() => {
      times.push(scheduler.now());
      setNow(1500);
      times.push(scheduler.now());
    });
    expect(times).toEqual([1000, 1000]);
    expect(flushed).toEqual([1500]);
  });

  it('an exception in one timer goes to onError and the others of the wake-up still run', () => {
    let oneShot: FakeOneShot | undefined;
    const errors: unknown[] = [];
    const scheduler = new TimerScheduler(
      (fire) => {
        oneShot = new FakeOneShot(fire);
        return oneShot;
      },
      () => 2000,
      (err) => errors.push(err),
    );
    const fired: string[] = [];
    scheduler
      .createTimer(() => {
        throw new Error('boom');
      })
      .armAt(1000);
    scheduler.createTimer(() => fired.push('ok')).armAt(1000);
    oneShot?.fire();
    expect(errors).toHaveLength(1);
    expect(fired).toEqual(['ok']);
  });

  it('keeps heap order under many random arms and disarms', () => {
    const { scheduler, under, fireNext, setNow } = setup();
    const fired: number[] = [];
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const deadlines = new Map<number, number>();
    const timers = Array.from({ length: 50 }, (_, i) => scheduler.createTimer(() => fired.push(i)));
    for (let round = 0; round < 500; round++) {
      const i = Math.floor(rand() * timers.length);
      if (rand() < 0.3) {
        timers[i]?.disarm();
        deadlines.delete(i);
      } else {
        const at = 2000 + Math.floor(rand() * 1000);
        timers[i]?.armAt(at);
        deadlines.set(i, at);
      }
    }
    setNow(1999);
    while (under.armedAt !== undefined) fireNext();
    const expected = [...deadlines].sort((a, b) => a[1] - b[1]).map(([i]) => i);
    expect(fired.map((i) => deadlines.get(i))).toEqual(expected.map((i) => deadlines.get(i)));
    expect(new Set(fired)).toEqual(new Set(expected));
  });
});
