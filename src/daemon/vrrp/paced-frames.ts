/**
 * keepalived's `vrrp_garp_interval` / `vrrp_gna_interval`: at least that long between two gratuitous ARPs (or two
 * unsolicited NAs) on one interface, whichever instance sends them, so that a takeover of many VIPs does not
 * flood a switch that rate-limits ARP. Frames wait their turn in order; with no interval they go at once.
 */
import type { TimerPort } from '../../core/ports.js';

/** Ethernet type of a frame (ARP 0x0806, IPv6 0x86dd). */
const etherType = (frame: Buffer) => (frame.length >= 14 ? frame.readUInt16BE(12) : 0);
const ARP = 0x0806;
const IPV6 = 0x86dd;

export interface PacingEdges {
  now(): number;
  createTimer(onFire: () => void): TimerPort;
  /** A frame that could not be sent when its turn came (the instance that queued it has moved on). */
  failed(err: unknown): void;
}

class Lane {
  private readonly queue: { frame: Buffer; send: (f: Buffer) => void }[] = [];
  private nextAt = Number.NEGATIVE_INFINITY;
  private timer: TimerPort | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly edges: PacingEdges,
  ) {}

  push(frame: Buffer, send: (f: Buffer) => void): void {
    const now = this.edges.now();
    if (this.intervalMs <= 0) {
      send(frame);
      return;
    }
    if (this.queue.length === 0 && now >= this.nextAt) {
      this.nextAt = now + this.intervalMs;
      send(frame); // the first of a burst goes at once, and errors reach the sender as without pacing
      return;
    }
    this.queue.push({ frame, send });
    this.arm();
  }

  close(): void {
    this.queue.length = 0;
    this.timer?.close();
    this.timer = undefined;
  }

  private arm(): void {
    this.timer ??= this.edges.createTimer(() => this.fire());
    this.timer.armAt(this.nextAt);
  }

  private fire(): void {
    const item = this.queue.shift();
    if (!item) return;
    this.nextAt = this.edges.now() + this.intervalMs;
    try {
      item.send(item.frame);
    } catch (err) {
      this.edges.failed(err);
    }
    if (this.queue.length > 0) this.arm();
  }
}

/** The GARP and NA lanes of one interface. */
export class PacedFrames {
  private readonly garp: Lane;
  private readonly na: Lane;

  constructor(garpIntervalMs: number, gnaIntervalMs: number, edges: PacingEdges) {
    this.garp = new Lane(garpIntervalMs, edges);
    this.na = new Lane(gnaIntervalMs, edges);
  }

  send(frame: Buffer, send: (f: Buffer) => void): void {
    const type = etherType(frame);
    if (type === ARP) this.garp.push(frame, send);
    else if (type === IPV6) this.na.push(frame, send);
    else send(frame);
  }

  close(): void {
    this.garp.close();
    this.na.close();
  }
}
