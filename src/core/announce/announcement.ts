/**
 * One `announce`'s life, pure: what it is told (its health, an interface address equal to one of its prefixes, the
 * time, a stop) in; the ordered steps for its routes out. The order is the point (issue 22, and what users of
 * ExaBGP and kube-vip lost traffic to): the address is accepted locally before it is announced, and the announcement
 * is withdrawn before the address stops being accepted, `withdraw_delay` later, so packets already on their way are
 * not refused. It is announced only after `announce_delay` of uninterrupted health, at start and after a recovery.
 *
 * One timer: the caller arms it at `timer.at` (undefined: none) and calls `timer()` when it fires.
 */
import type { Millis } from '../time.js';

export type AnnounceState =
  /** Neither announced nor accepted locally. */
  | 'withdrawn'
  /** Healthy, waiting out announce_delay (still accepted locally when it came from 'draining'). */
  | 'waiting'
  | 'announced'
  /** Withdrawn, still accepted locally until withdraw_delay has passed. */
  | 'draining';

export type AnnounceStep =
  /** Add the local routes (the host accepts the addresses). */
  | { kind: 'accept' }
  /** Add the announcing routes. */
  | { kind: 'announce' }
  /** Remove the announcing routes. */
  | { kind: 'withdraw' }
  /** Remove the local routes. */
  | { kind: 'stop-accepting' }
  /** The one timer: fire at `at`, or never (undefined). */
  | { kind: 'timer'; at: Millis | undefined };

export interface AnnouncementOptions {
  announceDelayMs: Millis;
  withdrawDelayMs: Millis;
}

/** Why an announce is not announced (for status and logs), besides its health's own reason. */
export type HoldReason = { kind: 'unhealthy'; why: string } | { kind: 'conflict'; why: string } | { kind: 'stopping' };

export class Announcement {
  #state: AnnounceState = 'withdrawn';
  #since: Millis;
  #accepting = false;
  #timerAt: Millis | undefined;
  #healthy = false;
  #unhealthyWhy = 'not started';
  #conflict: string | undefined;
  #stopping = false;
  /** The end of the last withdraw's withdraw_delay: a wait cut short before it still drains until then. */
  #drainUntil: Millis = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: AnnouncementOptions,
    now: Millis,
    /** A reload's new definition of an announce that was announced: it stays announced while it stays wanted. */
    resume: { announced: boolean } = { announced: false },
  ) {
    this.#since = now;
    if (resume.announced) {
      this.#state = 'announced';
      this.#accepting = true;
      this.#healthy = true;
    }
  }

  get state(): AnnounceState {
    return this.#state;
  }

  /** When the state last changed. */
  get since(): Millis {
    return this.#since;
  }

  /** Whether the local routes are (to be) in place. */
  get accepting(): boolean {
    return this.#accepting;
  }

  /** When the timer is due (undefined: not armed). */
  get timerAt(): Millis | undefined {
    return this.#timerAt;
  }

  /** Why it is not announced now, or undefined while it is (or is waiting to be). */
  get held(): HoldReason | undefined {
    if (this.#stopping) return { kind: 'stopping' };
    if (this.#conflict !== undefined) return { kind: 'conflict', why: this.#conflict };
    if (!this.#healthy) return { kind: 'unhealthy', why: this.#unhealthyWhy };
    return undefined;
  }

  /** Its trackers and virtual servers: all up (healthy), or not and why. */
  health(healthy: boolean, why: string, now: Millis): AnnounceStep[] {
    this.#healthy = healthy;
    if (!healthy) this.#unhealthyWhy = why;
    return this.settle(now);
  }

  /** One of its prefixes is (why: which, on which interface) or no longer is (undefined) an interface's address. */
  conflict(why: string | undefined, now: Millis): AnnounceStep[] {
    this.#conflict = why;
    return this.settle(now);
  }

  /** vipd stops (or the announce leaves on a reload): withdrawn, then no longer accepted after withdraw_delay. */
  stop(now: Millis): AnnounceStep[] {
    this.#stopping = true;
    return this.settle(now);
  }

  timer(now: Millis): AnnounceStep[] {
    if (this.#timerAt === undefined || now < this.#timerAt) return [];
    this.#timerAt = undefined;
    if (this.#state === 'waiting') return this.enter('announced', now, [...this.acceptNow(), { kind: 'announce' }]);
    if (this.#state === 'draining') return this.enter('withdrawn', now, this.stopAccepting());
    return [];
  }

  /** What the state must become after a change of what it is told. */
  private settle(now: Millis): AnnounceStep[] {
    const wanted = this.held === undefined;
    switch (this.#state) {
      case 'withdrawn':
      case 'draining':
        if (wanted) {
          if (this.options.announceDelayMs <= 0) {
            return this.enter('announced', now, [...this.acceptNow(), { kind: 'announce' }, this.arm(undefined)]);
          }
          return this.enter('waiting', now, [this.arm(now + this.options.announceDelayMs)]);
        }
        // An interface holding the address accepts it anyway: vipd's local route has nothing left to carry.
        if (this.#state === 'draining' && this.#conflict !== undefined) {
          return this.enter('withdrawn', now, [...this.stopAccepting(), this.arm(undefined)]);
        }
        return [];
      case 'waiting':
        if (wanted) return [];
        if (this.#accepting && this.#conflict === undefined && now < this.#drainUntil) {
          return this.enter('draining', now, [this.arm(this.#drainUntil)]);
        }
        return this.enter('withdrawn', now, [...this.stopAccepting(), this.arm(undefined)]);
      case 'announced': {
        if (wanted) return [];
        const withdraw: AnnounceStep = { kind: 'withdraw' };
        if (this.options.withdrawDelayMs <= 0 || this.#conflict !== undefined) {
          return this.enter('withdrawn', now, [withdraw, ...this.stopAccepting(), this.arm(undefined)]);
        }
        this.#drainUntil = now + this.options.withdrawDelayMs;
        return this.enter('draining', now, [withdraw, this.arm(this.#drainUntil)]);
      }
    }
  }

  private enter(state: AnnounceState, now: Millis, steps: AnnounceStep[]): AnnounceStep[] {
    if (state !== this.#state) this.#since = now;
    this.#state = state;
    return steps;
  }

  private arm(at: Millis | undefined): AnnounceStep {
    this.#timerAt = at;
    return { kind: 'timer', at };
  }

  private acceptNow(): AnnounceStep[] {
    if (this.#accepting) return [];
    this.#accepting = true;
    return [{ kind: 'accept' }];
  }

  private stopAccepting(): AnnounceStep[] {
    if (!this.#accepting) return [];
    this.#accepting = false;
    return [{ kind: 'stop-accepting' }];
  }
}
