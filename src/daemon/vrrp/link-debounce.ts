/**
 * keepalived's interface_up_down_delays: a link going down (or up) is acted on only once it has stayed so for the
 * interface's delay; back to the state acted on before the delay ran out, nothing happens. Interfaces without a
 * delay are acted on at once.
 */
import type { TimerPort } from '../../core/ports.js';

export interface LinkDelays {
  downMs: number;
  upMs: number;
}

export class LinkDebounce {
  /** The state last acted on, by interface. */
  private readonly acted = new Map<string, boolean>();
  private readonly pending = new Map<string, { up: boolean; timer: TimerPort }>();

  constructor(
    private delays: ReadonlyMap<string, LinkDelays>,
    private readonly edges: { now(): number; createTimer(onFire: () => void): TimerPort },
  ) {}

  reconfigure(delays: ReadonlyMap<string, LinkDelays>): void {
    this.delays = delays;
  }

  /** The interface is `up` (or not) now: `act` runs now, after the delay, or not at all if it bounces back. */
  changed(name: string, up: boolean, act: (up: boolean) => void): void {
    const delay = this.delays.get(name);
    const wait = delay === undefined ? 0 : up ? delay.upMs : delay.downMs;
    const before = this.acted.get(name);
    const pending = this.pending.get(name);
    if (pending) {
      if (pending.up === up) return; // already waiting for this state
      pending.timer.close();
      this.pending.delete(name);
    }
    if (before === up) return; // back to what was acted on: the bounce is forgotten
    if (wait <= 0 || before === undefined) {
      this.acted.set(name, up);
      act(up);
      return;
    }
    const timer = this.edges.createTimer(() => {
      timer.close();
      this.pending.delete(name);
      this.acted.set(name, up);
      act(up);
    });
    this.pending.set(name, { up, timer });
    timer.armAt(this.edges.now() + wait);
  }

  /** The interface was deleted: acted on at once, as down (its coming back is then a change like any other). */
  deleted(name: string): void {
    this.pending.get(name)?.timer.close();
    this.pending.delete(name);
    this.acted.set(name, false);
  }

  /** What the interface was when vipd looked at start-up (a first change is then debounced too). */
  seed(name: string, up: boolean): void {
    if (!this.acted.has(name)) this.acted.set(name, up);
  }

  /** The state acted on, for an interface known to it (undefined: never seen). */
  state(name: string): boolean | undefined {
    return this.acted.get(name);
  }

  close(): void {
    for (const p of this.pending.values()) p.timer.close();
    this.pending.clear();
  }
}
