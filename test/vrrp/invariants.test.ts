/**
 * Invariants checked over many random event sequences (seeded, so reproducible): whatever arrives in
 * whatever order, the VIPs, the timers, the adverts and the notifies stay consistent with the state.
 */
import { describe, expect, it } from 'vitest';
import type { Millis } from '../../src/core/time.js';
import type { TimerName, VrrpAction, VrrpEvent, VrrpState } from '../../src/core/vrrp/types.js';
import { advert, FakeRouter, params } from './harness.js';

interface Step {
  event: VrrpEvent;
  now: Millis;
  before: VrrpState;
  after: VrrpState;
  actions: VrrpAction[];
  /** VIPs held before and after the step, from the add/remove actions so far. */
  vipsBefore: boolean;
  vipsAfter: boolean;
  armedAfter: Set<TimerName>;
}

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function simulate(seed: number, steps: number): Step[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const owner = rand() < 0.2;
  const r = new FakeRouter(
    params({
      version: pick([2, 3] as const),
      family: 4,
      priority: owner ? 255 : pick([50, 100, 200]),
      initialState: owner ? pick(['MASTER', 'BACKUP'] as const) : 'BACKUP',
      advertIntervalMs: pick([10, 1000]),
      preempt: rand() < 0.7,
      preemptDelayMs: pick([0, 0, 2500]),
      lowerPrioNoAdvert: rand() < 0.3,
      higherPrioSendAdvert: rand() < 0.3,
      garp: {
        masterDelayMs: pick([0, 5000]),
        masterRefreshMs: pick([0, 700]),
        lowerPrioDelayMs: pick([0, 300]),
        lowerPrioRepeat: pick([0, 5]),
      },
    }),
  );
  let vips = false;
  const out: Step[] = [];
  const staleGens: { timer: TimerName; gen: number }[] = [];
  for (let i = 0; i < steps; i++) {
    const roll = rand();
    let event: VrrpEvent;
    const next = r.next();
    if (roll < 0.35 && next) {
      r.clock.now = next.at;
      staleGens.push({ timer: next.timer, gen: r.gen(next.timer) ?? -1 });
      event = { type: 'timer', timer: next.timer, gen: r.gen(next.timer) ?? -1 };
    } else if (roll < 0.4 && staleGens.length > 0) {
      event = { type: 'timer', ...pick(staleGens) };
    } else if (roll < 0.65) {
      r.clock.now += rand() * 1500;
      event = advert(pick([0, 1, 50, 100, 150, 200, 254, 255]), pick(['192.0.2.1', '192.0.2.10', '192.0.2.200']));
    } else if (roll < 0.75) {
      event = { type: 'fault', source: pick(['link', 'script']), on: rand() < 0.5 };
    } else if (roll < 0.85) {
      event = { type: 'priority', effective: 1 + Math.floor(rand() * 254) };
    } else if (roll < 0.93) {
      event = { type: 'startup' };
    } else {
      event = { type: 'shutdown' };
    }
    const before = r.state;
    const vipsBefore = vips;
    // A timer event for the armed generation is what the daemon delivers; the harness must forget it.
    const actions = event.type === 'timer' && r.gen(event.timer) === event.gen ? r.fire(event.timer) : r.handle(event);
    for (const a of actions) {
      if (a.type === 'add-vips') vips = true;
      if (a.type === 'remove-vips') vips = false;
    }
    const armedAfter = new Set((['adver', 'masterDown', 'garp'] as const).filter((t) => r.gen(t) !== undefined));
    out.push({ event, now: r.clock.now, before, after: r.state, actions, vipsBefore, vipsAfter: vips, armedAfter });
  }
  return out;
}

const traces = Array.from({ length: 300 }, (_, seed) => simulate(seed + 1, 200));
const allSteps = traces.flat();

/** Each action of a step with whether the VIPs were held just before it. */
function vipsDuring(step: Step): { action: VrrpAction; held: boolean }[] {
  let held = step.vipsBefore;
  return step.actions.map((action) => {
    const before = held;
    if (action.type === 'add-vips') held = true;
    if (action.type === 'remove-vips') held = false;
    return { action, held: before };
  });
}

