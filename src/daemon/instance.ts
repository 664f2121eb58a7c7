/**
 * Runs one VRRP instance: feeds events to the pure state machine and performs the actions it returns,
 * in order, against the edges. Sends and timers happen synchronously; address changes, which go through
 * netlink, run on a per-instance queue so that add/remove/GARP keep their order without blocking adverts.
 */
import { type ChecksumMode, type DecodeResult, encodeAdvert, type ReceiveExpectation } from '../core/codec/advert.js';
import { encodeGarp, encodeUnsolicitedNa } from '../core/codec/frames.js';
import type { InstanceConfig } from '../core/config/model.js';
import type { AddressPort, AddressSpec, FramePort, ReceivedPacket, TimerPort } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import { VrrpMachine } from '../core/vrrp/machine.js';
import type { InstanceParams, NotifyState, TimerName, VrrpAction, VrrpEvent } from '../core/vrrp/types.js';
import { notifyArgv } from '../edges/scripts.js';
import type { Logger } from '../log.js';
import { InstanceCounters } from './counters.js';
import type { AdvertSink, Receiver } from './receiver.js';

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

const MULTICAST_GROUP = { 4: '224.0.0.18', 6: 'ff02::12' } as const;

export class InstanceRunner implements AdvertSink {
  readonly counters = new InstanceCounters();
  readonly machine: VrrpMachine;
  private readonly timers = new Map<TimerName, { port: TimerPort; gen: number; at: number }>();
  /** VIPs this process added (not those that were already present): the only ones it removes. */
  private readonly ownedVips = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private readonly destinations: string[];
  private readonly checksumMode: ChecksumMode;
  private readonly advertCache = new Map<string, Buffer>();
  private readonly pendingScripts = new Set<Promise<void>>();

  constructor(
    readonly config: InstanceConfig,
    private readonly runtime: InstanceRuntime,
    private readonly receiver: Receiver,
    private readonly edges: InstanceEdges,
    private readonly log: Logger,
  ) {
    this.machine = new VrrpMachine(instanceParams(config, runtime.primaryAddress));
    this.destinations = config.unicastPeers.length > 0 ? config.unicastPeers : [MULTICAST_GROUP[config.family]];
    this.checksumMode = config.v3ChecksumAsV2 ? 'message-only' : 'pseudo-header';
    receiver.attach(this);
  }

  get vrid(): number {
    return this.config.vrid;
  }

  expectation(): ReceiveExpectation {
    const c = this.config;
    return {
      version: c.version,
      priority: c.priority,
      advertIntervalMs: c.advertIntervalMs,
      addresses: c.vips.map((v) => v.address),
      authType: c.auth ? 1 : 0,
      authPassword: c.auth?.password,
      unicastPeers: c.unicastPeers,
      checkUnicastSrc: c.checkUnicastSrc,
    };
  }

  start(): void {
    this.dispatch({ type: 'startup' }, 'startup');
  }

  dispatch(event: VrrpEvent, why?: string): void {
    const actions = this.machine.handle(event, this.edges.clock.now());
    for (const action of actions) this.perform(action, why);
  }

  onAdvert(result: Extract<DecodeResult, { ok: true }>, packet: ReceivedPacket): void {
    const { advert, notes } = result;
    this.counters.advertRcvd++;
    for (const n of notes) this.counters.note(n);
    if (advert.priority === 0) this.counters.priZeroRcvd++;
    if (notes.length > 0) this.log.debug({ notes, src: packet.src }, 'advert accepted with notes');
    this.dispatch({
      type: 'advert',
      priority: advert.priority,
      maxAdverIntervalMs: advert.maxAdverIntervalMs,
      src: packet.src,
    });
  }

  onDrop(result: Extract<DecodeResult, { ok: false }>, packet: ReceivedPacket): void {
    this.counters.drop(result.reason);
    this.log.debug({ reason: result.reason, detail: result.detail, src: packet.src }, 'advert dropped');
  }

  /** Link of the instance interface changed: down is a fault source (RFC: interface down → FAULT). */
  linkChanged(up: boolean): void {
    this.dispatch({ type: 'fault', source: `interface:${this.config.interface}`, on: !up }, up ? 'link up' : 'link down');
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
        this.enqueue(async () => this.sendGarps(action.repeat));
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
    for (const dst of this.destinations) {
      const key = `${priority}/${dst}`;
      let message = this.advertCache.get(key);
      if (!message) {
        message = this.encode(priority, dst);
        this.advertCache.set(key, message);
      }
      if (!this.trySend(() => this.receiver.port.send(message, dst, { src: this.runtime.primaryAddress }), 'advert'))
        return;
    }
    this.counters.advertSent++;
    if (priority === 0) this.counters.priZeroSent++;
  }

  /** A send can fail while a link flaps (ENETUNREACH): log it and go on; the link watcher drives FAULT. */
  private trySend(send: () => void, what: string): boolean {
    try {
      send();
      return true;
    } catch (err) {
      this.counters.sendErrors++;
      this.log.warn({ err, what }, 'send failed');
      return false;
    }
  }

  private encode(priority: number, dst: string): Buffer {
    const c = this.config;
    return encodeAdvert(
      {
        version: c.version,
        vrid: c.vrid,
        priority,
        maxAdverIntervalMs: c.advertIntervalMs,
        addresses: c.vips.map((v) => v.address),
        authType: c.auth ? 1 : 0,
        authPassword: c.auth?.password,
      },
      { family: c.family, src: this.runtime.primaryAddress, dst },
      this.checksumMode,
    );
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err: unknown) => {
      this.log.error({ err }, 'address operation failed');
    });
  }

  private async addVips(): Promise<void> {
    // Every request is issued before any is awaited: netlink applies each one inside its sendmsg, so the
    // kernel holds all VIPs before the GARPs queued behind this task go out.
    const results = await Promise.allSettled(this.config.vips.map((v) => this.edges.addresses.add(v)));
    results.forEach((r, i) => {
      const spec = this.config.vips[i] as AddressSpec;
      if (r.status === 'fulfilled') {
        if (r.value === 'added') this.ownedVips.add(vipKey(spec));
      } else {
        this.log.error({ err: r.reason, vip: spec.address, dev: spec.dev }, 'cannot add VIP');
      }
    });
  }

  private async removeVips(): Promise<void> {
    const owned = this.config.vips.filter((v) => this.ownedVips.has(vipKey(v)));
    await Promise.allSettled(
      owned.map(async (v) => {
        try {
          await this.edges.addresses.remove(v);
          this.ownedVips.delete(vipKey(v));
        } catch (err) {
          this.log.error({ err, vip: v.address, dev: v.dev }, 'cannot remove VIP');
        }
      }),
    );
  }

  private sendGarps(repeat: number): void {
    const frames = this.config.vips.map((v) =>
      v.family === 4
        ? encodeGarp(this.runtime.mac, v.address)
        : encodeUnsolicitedNa(this.runtime.mac, v.address, { router: this.runtime.ipv6Router }),
    );
    for (let i = 0; i < repeat; i++) {
      for (const f of frames) {
        if (this.trySend(() => this.edges.frames.send(f), 'gratuitous ARP/NA')) this.counters.garpSent++;
      }
    }
  }

  private notify(state: NotifyState, priority: number): void {
    for (const argv of notifyArgv(this.config.notify, this.config.name, state, priority)) {
      const p = this.edges.runScript(argv, state);
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
