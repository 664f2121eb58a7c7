/**
 * Who holds a VIP, over time, from the kernel's own address events: `ip -o monitor address` in each host's
 * namespace, so every add and delete is seen, not just what a poll happens to catch. Used by the host-change
 * tests and the chaos run: time with no holder and with two holders, outside the windows a failover may take.
 */
import type { ChildProcess } from 'node:child_process';
import type { Lab } from './netns.js';

/** A host whose VRRP daemon is down (killed, stopping, starting) does not count as a holder or a non-holder. */
export interface AliveChange {
  t: number;
  host: string;
  alive: boolean;
}

export interface HolderChange {
  /** performance.now() when the event was read. */
  t: number;
  /** When `ip monitor` received the kernel's event (ms, µs resolution, its own clock): for intervals between events. */
  at: number;
  host: string;
  held: boolean;
}

export class VipObserver {
  readonly changes: HolderChange[] = [];
  readonly liveness: AliveChange[] = [];
  private readonly held = new Map<string, boolean>();
  private readonly monitors: ChildProcess[] = [];
  /** When every host's state was known: the observation starts here. */
  started = Number.POSITIVE_INFINITY;

  private constructor(private readonly vip: string) {}

  /** Starts one monitor per host, then reads the current holders (a change in between is seen by the monitor). */
  static async start(lab: Lab, hosts: string[], vip: string): Promise<VipObserver> {
    const o = new VipObserver(vip);
    const family = vip.includes(':') ? 6 : 4;
    for (const host of hosts) {
      // Line-buffered: `ip monitor` writing into a pipe would otherwise hold its lines back.
      const child = lab.spawn(host, 'stdbuf', ['-oL', 'ip', '-ts', '-o', `-${family}`, 'monitor', 'address']);
      let buffer = '';
      child.stdout?.on('data', (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) o.line(host, line);
      });
      o.monitors.push(child);
    }
    await new Promise((r) => setTimeout(r, 150)); // the monitors have subscribed
    for (const host of hosts) {
      // On any device (a VMAC holds it there).
      const held = (lab.tryExec(host, 'ip', '-o', `-${family}`, 'addr', 'show', 'to', vip) ?? '').includes(` ${vip}/`);
      if (!o.held.has(host)) o.record(host, held);
    }
    o.started = performance.now();
    return o;
  }

  private line(host: string, line: string): void {
    const m = /^\[([^\]]+)\]\s+(Deleted\s+)?\d+:\s+\S+\s+inet6?\s+([0-9a-f.:]+)\//.exec(line);
    if (!m || m[3] !== this.vip) return;
    const [whole, fraction = '0'] = (m[1] ?? '').split('.');
    this.record(host, !m[2], Date.parse(`${whole}Z`) + Number(`0.${fraction}`) * 1000);
  }

  private record(host: string, held: boolean, at = Date.now()): void {
    if (this.held.get(host) === held) return;
    this.held.set(host, held);
    this.changes.push({ t: performance.now(), at, host, held });
  }

  /** From now on `host` counts (its daemon is up) or does not (killed, or not started yet). */
  setAlive(host: string, alive: boolean): void {
    this.liveness.push({ t: performance.now(), host, alive });
  }

  holders(): string[] {
    return [...this.held].filter(([, h]) => h).map(([host]) => host);
  }

  stop(): void {
    for (const m of this.monitors) m.kill('SIGKILL');
  }

  /**
   * Milliseconds with no holder and with more than one, from `from` to `to`, leaving out every window
   * [fault, fault + graceMs] (a failover is allowed to take Master_Down_Interval).
   */
  violations(opts: { from: number; to: number; faults: number[]; graceMs: number }): {
    none: number;
    several: number;
    /** Where they happened: [start, end) in performance.now() ms, and which. */
    spans: { from: number; to: number; kind: 'none' | 'several' }[];
  } {
    const spans: { from: number; to: number; kind: 'none' | 'several' }[] = [];
    const note = (t: number, kind: 'none' | 'several') => {
      const last = spans.at(-1);
      if (last && last.kind === kind && last.to === t) last.to = t + 1;
      else spans.push({ from: t, to: t + 1, kind });
    };
    const excluded = (t: number) => opts.faults.some((f) => t >= f && t < f + opts.graceMs);
    const state = new Map<string, boolean>();
    const alive = new Map<string, boolean>();
    let none = 0;
    let several = 0;
    const events = this.changes.filter((c) => c.t < opts.to);
    const lives = this.liveness.filter((c) => c.t < opts.to);
    // Step through time in 1 ms slices between events: simple, exact enough, bounded by the run length.
    let i = 0;
    let j = 0;
    const first = this.changes[0]?.t ?? this.started;
    for (let t = first; t < opts.to; t += 1) {
      while (i < events.length && (events[i]?.t ?? Infinity) <= t) {
        const c = events[i] as HolderChange;
        state.set(c.host, c.held);
        i++;
      }
      while (j < lives.length && (lives[j]?.t ?? Infinity) <= t) {
        const c = lives[j] as AliveChange;
        alive.set(c.host, c.alive);
        j++;
      }
      if (t < opts.from || t < this.started || excluded(t)) continue;
      const count = [...state].filter(([host, held]) => held && alive.get(host) !== false).length;
      if (count === 0) {
        none++;
        note(t, 'none');
      } else if (count > 1) {
        several++;
        note(t, 'several');
      }
    }
    return { none, several, spans };
  }
}
