/**
 * Runs one VRRP instance: feeds events to the pure state machine and performs the actions it returns,
 * in order, against the edges. Sends and timers happen synchronously; address changes, which go through
 * netlink, run on a per-instance queue so that add/remove/GARP keep their order without blocking adverts.
 */
import { type ChecksumMode, type DecodeResult, encodeAdvert, type ReceiveExpectation } from '../core/codec/advert.js';
import { encodeGarp, encodeUnsolicitedNa } from '../core/codec/frames.js';
import { VRRP_MULTICAST_GROUP } from '../core/codec/vrrp-wire.js';
import type { InstanceConfig } from '../core/config/model.js';
import type { AddressPort, AddressSpec, FramePort, ReceivedPacket, TimerPort } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import type { EffectivePriority } from '../core/tracking/priority.js';
import { VrrpMachine } from '../core/vrrp/machine.js';
import type { InstanceParams, NotifyState, TimerName, VrrpAction, VrrpEvent } from '../core/vrrp/types.js';
import { notifyArgv } from '../edges/scripts.js';
import type { Logger } from '../log.js';
import { InstanceCounters } from './counters.js';
import type { AdvertSink, Receiver } from './receiver.js';
import { rehearseFailover } from './warmup.js';

export interface InstanceEdges {
  clock: Clock;
  addresses: AddressPort;
  frames: FramePort;
  createTimer(onFire: () => void): TimerPort;
  runScript(argv: string[], state: string): Promise<void>;
}

export interface InstanceRuntime {
  /** Advert source: unicast_src_ip, else the interface's primary IPv4 / link-local IPv6 address. */
  primaryAddress: string;
  mac: Buffer;
  /** IPv6 NA Router flag: set when the interface forwards (as keepalived does). */
  ipv6Router: boolean;
}

export class InstanceRunner implements AdvertSink {
  readonly counters = new InstanceCounters();
  readonly machine: VrrpMachine;
  private readonly timers = new Map<TimerName, { port: TimerPort; gen: number; at: number }>();
  /**
   * Per VIP, whether this process added it (not one that was already present): the only ones it removes.
   * A promise, because the add is sent at once and its answer comes later.
   */
  private readonly ownedVips = new Map<string, Promise<boolean>>();
  /** Serialises address changes: a removal waits for the adds before it, an add for the removals before it. */
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private started = false;
  private trackerResult: EffectivePriority | undefined;
  private readonly destinations: string[];
  private readonly checksumMode: ChecksumMode;
  /** Encoded adverts per advertised priority, one per destination: sending one allocates nothing. */
  private readonly advertCache = new Map<number, { dst: string; message: Buffer }[]>();
  private readonly sendOptions: { src: string };
  private readonly pendingScripts = new Set<Promise<void>>();
  /** One gratuitous ARP / unsolicited NA per VIP, built once: the MAC and VIPs do not change while running. */
  private readonly garpFrames: Buffer[];
  /** What a received advert is checked against; fixed for the life of the instance (no per-packet object). */
  private readonly receiveExpectation: ReceiveExpectation;

  constructor(
    readonly config: InstanceConfig,
    private readonly runtime: InstanceRuntime,
    private readonly receiver: Receiver,
    private readonly edges: InstanceEdges,
    private readonly log: Logger,
  ) {
    const params = instanceParams(config, runtime.primaryAddress);
    rehearseFailover(params);
    this.machine = new VrrpMachine(params);
    this.destinations = config.unicastPeers.length > 0 ? config.unicastPeers : [VRRP_MULTICAST_GROUP[config.family]];
    this.checksumMode = config.v3ChecksumAsV2 ? 'message-only' : 'pseudo-header';
    this.sendOptions = { src: runtime.primaryAddress };
    this.receiveExpectation = {
      version: config.version,
      priority: config.priority,
      advertIntervalMs: config.advertIntervalMs,
      addresses: config.vips.map((v) => v.address),
      authType: config.auth ? 1 : 0,
      authPassword: config.auth?.password,
      unicastPeers: config.unicastPeers,
      checkUnicastSrc: config.checkUnicastSrc,
    };
    receiver.attach(this);
    this.garpFrames = config.vips.map((v) =>
      v.family === 4
        ? encodeGarp(runtime.mac, v.address)
        : encodeUnsolicitedNa(runtime.mac, v.address, { router: runtime.ipv6Router }),
    );
    // Encode the adverts this instance will send now, not on the first takeover.
    for (const priority of [config.priority, 0]) this.advertsFor(priority);
  }

  get vrid(): number {
    return this.config.vrid;
  }

  expectation(): ReceiveExpectation {
    return this.receiveExpectation;
  }

  start(): void {
    this.started = true;
    this.dispatch({ type: 'startup' }, 'startup');
    if (this.trackerResult) this.trackersChanged(this.trackerResult);
  }

