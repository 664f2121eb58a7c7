/** schema/report.ts's parseSection: sections written alike are checked once, their issues told at each one. */
import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { parseSection, Reporter } from '../../src/core/config/schema/report.js';

const schema = z.object({ weight: z.number({ error: 'must be a number' }), name: z.string() }).partial();
const locate = (path: readonly (string | number)[]) => ({ line: Number(path[1]), col: path.length });

describe('parseSection', () => {
  it('checks each distinct content once when the sections come alike, and reports at every section', () => {
    const report = new Reporter('k.conf', locate, true);
    const parse = vi.spyOn(schema, 'safeParse');
    const spec = { schema, where: 'server', unsupported: new Set<string>(), alike: true };
    const results = [
      parseSection({ weight: 'x', name: 'a' }, ['s', 1], spec, report),
      parseSection({ weight: 'x', name: 'a' }, ['s', 2], spec, report),
      parseSection({ weight: 3, name: 'a' }, ['s', 3], spec, report),
      parseSection({ weight: 3, name: 'a' }, ['s', 4], spec, report),
    ];
    // Two contents: the first in error (parsed twice: whole, then without the keyword in error), the second once.
    expect(parse).toHaveBeenCalledTimes(3);
    expect(report.errors.map((e) => `${e.line}: ${e.message}`)).toEqual([
      '1: weight must be a number, got "x"',
      '2: weight must be a number, got "x"',
    ]);
    expect(results.map((r) => [r.data, [...r.invalid]])).toEqual([
      [{ name: 'a' }, ['weight']],
      [{ name: 'a' }, ['weight']],
      [{ weight: 3, name: 'a' }, []],
      [{ weight: 3, name: 'a' }, []],
    ]);
    // One result shared by the sections alike: frozen, so a builder that changed it would fail, not leak.
    expect(Object.isFrozen(results[2]?.data)).toBe(true);
    // Without `alike`, every section is checked.
    parse.mockClear();
    parseSection({ weight: 3 }, ['s', 5], { ...spec, alike: false }, report);
    parseSection({ weight: 3 }, ['s', 6], { ...spec, alike: false }, report);
    expect(parse).toHaveBeenCalledTimes(2);
    parse.mockRestore();
  });
});