describe('invariants over 300 random event sequences', () => {
  it('the simulation visits every state and transition cause', () => {
    const states = new Set(allSteps.map((s) => s.after));
    expect(states).toEqual(new Set(['INIT', 'BACKUP', 'MASTER', 'FAULT']));
    const causes = new Set(
      allSteps.flatMap((s) => s.actions.flatMap((a) => (a.type === 'transition' ? [a.cause] : []))),
    );
    expect([...causes].sort()).toEqual(
      [
        'startup',
        'master-down-timer',
        'priority-0-advert',
        'higher-priority-advert',
        'equal-priority-higher-address',
        'fault',
        'fault-cleared',
        'shutdown',
      ].sort(),
    );
  });

  it('RFC9568-6.4.2-1 RFC9568-6.4.2-2 RFC9568-6.4.2-5 outside MASTER the router never holds the VIPs (random event sequences)', () => {
    const outside = allSteps.filter((s) => s.after !== 'MASTER');
    expect(outside.filter((s) => s.vipsAfter)).toEqual([]);
    expect(outside.filter((s) => s.actions.some((a) => a.type === 'add-vips'))).toEqual([]);
  });

  it('RFC9568-6.4.3-1 RFC9568-6.4.3-6 a MASTER always holds the VIPs, added exactly once per mastership (random event sequences)', () => {
    expect(allSteps.filter((s) => s.vipsAfter !== (s.after === 'MASTER'))).toEqual([]);
    // Every add finds the VIPs absent and every remove finds them present: no double add or remove.
    const changes = allSteps.flatMap(vipsDuring).filter(({ action }) => /^(add|remove)-vips$/.test(action.type));
    expect(changes.filter(({ action, held }) => held !== (action.type === 'remove-vips'))).toEqual([]);
    const adds = allSteps.filter((s) => s.actions.some((a) => a.type === 'add-vips'));
    expect(adds.length).toBeGreaterThan(100);
    expect(adds.every((s) => s.before !== 'MASTER' && s.after === 'MASTER')).toBe(true);
  });

  it('RFC9568-8.1.2-2 RFC9568-8.2.2-4 a GARP/NA block is only ever sent while the VIPs are held (random event sequences)', () => {
    const garps = allSteps.flatMap(vipsDuring).filter(({ action }) => action.type === 'garp');
    expect(garps.length).toBeGreaterThan(100);
    expect(garps.filter(({ held }) => !held)).toEqual([]);
  });

  it('timers: Adver_Timer armed exactly in MASTER, Master_Down_Timer exactly in BACKUP, garp only in MASTER (random event sequences)', () => {
    const bad = allSteps.filter(
      (s) =>
        s.armedAfter.has('adver') !== (s.after === 'MASTER') ||
        s.armedAfter.has('masterDown') !== (s.after === 'BACKUP') ||
        (s.armedAfter.has('garp') && s.after !== 'MASTER') ||
        s.actions.some((a) => a.type === 'set-timer' && a.at < s.now),
    );
    expect(bad).toEqual([]);
  });

  it('adverts: only a master advertises, and priority 0 only as it stops being master (random event sequences)', () => {
    const bad = allSteps.filter((s) =>
      s.actions.some(
        (a) =>
          a.type === 'send-advert' &&
          (a.priority === 0
            ? s.before !== 'MASTER' || s.after === 'MASTER'
            : s.before !== 'MASTER' && s.after !== 'MASTER'),
      ),
    );
    expect(bad).toEqual([]);
    expect(allSteps.some((s) => s.actions.some((a) => a.type === 'send-advert' && a.priority === 0))).toBe(true);
  });

  it('transitions: each state change has one transition then one notify of the new state (random event sequences)', () => {
    const shape = (s: Step) =>
      s.actions.flatMap((a) =>
        a.type === 'transition' ? [`${a.from}>${a.to}`] : a.type === 'notify' ? [`notify:${a.state}`] : [],
      );
    const bad = allSteps.filter((s) => {
      const expected =
        s.before === s.after ? [] : [`${s.before}>${s.after}`, `notify:${s.after === 'INIT' ? 'STOP' : s.after}`];
      const lastIsNotify = s.before === s.after || s.actions.at(-1)?.type === 'notify';
      return shape(s).join() !== expected.join() || !lastIsNotify;
    });
    expect(bad).toEqual([]);
  });
});
