/**
 * Fake-clock harness for the pure VRRP machine: a clock that is just a number, routers that remember
 * which timers their machine armed, and a LAN that delivers each router's adverts to the others and
 * fires timers in time order. No real timers anywhere.
 */
import type { Millis } from '../../src/core/time.js';
import { VrrpMachine } from '../../src/core/vrrp/machine.js';
import type { GarpParams, InstanceParams, TimerName, VrrpAction, VrrpEvent } from '../../src/core/vrrp/types.js';

export const KEEPALIVED_GARP: GarpParams = {
  masterDelayMs: 5000,
  masterRepeat: 5,
  masterRefreshMs: 0,
  masterRefreshRepeat: 1,
  lowerPrioDelayMs: 5000,
  lowerPrioRepeat: 5,
};

type ParamsOverride = Partial<Omit<InstanceParams, 'garp'>> & { garp?: Partial<GarpParams> };

/** keepalived defaults, as VRRPv3 over IPv4 with a 1 s interval and priority 100. */
export function params(over: ParamsOverride = {}): InstanceParams {
  const { garp, ...rest } = over;
  return {
    name: 'VI_1',
    vrid: 51,
    version: 3,
    family: 4,
    priority: 100,
    advertIntervalMs: 1000,
    initialState: 'BACKUP',
    preempt: true,
    preemptDelayMs: 0,
    primaryAddress: '192.0.2.10',
    downTimerAdverts: 3,
    lowerPrioNoAdvert: false,
    higherPrioSendAdvert: false,
    syncGroup: false,
    ...rest,
    garp: { ...KEEPALIVED_GARP, ...garp },
  };
}

export function advert(priority: number, src: string, maxAdverIntervalMs: Millis = 1000): VrrpEvent {
  return { type: 'advert', priority, maxAdverIntervalMs, src };
}

export class FakeClock {
  now: Millis = 0;
}

export interface Stamped {
  at: Millis;
  action: VrrpAction;
}

/** One machine plus what the daemon would know: the armed deadline and generation of each timer. */
export class FakeRouter {
  readonly machine: VrrpMachine;
  readonly history: Stamped[] = [];
  private readonly armed = new Map<TimerName, { at: Millis; gen: number }>();

  constructor(
    readonly params: InstanceParams,
    readonly clock: FakeClock = new FakeClock(),
  ) {
    this.machine = new VrrpMachine(params);
  }

  get state() {
    return this.machine.state;
  }

  handle(event: VrrpEvent): VrrpAction[] {
    const actions = this.machine.handle(event, this.clock.now);
    for (const action of actions) {
      this.history.push({ at: this.clock.now, action });
      if (action.type === 'set-timer') this.armed.set(action.timer, { at: action.at, gen: action.gen });
      if (action.type === 'cancel-timer') this.armed.delete(action.timer);
    }
    return actions;
  }

  deadline(timer: TimerName): Millis | undefined {
    return this.armed.get(timer)?.at;
  }

  gen(timer: TimerName): number | undefined {
    return this.armed.get(timer)?.gen;
  }

  /** Moves the clock to the timer's deadline and fires it, as the daemon's timer port would. */
  fire(timer: TimerName): VrrpAction[] {
    const t = this.armed.get(timer);
    if (!t) throw new Error(`${this.params.name}: timer ${timer} is not armed`);
    if (t.at < this.clock.now) throw new Error(`${this.params.name}: timer ${timer} is in the past`);
    this.clock.now = t.at;
    this.armed.delete(timer);
    return this.handle({ type: 'timer', timer, gen: t.gen });
  }

  /** Fires this router's timers due up to `t` in deadline order, then leaves the clock at `t`. */
  runUntil(t: Millis): void {
    for (let n = this.next(); n && n.at <= t; n = this.next()) this.fire(n.timer);
    this.clock.now = t;
  }

  next(): { timer: TimerName; at: Millis } | undefined {
    let best: { timer: TimerName; at: Millis } | undefined;
    for (const [timer, { at }] of this.armed) if (!best || at < best.at) best = { timer, at };
    return best;
  }

  transitions(): { at: Millis; from: string; to: string; cause: string }[] {
    return this.history.flatMap(({ at, action }) =>
      action.type === 'transition' ? [{ at, from: action.from, to: action.to, cause: action.cause }] : [],
    );
  }
}

/**
 * Routers on one segment. Every send-advert reaches the other attached routers at the same instant
 * (the source is the sender's primary address); timers fire in deadline order across routers.
 */
export class Lan {
  readonly clock = new FakeClock();
  private readonly routers: FakeRouter[] = [];
  private readonly detached = new Set<FakeRouter>();

  add(p: InstanceParams): FakeRouter {
    const router = new FakeRouter(p, this.clock);
    this.routers.push(router);
    return router;
  }

  /** Sends an event to one router and delivers the adverts that result. */
  handle(router: FakeRouter, event: VrrpEvent): VrrpAction[] {
    const actions = router.handle(event);
    this.deliver(router, actions);
    return actions;
  }

  /** The router is cut off the segment: it neither sends to nor hears from the others. */
  detach(router: FakeRouter): void {
    this.detached.add(router);
  }

  attach(router: FakeRouter): void {
    this.detached.delete(router);
  }

  /** Fires every timer due up to `t`, in time order, then leaves the clock at `t`. */
  runUntil(t: Millis): void {
    for (;;) {
      const due = this.routers
        .map((router) => ({ router, next: router.next() }))
        .filter((c): c is { router: FakeRouter; next: { timer: TimerName; at: Millis } } => !!c.next)
        .sort((a, b) => a.next.at - b.next.at)[0];
      if (!due || due.next.at > t) break;
      this.deliver(due.router, due.router.fire(due.next.timer));
    }
    this.clock.now = t;
  }

  private deliver(from: FakeRouter, actions: VrrpAction[]): void {
    if (this.detached.has(from)) return;
    for (const action of actions) {
      if (action.type !== 'send-advert') continue;
      for (const to of this.routers) {
        if (to === from || this.detached.has(to)) continue;
        this.handle(to, advert(action.priority, from.params.primaryAddress, from.params.advertIntervalMs));
      }
    }
  }
}

/** Only the actions of one type, for focused assertions. */
export function only<T extends VrrpAction['type']>(actions: VrrpAction[], type: T): Extract<VrrpAction, { type: T }>[] {
  return actions.filter((a): a is Extract<VrrpAction, { type: T }> => a.type === type);
}

/** Action types in order: the shape of a transition without the numbers. */
export function kinds(actions: VrrpAction[]): string[] {
  return actions.map((a) =>
    a.type === 'set-timer' || a.type === 'cancel-timer'
      ? `${a.type}:${a.timer}`
      : a.type === 'garp'
        ? `garp:${a.reason}`
        : a.type === 'notify'
          ? `notify:${a.state}`
          : a.type === 'send-advert'
            ? `send-advert:${a.priority}`
            : a.type,
  );
}
