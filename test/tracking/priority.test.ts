import { describe, expect, it } from 'vitest';
import { effectivePriority, trackerContribution } from '../../src/core/tracking/priority.js';
import { type TrackerBinding, type TrackerKind, type TrackerState, trackerKey } from '../../src/core/tracking/types.js';

const bind = (name: string, kind: TrackerKind, weight: number, reverse = false): TrackerBinding => ({
  name,
  kind,
  weight,
  reverse,
});
const UP: TrackerState = { up: true };
const DOWN: TrackerState = { up: false };

describe('trackerContribution: script / check / interface', () => {
  // weight, reverse, state → contribution
  const table: [number, boolean, TrackerState, number | 'fault'][] = [
    [0, false, UP, 0],
    [0, false, DOWN, 'fault'],
    [0, true, UP, 'fault'],
    [0, true, DOWN, 0],
    [10, false, UP, 10],
    [10, false, DOWN, 0],
    [10, true, UP, -10],
    [10, true, DOWN, 0],
    [-10, false, UP, 0],
    [-10, false, DOWN, -10],
    [-10, true, UP, 0],
    [-10, true, DOWN, 10],
    [253, false, UP, 253],
    [-253, false, DOWN, -253],
  ];
  for (const kind of ['script', 'check', 'interface'] as const) {
    it.each(table)(`${kind} weight %i reverse %s, %o → %s`, (weight, reverse, state, want) => {
      expect(trackerContribution(bind('t', kind, weight, reverse), state)).toBe(want);
    });
  }

  it('a tracker with no state yet counts as up', () => {
    expect(trackerContribution(bind('t', 'script', 0), undefined)).toBe(0);
    expect(trackerContribution(bind('t', 'script', 5), undefined)).toBe(5);
    expect(trackerContribution(bind('t', 'script', -5), undefined)).toBe(0);
    expect(trackerContribution(bind('t', 'script', 0, true), undefined)).toBe('fault');
  });
});

describe('trackerContribution: misc_dynamic (check dynamicWeight)', () => {
  const table: [number, boolean, TrackerState, number | 'fault'][] = [
    [0, false, { up: true, dynamicWeight: 7 }, 7],
    [10, false, { up: true, dynamicWeight: 7 }, 7], // replaces the positive weight
    [-10, false, { up: true, dynamicWeight: 7 }, 7],
    [-10, false, { up: false, dynamicWeight: 7 }, -10], // down: the configured weight rules
    [0, false, { up: false, dynamicWeight: 7 }, 'fault'],
    [0, false, { up: true, dynamicWeight: 0 }, 0],
  ];
  it.each(table)('weight %i reverse %s, %o → %s', (weight, reverse, state, want) => {
    expect(trackerContribution(bind('c', 'check', weight, reverse), state)).toBe(want);
  });

  it('only checks have a dynamic weight', () => {
    expect(trackerContribution(bind('s', 'script', 10), { up: true, dynamicWeight: 7 })).toBe(10);
  });
});

describe('trackerContribution: track_file', () => {
  // weight, reverse, value → contribution
  const table: [number, boolean, number | undefined, number | 'fault'][] = [
    [1, false, 0, 0],
    [1, false, 5, 5],
    [1, false, -5, -5],
    [2, false, 50, 100],
    [-2, false, 50, -100],
    [2, true, 50, -100],
    [-2, true, 50, 100],
    [1, false, -253, -253],
    [1, false, -254, 'fault'],
    [1, false, -1000, 'fault'],
    [-254, false, 1, 'fault'],
    [254, true, 1, 'fault'],
    [254, false, 1, 254],
    [0, false, 0, 0],
    [0, false, 3, 'fault'],
    [0, false, -3, 'fault'],
    [0, true, 0, 'fault'],
    [0, true, 3, 0],
    [1, false, undefined, 0],
    [0, false, undefined, 0],
  ];
  it.each(table)('weight %i reverse %s, value %s → %s', (weight, reverse, value, want) => {
    const got = trackerContribution(bind('f', 'file', weight, reverse), { up: true, value });
    expect(got === 0 ? 0 : got).toBe(want); // -0 and 0 are the same priority
  });
});

