/**
 * The GARP / unsolicited-NA blocks a master sends after the first one (keepalived §4.4):
 * a second block garp_master_delay after becoming master, periodic refreshes counted from becoming
 * master, and a delayed repeat after hearing a lower-priority advert. All share one 'garp' timer,
 * armed at the earliest pending deadline.
 */
import type { Millis } from '../time.js';
import type { GarpParams, VrrpAction } from './types.js';

type GarpReason = Extract<VrrpAction, { type: 'garp' }>['reason'];
type Pending = 'master-delayed' | 'lower-prio' | 'refresh';

export function garpBlock(reason: GarpReason, repeat: number): VrrpAction[] {
  return repeat > 0 ? [{ type: 'garp', repeat, reason }] : [];
}

export class GarpSchedule {
  private readonly due = new Map<Pending, Millis>();

  constructor(private params: GarpParams) {}

  /** New settings (a reload): blocks already due keep their time; later ones follow the new values. */
  reconfigure(params: GarpParams): void {
    this.params = params;
  }

  /** Becoming master at `now` (the immediate block is the caller's). */
  start(now: Millis): void {
    this.due.clear();
    if (this.params.masterDelayMs > 0) this.due.set('master-delayed', now + this.params.masterDelayMs);
    if (this.params.masterRefreshMs > 0) this.due.set('refresh', now + this.params.masterRefreshMs);
  }

  /**
   * A master heard a lower-priority advert: one block now and, keepalived-style, one more after
   * garp_lower_prio_delay. A delayed block already pending is kept, not pushed back, so a stream of
   * lower adverts cannot postpone it forever.
   */
  lowerPriorityHeard(now: Millis): VrrpAction[] {
    const { lowerPrioRepeat, lowerPrioDelayMs } = this.params;
    if (lowerPrioRepeat <= 0) return [];
    if (lowerPrioDelayMs > 0 && !this.due.has('lower-prio')) this.due.set('lower-prio', now + lowerPrioDelayMs);
    return garpBlock('lower-prio', lowerPrioRepeat);
  }

  /** The blocks whose deadline has passed, earliest first; the refresh moves on by whole periods. */
  takeDue(now: Millis): VrrpAction[] {
    const ready = [...this.due].filter(([, at]) => at <= now).sort((a, b) => a[1] - b[1]);
    return ready.flatMap(([kind, at]) => {
      if (kind === 'refresh') {
        // Stay on the grid counted from becoming master, skipping periods a late fire missed.
        const period = this.params.masterRefreshMs;
        this.due.set('refresh', at + period * (Math.floor((now - at) / period) + 1));
        return garpBlock('refresh', this.params.masterRefreshRepeat);
      }
      this.due.delete(kind);
      return kind === 'master-delayed'
        ? garpBlock('master-delayed', this.params.masterRepeat)
        : garpBlock('lower-prio', this.params.lowerPrioRepeat);
    });
  }

  /** The earliest pending deadline, if any. */
  next(): Millis | undefined {
    const deadlines = [...this.due.values()];
    return deadlines.length > 0 ? Math.min(...deadlines) : undefined;
  }

  clear(): void {
    this.due.clear();
  }
}