  /** Trackers changed what this instance is worth: a new effective priority, or a tracker fault on or off. */
  trackersChanged(result: EffectivePriority): void {
    this.trackerResult = result;
    if (!this.started) return; // applied right after start-up
    this.dispatch({ type: 'priority', effective: result.priority }, 'trackers');
    this.dispatch({ type: 'fault', source: 'trackers', on: result.fault !== undefined }, result.fault ?? 'trackers');
  }

  dispatch(event: VrrpEvent, why?: string, now = this.edges.clock.now()): void {
    const actions = this.machine.handle(event, now);
    for (const action of actions) this.perform(action, why);
  }

  onAdvert(result: Extract<DecodeResult, { ok: true }>, packet: ReceivedPacket): void {
    const { advert, notes } = result;
    this.counters.advertRcvd++;
    for (const n of notes) this.counters.note(n);
    if (advert.priority === 0) this.counters.priZeroRcvd++;
    if (notes.length > 0) this.log.debug({ notes, src: packet.src }, 'advert accepted with notes');
    // Timers restart from the kernel's arrival time of the advert, not from when it was read.
    this.dispatch(
      { type: 'advert', priority: advert.priority, maxAdverIntervalMs: advert.maxAdverIntervalMs, src: packet.src },
      undefined,
      packet.at,
    );
  }

  onDrop(result: Extract<DecodeResult, { ok: false }>, packet: ReceivedPacket): void {
    this.counters.drop(result.reason);
    this.log.debug({ reason: result.reason, detail: result.detail, src: packet.src }, 'advert dropped');
  }

  /** Link of the instance interface changed: down is a fault source (RFC: interface down → FAULT). */
  linkChanged(up: boolean): void {
    this.dispatch(
      { type: 'fault', source: `interface:${this.config.interface}`, on: !up },
      up ? 'link up' : 'link down',
    );
  }

  /** Sends priority 0 (if master), removes VIPs, runs STOP notifies; resolves when all that is done. */
  async stop(notifyWaitMs = 1000): Promise<void> {
    this.dispatch({ type: 'shutdown' }, 'shutdown');
    await this.queue;
    await Promise.race([
      Promise.allSettled([...this.pendingScripts]),
      new Promise((r) => setTimeout(r, notifyWaitMs).unref()),
    ]);
    this.close();
  }

  /** Last resort on a crash: remove what we added, as fast as possible. */
  async emergencyRelease(): Promise<void> {
    if (this.machine.state === 'MASTER') this.sendAdvert(0);
    await this.removeVips();
  }

  close(): void {
    for (const t of this.timers.values()) t.port.close();
    this.timers.clear();
    this.receiver.detach(this);
  }

  private perform(action: VrrpAction, why?: string): void {
    switch (action.type) {
      case 'send-advert':
        this.sendAdvert(action.priority);
        return;
      case 'add-vips':
        this.enqueue(() => this.addVips());
        return;
      case 'remove-vips':
        this.enqueue(() => this.removeVips());
        return;
      case 'garp':
        // Queued behind add-vips, whose requests the kernel has applied by the time their sendmsg returned.
        this.enqueue(() => this.sendGarps(action.repeat));
        return;
      case 'notify':
        this.notify(action.state, action.priority);
        return;
      case 'set-timer':
        this.armTimer(action.timer, action.at, action.gen);
        return;
      case 'cancel-timer':
        this.timers.get(action.timer)?.port.disarm();
        return;
      case 'transition':
        if (action.to === 'MASTER') this.counters.becomeMaster++;
        if (action.from === 'MASTER') this.counters.releaseMaster++;
        this.log.info({ from: action.from, to: action.to, cause: action.cause, trigger: why }, 'state transition');
        return;
    }
  }

  private sendAdvert(priority: number): void {
    for (const { dst, message } of this.advertsFor(priority)) {
      try {
        this.receiver.port.send(message, dst, this.sendOptions);
      } catch (err) {
        this.sendFailed(err, 'advert');
        return;
      }
    }
    this.counters.advertSent++;
    if (priority === 0) this.counters.priZeroSent++;
  }

  private advertsFor(priority: number): { dst: string; message: Buffer }[] {
    let adverts = this.advertCache.get(priority);
    if (!adverts) {
      adverts = this.destinations.map((dst) => ({ dst, message: this.encode(priority, dst) }));
      this.advertCache.set(priority, adverts);
    }
    return adverts;
  }

  /** A send can fail while a link flaps (ENETUNREACH): count and log it and go on; the link watcher drives FAULT. */
  private sendFailed(err: unknown, what: string): void {
    this.counters.sendErrors++;
    this.log.warn({ err, what }, 'send failed');
  }

