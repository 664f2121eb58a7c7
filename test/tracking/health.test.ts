import { describe, expect, it } from 'vitest';
import { HealthCounter } from '../../src/core/tracking/health.js';

/** Feeds a string of results ('+' ok, '-' failure) and returns what each record() said ('.' = no change). */
const run = (h: HealthCounter, results: string) =>
  [...results].map((c) => ({ up: 'U', down: 'D', undefined: '.' })[String(h.record(c === '+'))]).join('');

describe('HealthCounter', () => {
  it('starts up, or down with initFail', () => {
    expect(new HealthCounter({ rise: 1, fall: 1 }).up).toBe(true);
    expect(new HealthCounter({ rise: 1, fall: 1, initFail: true }).up).toBe(false);
  });

  it('rise 1 / fall 1 follows every result', () => {
    const h = new HealthCounter({ rise: 1, fall: 1 });
    expect(run(h, '++-+--+')).toBe('..DUD.U');
  });

  it('rise 3 / fall 2: down after 2 failures in a row, up after 3 successes in a row', () => {
    const h = new HealthCounter({ rise: 3, fall: 2 });
    expect(run(h, '+-+-+')).toBe('.....'); // single failures never count
    expect(h.up).toBe(true);
    expect(run(h, '--')).toBe('.D');
    expect(h.up).toBe(false);
    expect(run(h, '++-++')).toBe('.....'); // a failure restarts the rise count
    expect(run(h, '+')).toBe('U');
    expect(h.up).toBe(true);
  });

  it('alternating results never change the state once rise or fall is above 1', () => {
    const h = new HealthCounter({ rise: 2, fall: 2 });
    expect(run(h, '-+-+-+-+-+')).toBe('..........');
    expect(h.up).toBe(true);
    const d = new HealthCounter({ rise: 2, fall: 2, initFail: true });
    expect(run(d, '+-+-+-+-+-')).toBe('..........');
    expect(d.up).toBe(false);
  });

  it('alternating results with rise 1 / fall 1 flip every time', () => {
    expect(run(new HealthCounter({ rise: 1, fall: 1 }), '-+-+')).toBe('DUDU');
  });

  it('initFail: needs rise successes to come up; failures while down change nothing', () => {
    const h = new HealthCounter({ rise: 2, fall: 5, initFail: true });
    expect(run(h, '---+-+')).toBe('......');
    expect(run(h, '+')).toBe('U');
    expect(run(h, '----')).toBe('....');
    expect(run(h, '-')).toBe('D');
  });

  it('successes while up and failures while down are no change', () => {
    const h = new HealthCounter({ rise: 1, fall: 1 });
    expect(run(h, '+++')).toBe('...');
    expect(run(h, '-')).toBe('D');
    expect(run(h, '---')).toBe('...');
  });

  it('refuses a rise or fall below 1', () => {
    expect(() => new HealthCounter({ rise: 0, fall: 1 })).toThrow(RangeError);
    expect(() => new HealthCounter({ rise: 1, fall: 1.5 })).toThrow(RangeError);
  });
});
