/**
 * keepalived preempt_delay (not in the RFCs): while it runs, a backup accepts adverts from a
 * lower-priority master instead of discarding them, so it does not take over yet. It never makes a
 * takeover faster.
 *
 * As in keepalived: the delay counts from startup; an advert of at least our priority stops it; the
 * first lower-priority advert seen while none is running starts a new one; entering BACKUP from
 * MASTER or FAULT leaves none running.
 */
import type { Millis } from '../time.js';

export class PreemptDelay {
  /** End of the running delay; undefined when none runs (the next lower master starts one). */
  private until: Millis | undefined;

  constructor(private delayMs: Millis) {}

  /** A new preempt_delay (a reload): a delay already running keeps its end. */
  reconfigure(delayMs: Millis): void {
    this.delayMs = delayMs;
  }

  start(now: Millis): void {
    this.until = this.delayMs > 0 ? now + this.delayMs : undefined;
  }

  reset(): void {
    this.until = undefined;
  }

  /** Whether a lower-priority advert must still be accepted at `now`. */
  holds(now: Millis): boolean {
    return this.delayMs > 0 && (this.until === undefined || this.until > now);
  }

  /** Book-keeping after an accepted advert. */
  observe(advertPriority: number, ourPriority: number, now: Millis): void {
    if (this.delayMs <= 0) return;
    if (advertPriority >= ourPriority) this.until = undefined;
    else if (this.until === undefined) this.until = now + this.delayMs;
  }
}
