/**
 * Which generation of each timer is armed, and for when. Every set moves to a new generation and a
 * cancel or a fire disarms, so a fire that was already queued when the state changed carries a number
 * that is no longer armed and is recognised as stale.
 */
import type { Millis } from '../time.js';
import type { TimerName, VrrpAction } from './types.js';

export class TimerGenerations {
  /** One counter for all timers: a generation number is never reused, even across timer names. */
  private lastGen = 0;
  private readonly armed = new Map<TimerName, { gen: number; at: Millis }>();

  set(timer: TimerName, at: Millis): VrrpAction {
    const gen = ++this.lastGen;
    this.armed.set(timer, { gen, at });
    return { type: 'set-timer', timer, at, gen };
  }

  /** Returns the cancel action, or nothing when the timer was not armed. */
  cancel(timer: TimerName): VrrpAction[] {
    return this.armed.delete(timer) ? [{ type: 'cancel-timer', timer }] : [];
  }

  /**
   * The deadline it was armed for when this fire belongs to the armed generation (consuming it disarms the timer,
   * one-shot), else undefined: a stale fire.
   */
  consume(timer: TimerName, gen: number): Millis | undefined {
    const armed = this.armed.get(timer);
    if (armed?.gen !== gen) return undefined;
    this.armed.delete(timer);
    return armed.at;
  }

  /** The deadline the timer is armed for, if it is. */
  deadline(timer: TimerName): Millis | undefined {
    return this.armed.get(timer)?.at;
  }
}