describe('effectivePriority', () => {
  /** States keyed by trackerKey, written `kind:name`. */
  const states = (entries: Record<string, TrackerState>) => new Map(Object.entries(entries));

  it('no trackers: the base priority', () => {
    expect(effectivePriority(100, [], new Map())).toEqual({ priority: 100, fault: undefined });
  });

  it('reads each state by trackerKey (kind:name)', () => {
    expect(trackerKey(bind('eth1', 'interface', 0))).toBe('interface:eth1');
    // An interface and a script both named x: each has its own state.
    const b = [bind('x', 'interface', -10), bind('x', 'script', -20)];
    expect(effectivePriority(100, b, states({ 'interface:x': DOWN, 'script:x': UP })).priority).toBe(90);
    expect(effectivePriority(100, b, states({ 'interface:x': UP, 'script:x': DOWN })).priority).toBe(80);
  });

  it('sums every contribution', () => {
    const b = [bind('a', 'script', 10), bind('b', 'interface', -20), bind('c', 'file', 3), bind('d', 'check', -5)];
    const s = states({ 'script:a': UP, 'interface:b': DOWN, 'file:c': { up: true, value: 2 }, 'check:d': UP });
    expect(effectivePriority(100, b, s)).toEqual({ priority: 100 + 10 - 20 + 6, fault: undefined });
  });

  it.each([
    [100, 200, 254],
    [100, -150, 1],
    [100, -99, 1],
    [100, -98, 2],
    [1, -10, 1],
    [254, 10, 254],
    [200, 54, 254],
  ])('base %i with %i is clamped to %i', (base, delta, want) => {
    const b = [bind('f', 'file', 1)];
    expect(effectivePriority(base, b, states({ 'file:f': { up: true, value: delta } })).priority).toBe(want);
  });

  it('an owner (255) never changes, up or down', () => {
    const b = [bind('a', 'script', -50), bind('b', 'script', 10)];
    expect(effectivePriority(255, b, states({ 'script:a': DOWN, 'script:b': UP })).priority).toBe(255);
    expect(effectivePriority(255, b, states({ 'script:a': UP, 'script:b': UP })).priority).toBe(255);
  });

  it('an owner still goes to FAULT', () => {
    expect(effectivePriority(255, [bind('a', 'interface', 0)], states({ 'interface:a': DOWN }))).toEqual({
      priority: 255,
      fault: 'interface:a',
    });
  });

  it('names the first faulting tracker, in binding order', () => {
    const b = [bind('ok', 'script', 0), bind('x', 'script', 0), bind('y', 'file', 0)];
    const one = { up: true, value: 1 };
    expect(effectivePriority(100, b, states({ 'script:ok': UP, 'script:x': DOWN, 'file:y': one })).fault).toBe(
      'script:x',
    );
    expect(effectivePriority(100, b, states({ 'script:ok': UP, 'script:x': UP, 'file:y': one })).fault).toBe('file:y');
  });

  it('a file product ≤ −254 is FAULT even when the sum would clamp', () => {
    const r = effectivePriority(200, [bind('f', 'file', 2)], states({ 'file:f': { up: true, value: -127 } }));
    expect(r.fault).toBe('file:f');
  });

  it('a file product of −253 is not FAULT: the priority clamps to 1', () => {
    const r = effectivePriority(200, [bind('f', 'file', 1)], states({ 'file:f': { up: true, value: -253 } }));
    expect(r).toEqual({ priority: 1, fault: undefined });
  });

  it('negative weights of several trackers add up', () => {
    const b = [bind('a', 'script', -30), bind('b', 'check', -30), bind('c', 'interface', -30)];
    const s = (c: TrackerState) => states({ 'script:a': DOWN, 'check:b': DOWN, 'interface:c': c });
    expect(effectivePriority(100, b, s(UP)).priority).toBe(40);
    expect(effectivePriority(100, b, s(DOWN)).priority).toBe(10);
  });

  it('a tracker with no state counts as up', () => {
    expect(effectivePriority(100, [bind('a', 'script', 0), bind('b', 'script', 5)], new Map())).toEqual({
      priority: 105,
      fault: undefined,
    });
  });
});
