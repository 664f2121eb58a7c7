/**
 * keepalived's rise/fall hysteresis for one tracker (vrrp_script, checker): a run of results becomes an
 * up/down state. Pure: the caller feeds each result as it comes.
 *
 * - Starts up, or down with `initFail` (keepalived `init_fail`).
 * - While up, `fall` consecutive failures take it down; any success in between starts the count again.
 * - While down, `rise` consecutive successes take it up; any failure in between starts the count again.
 *
 * This is keepalived's `result` counter (vrrp_scheduler.c: 0..rise+fall-1, up from `rise`) written as two
 * streak counts.
 */

export interface HealthCounterOptions {
  /** Consecutive successes that take a down tracker up (≥ 1). */
  rise: number;
  /** Consecutive failures that take an up tracker down (≥ 1). */
  fall: number;
  /** Start down rather than up. */
  initFail?: boolean | undefined;
}

export type HealthChange = 'up' | 'down';

export class HealthCounter {
  readonly rise: number;
  readonly fall: number;
  #up: boolean;
  /** Consecutive results against the current state. */
  #streak = 0;

  constructor({ rise, fall, initFail = false }: HealthCounterOptions) {
    if (!Number.isInteger(rise) || rise < 1) throw new RangeError(`rise must be a whole number ≥ 1, got ${rise}`);
    if (!Number.isInteger(fall) || fall < 1) throw new RangeError(`fall must be a whole number ≥ 1, got ${fall}`);
    this.rise = rise;
    this.fall = fall;
    this.#up = !initFail;
  }

  /** The current state. */
  get up(): boolean {
    return this.#up;
  }

  /** Records one result; returns the new state when it changes, else undefined. */
  record(ok: boolean): HealthChange | undefined {
    if (ok === this.#up) {
      this.#streak = 0;
      return undefined;
    }
    this.#streak++;
    if (this.#streak < (this.#up ? this.fall : this.rise)) return undefined;
    this.#up = ok;
    this.#streak = 0;
    return ok ? 'up' : 'down';
  }
}
