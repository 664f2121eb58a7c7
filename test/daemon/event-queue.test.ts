/** The daemon's event queue: later, in order, never re-entrant, and one failing handler does not stop the rest. */
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/daemon/event-queue.js';

describe('EventQueue', () => {
  it('runs handlers after the current call, in order; an event raised by a handler waits its turn', async () => {
    const seen: string[] = [];
    const q = new EventQueue(() => undefined);
    q.push(() => {
      seen.push('a');
      q.push(() => seen.push('c'));
    });
    q.push(() => seen.push('b'));
    seen.push('pushed');
    await Promise.resolve();
    await Promise.resolve();
    expect(seen).toEqual(['pushed', 'a', 'b', 'c']);
  });

  it('reports a failing handler and goes on', async () => {
    const errors: unknown[] = [];
    const seen: string[] = [];
    const q = new EventQueue((e) => errors.push(e));
    q.push(() => {
      throw new Error('boom');
    });
    q.push(() => seen.push('after'));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['after']);
    expect(errors).toHaveLength(1);
  });
});