  private encode(priority: number, dst: string): Buffer {
    const c = this.config;
    return encodeAdvert(
      {
        version: c.version,
        vrid: c.vrid,
        priority,
        maxAdverIntervalMs: c.advertIntervalMs,
        addresses: this.receiveExpectation.addresses,
        authType: c.auth ? 1 : 0,
        authPassword: c.auth?.password,
      },
      { family: c.family, src: this.runtime.primaryAddress, dst },
      this.checksumMode,
    );
  }

  /**
   * Runs address work in order. When nothing is pending the task starts right here, synchronously, so
   * the VIPs and GARPs of a takeover follow the advert within the same turn instead of after the logging.
   */
  private enqueue(task: () => Promise<void> | void): void {
    const failed = (err: unknown) => this.log.error({ err }, 'address operation failed');
    if (this.queued === 0) {
      let result: Promise<void> | void;
      try {
        result = task();
      } catch (err) {
        failed(err);
        return;
      }
      if (!(result instanceof Promise)) return; // finished synchronously: nothing to wait for
      this.track(result.catch(failed));
      return;
    }
    this.track(this.queue.then(task).catch(failed));
  }

  private track(p: Promise<void>): void {
    this.queued++;
    this.queue = p.finally(() => {
      this.queued--;
    });
  }

  /** Sends every add at once without waiting for the answers; ownership is settled when they come. */
  private addVips(): void {
    for (const spec of this.config.vips) {
      const owned = this.edges.addresses.add(spec).then(
        (r) => r === 'added',
        (err: unknown) => {
          this.log.error({ err, vip: spec.address, dev: spec.dev }, 'cannot add VIP');
          return false;
        },
      );
      const previous = this.ownedVips.get(vipKey(spec));
      // Re-adding what we already own keeps it ours even though the kernel now answers "present".
      this.ownedVips.set(vipKey(spec), previous ? Promise.all([previous, owned]).then(([a, b]) => a || b) : owned);
    }
  }

  private async removeVips(): Promise<void> {
    await Promise.all(
      this.config.vips.map(async (v) => {
        const owned = this.ownedVips.get(vipKey(v));
        if (!owned || !(await owned)) return;
        this.ownedVips.delete(vipKey(v));
        try {
          await this.edges.addresses.remove(v);
        } catch (err) {
          this.log.error({ err, vip: v.address, dev: v.dev }, 'cannot remove VIP');
        }
      }),
    );
  }

  private sendGarps(repeat: number): void {
    for (let i = 0; i < repeat; i++) {
      for (const f of this.garpFrames) {
        try {
          this.edges.frames.send(f);
          this.counters.garpSent++;
        } catch (err) {
          this.sendFailed(err, 'gratuitous ARP/NA');
        }
      }
    }
  }

  /** Spawning is a synchronous fork/exec of a few ms: it runs after the adverts, VIPs and GARPs are out. */
  private notify(state: NotifyState, priority: number): void {
    for (const argv of notifyArgv(this.config.notify, this.config.name, state, priority)) {
      const p = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.edges.runScript(argv, state));
      this.pendingScripts.add(p);
      void p.finally(() => this.pendingScripts.delete(p));
    }
  }

  private armTimer(name: TimerName, at: number, gen: number): void {
    let t = this.timers.get(name);
    if (!t) {
      const entry = { gen, at, port: this.edges.createTimer(() => this.timerFired(name, entry)) };
      t = entry;
      this.timers.set(name, entry);
    }
    t.gen = gen;
    t.at = at;
    t.port.armAt(at);
  }

  private timerFired(name: TimerName, entry: { gen: number; at: number }): void {
    const lateMs = this.edges.clock.now() - entry.at;
    this.counters.timerLateness.record(lateMs);
    if (lateMs > TIMER_LATE_WARN_MS) this.log.warn({ timer: name, lateMs }, 'timer fired late');
    this.dispatch({ type: 'timer', timer: name, gen: entry.gen });
  }
}

/** A timer this late means the event loop was blocked; on a 10 ms advert interval that is visible on the wire. */
const TIMER_LATE_WARN_MS = 5;

function vipKey(v: AddressSpec): string {
  return `${v.dev}/${v.address}/${v.prefix}`;
}

/** Maps the configuration model onto the state machine's parameters. */
export function instanceParams(c: InstanceConfig, primaryAddress: string): InstanceParams {
  return {
    name: c.name,
    vrid: c.vrid,
    version: c.version,
    family: c.family,
    priority: c.priority,
    advertIntervalMs: c.advertIntervalMs,
    initialState: c.state,
    preempt: c.preempt,
    preemptDelayMs: c.preemptDelayMs,
    primaryAddress,
    downTimerAdverts: c.downTimerAdverts,
    lowerPrioNoAdvert: c.lowerPrioNoAdvert,
    higherPrioSendAdvert: c.higherPrioSendAdvert,
    garp: c.garp,
  };
}
