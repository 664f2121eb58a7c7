/**
 * Runs one VRRP instance: feeds events to the pure state machine and performs the actions it returns,
 * in order, against the edges. Sends and timers happen synchronously; address changes, which go through
 * netlink, run on a per-instance queue so that add/remove/GARP keep their order without blocking adverts.
 */
import type { DecodeResult, ReceiveExpectation } from '../../core/codec/advert.js';
import { encodeGarp, encodeUnsolicitedNa } from '../../core/codec/frames.js';
import { canonicalAddress } from '../../core/codec/ip-address.js';
import { type DropReason, drop } from '../../core/codec/reasons.js';
import type { RoutingChanges } from '../../core/config/diff.js';
import { configFaults } from '../../core/config/faults.js';
import type { InstanceConfig } from '../../core/config/model.js';
import type { Logger } from '../../core/log.js';
import type { AddressSpec, Family, RouteSpec, RuleSpec } from '../../core/net.js';
import type { ReceivedPacket, TimerPort } from '../../core/ports.js';
import type { Clock } from '../../core/time.js';
import type { EffectivePriority } from '../../core/tracking/priority.js';
import { VrrpMachine } from '../../core/vrrp/machine.js';
import { deletedState, type NotifyEvent, type NotifyRun, notifyRuns } from '../../core/vrrp/notify.js';
import type {
  InstanceParams,
  NotifyState,
  TimerName,
  TransitionCause,
  VrrpAction,
  VrrpEvent,
  VrrpState,
} from '../../core/vrrp/types.js';
import type { KernelLedger } from '../ledger.js';
import { errorCode, RepeatedErrors } from '../repeated-errors.js';
import { Advertiser, authTypeOf, type InstanceRuntime } from './advertiser.js';
import { InstanceCounters } from './counters.js';
import { InterfaceGoneError, type Sender } from './interface-binding.js';
import type { AdvertSink, Receiver } from './receiver.js';

export interface InstanceEdges {
  clock: Clock;
  /** Adds and removes the VIPs, and remembers which ones vipd added. */
  ledger: KernelLedger;
  createTimer(onFire: () => void): TimerPort;
  runScript(run: NotifyRun, state: string): Promise<void>;
  /** The daemon hears of every transition (through its event queue, after this instance's actions ran). */
  reportTransition(t: Transition): void;
  /**
   * What a sync group needs to hear besides transitions (queued like them): the instance wants MASTER (its
   * down timer ran out), or one of its fault sources came on or went off.
   */
  reportSync?(change: 'wants-master' | 'faults'): void;
  /** A FIFO event that is not a transition (notify_master_rx_lower_pri, notify_priority_changes). */
  reportEvent?(event: InstanceEvent, priority: number): void;
  /**
   * GARP/NA for an address on another interface than the one this instance sends from, sent there with that
   * interface's MAC (keepalived announces each VIP on its own interface). Absent: such addresses are not announced.
   */
  announceOn?(spec: AddressSpec, repeat: number): void;
  /** An advert for this instance was dropped (SNMP's authentication-failure and protocol-error notifications). */
  reportDrop?(reason: DropReason, src: string): void;
}

/** A state change of an instance, as the daemon's observers see it. */
export interface Transition {
  from: VrrpState;
  to: VrrpState;
  cause: TransitionCause;
  /** What set it off beyond the machine's cause (a fault's reason, 'trackers', 'link up'), when known. */
  trigger: string | undefined;
  /** Monotonic time of the transition. */
  at: number;
  /** The effective priority at the transition (what notify scripts and the FIFO are given). */
  priority: number;
  /** The state notified (scripts, FIFO): `to`, but STOP for INIT, and DELETED or FAULT when a reload removed it. */
  notified: NotifyEvent;
}

/** keepalived's FIFO events besides transitions. */
export type InstanceEvent = 'MASTER_RX_LOWER_PRI' | 'MASTER_PRIORITY' | 'BACKUP_PRIORITY';

/** Fault sources the runner sets itself or on the daemon's behalf; trackers and links add their own. */
export const SOURCE_ADDRESS_FAULT = 'no-source-address';
/** A configuration keepalived keeps in FAULT (configFaults): for as long as the configuration says so. */
const CONFIG_FAULT = 'configuration';
export const SEND_FAULT = 'send-errors';

/** Consecutive adverts that could not be sent before the instance goes to FAULT (peers miss as many). */
export const SEND_FAULT_AFTER = 3;
/** First wait before an instance in FAULT for send errors tries again; doubled on each relapse, up to the max. */
export const SEND_RETRY_MS = 1000;
export const SEND_RETRY_MAX_MS = 30_000;

export class InstanceRunner implements AdvertSink {
  readonly counters = new InstanceCounters();
  readonly machine: VrrpMachine;
  private readonly timers = new Map<TimerName, { port: TimerPort; gen: number; at: number }>();
  /** Fault sources that are on, with the reason logged when each came on. */
  private readonly faults = new Map<string, string>();
  private consecutiveSendFailures = 0;
  private sendRetryMs = SEND_RETRY_MS;
  private sendRetry: TimerPort | undefined;
  private stopping = false;
  /** Stopping because a reload removed it: notifies DELETED (notify_deleted) or FAULT, not STOP. */
  private deleted = false;
  private readonly sendErrors: RepeatedErrors;
  /** Serialises address changes: a removal waits for the adds before it, an add for the removals before it. */
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private started = false;
  private trackerResult: EffectivePriority | undefined;
  /** Its adverts, encoded and sent. */
  private readonly advertiser: Advertiser;
  /** While the advert timer's actions run: the advert they send is routine. */
  private routineAdvert = false;
  private readonly pendingScripts = new Set<Promise<void>>();
  /** One gratuitous ARP / unsolicited NA per VIP, built once per MAC (a re-created interface has a new one). */
  private garpFrames: { spec: AddressSpec; frame: Buffer }[] = [];
  /** (e)VIPs on other interfaces than the one this instance sends from: the daemon announces them. */
  private elsewhere: AddressSpec[] = [];
  /** garp_extra_if: the periodic announcement of `elsewhere` while master. */
  private extraGarp: TimerPort | undefined;
  /** Route and rule work, in order: adds wait for the VIPs a route may name as its source; removals come first. */
  private routing: Promise<void> = Promise.resolve();
  /** What a received advert is checked against; built once per configuration (no per-packet object). */
  private receiveExpectation!: ReceiveExpectation;

  constructor(
    private current: InstanceConfig,
    private runtime: InstanceRuntime,
    /** Where its adverts arrive: the interface, and with use_vmac the VMAC too (peers' adverts carry the VMAC). */
    private readonly receivers: readonly Receiver[],
    private readonly sender: Sender,
    private readonly edges: InstanceEdges,
    private readonly log: Logger,
  ) {
    this.sendErrors = new RepeatedErrors(log, 'send failed');
    this.machine = new VrrpMachine(instanceParams(current, runtime.primaryAddress));
    this.advertiser = new Advertiser(current, runtime, {
      sender,
      sent: (priority) => this.sendSucceeded(priority),
      failed: (err) => this.advertNotSent(err),
    });
    this.applyConfig(current);
    for (const r of receivers) r.attach(this);
    this.encodeForRuntime();
  }

  get config(): InstanceConfig {
    return this.current;
  }

  /** What follows from the configuration alone: what received adverts must match. */
  private applyConfig(c: InstanceConfig): void {
    this.current = c;
    this.receiveExpectation = {
      version: c.version,
      priority: c.priority,
      advertIntervalMs: c.advertIntervalMs,
      addresses: c.vips.map((v) => v.address),
      authType: authTypeOf(c),
      authPassword: c.auth?.password,
      unicastPeers: c.unicastPeers,
      checkUnicastSrc: c.checkUnicastSrc,
      ownerIgnoreAdverts: c.ownerIgnoreAdverts,
      oldUnicastChecksum: c.oldUnicastChecksum,
      skipCheckAdvAddr: c.skipCheckAdvAddr,
    };
  }

  /**
   * A reload changed this instance in place (its identity is the same): state, timers and held VIPs stay. A master
   * adds the new VIPs (and announces them) and removes the dropped ones; a new priority reaches the wire when the
   * daemon re-binds the trackers (advertised at once by a master).
   */
  reconfigure(next: InstanceConfig, changes: RoutingChanges): void {
    this.applyConfig(next);
    this.machine.reconfigure(instanceParams(next, this.runtime.primaryAddress));
    this.advertiser.configure(next);
    this.encodeForRuntime();
    if (this.started) this.applyConfigFaults();
    if (this.machine.state !== 'MASTER' || this.stopping) return;
    const { addresses, routes, rules } = changes;
    const { added, removed: dropped } = addresses;
    void this.removeRouting(routes.removed, rules.removed);
    if (added.length > 0) {
      this.enqueue(() => this.addVips(added));
      this.enqueue(() => this.sendGarps(this.current.garp.masterRepeat, added));
    }
    if (dropped.length > 0) {
      const removal = this.routing.then(() => Promise.all(dropped.map((v) => this.edges.ledger.removeAddress(v))));
      this.enqueue(() => removal.then(() => undefined));
    }
    this.addRouting(this.queue, routes.added, rules.added);
  }

  /** The advert source, the MAC or the NA router flag changed (an interface re-created, an address replaced). */
  rebind(runtime: InstanceRuntime): void {
    const sourceChanged = runtime.primaryAddress !== this.runtime.primaryAddress;
    this.runtime = runtime;
    this.machine.setPrimaryAddress(runtime.primaryAddress);
    this.advertiser.rebind(runtime);
    this.encodeForRuntime();
    if (sourceChanged) this.log.info({ source: runtime.primaryAddress }, 'advert source address changed');
  }

  /** Stopping or stopped (a reload took it away, or vipd stops): nothing is to be done for it any more. */
  get leaving(): boolean {
    return this.stopping;
  }

  get primaryAddress(): string {
    return this.runtime.primaryAddress;
  }

  /** Encodes now, not on the first takeover, what a takeover sends besides adverts: GARP/NA frames. */
  private encodeForRuntime(): void {
    const { mac, ipv6Router } = this.runtime;
    // VIPs and excluded VIPs are announced (keepalived): here those on the interface this instance sends from, the
    // others through the daemon, on their own interface.
    const own = this.config.useVmac?.ifname ?? this.config.interface;
    const announced = this.addresses.filter((v) => v.dev === own);
    this.elsewhere = this.addresses.filter((v) => v.dev !== own);
    this.garpFrames = announced.map((spec) => ({
      spec,
      frame:
        spec.family === 4
          ? encodeGarp(mac, spec.address)
          : encodeUnsolicitedNa(mac, spec.address, { router: ipv6Router }),
    }));
  }

  /**
   * Turns one fault source on or off; the instance is in FAULT while any is on. Each change is logged once,
   * with its reason, however often the daemon re-asserts it.
   */
  setFault(source: string, on: boolean, reason = source): void {
    if (on === this.faults.has(source)) return;
    if (on) {
      this.faults.set(source, reason);
      this.log.warn({ fault: source, reason }, 'fault');
    } else {
      this.faults.delete(source);
      this.log.info({ fault: source }, 'fault cleared');
    }
    this.dispatch({ type: 'fault', source, on }, on ? reason : `${source} cleared`);
  }

  hasFault(source: string): boolean {
    return this.faults.has(source);
  }

  /**
   * The kernel's addresses of `family` on `dev` as they are now. A master puts back at once any of its
   * VIPs on that device that someone deleted (keepalived does the same by default), and announces it again.
   */
  restoreVips(dev: string, family: Family, present: ReadonlySet<string>): void {
    if (this.stopping || this.machine.state !== 'MASTER') return;
    // An add still unanswered is not a deletion: a takeover's adds are in flight when the first one's event comes.
    const missing = this.addresses.filter(
      (v) =>
        v.dev === dev &&
        v.family === family &&
        !v.noTrack &&
        !present.has(canonicalAddress(v.address)) &&
        !this.edges.ledger.addingAddress(v),
    );
    if (missing.length === 0) return;
    this.log.warn({ vips: missing.map((v) => v.address), dev }, 'VIP deleted behind vipd: adding it back');
    this.enqueue(() => this.addVips(missing));
    this.enqueue(() => this.sendGarps(1, missing));
  }

  get vrid(): number {
    return this.config.vrid;
  }

  expectation(): ReceiveExpectation {
    return this.receiveExpectation;
  }

  private applyConfigFaults(): void {
    const reasons = configFaults(this.config);
    this.setFault(CONFIG_FAULT, reasons.length > 0, reasons.join('; '));
  }

  start(): void {
    this.started = true;
    this.dispatch({ type: 'startup' }, 'startup');
    this.applyConfigFaults();
    if (this.trackerResult) this.trackersChanged(this.trackerResult);
  }

  /** Trackers changed what this instance is worth: a new effective priority, or a tracker fault on or off. */
  trackersChanged(result: EffectivePriority): void {
    this.trackerResult = result;
    if (!this.started) return; // applied right after start-up
    const before = this.machine.snapshot().effectivePriority;
    this.dispatch({ type: 'priority', effective: result.priority }, 'trackers');
    const after = this.machine.snapshot().effectivePriority;
    if (this.config.notifyPriorityChanges && after !== before) {
      this.edges.reportEvent?.(this.machine.state === 'MASTER' ? 'MASTER_PRIORITY' : 'BACKUP_PRIORITY', after);
    }
    this.dispatch({ type: 'fault', source: 'trackers', on: result.fault !== undefined }, result.fault ?? 'trackers');
  }

  dispatch(event: VrrpEvent, why?: string, now = this.edges.clock.now()): void {
    const actions = this.machine.handle(event, now);
    // Only a master's routine advert may wait for the batch's sendmmsg: any other (a takeover's, a release's, a
    // new priority's) leaves at once, before the VIPs and GARPs that follow it.
    this.routineAdvert = event.type === 'timer' && event.timer === 'adver';
    for (const action of actions) this.perform(action, why);
    this.routineAdvert = false;
    if (event.type === 'fault' && this.config.syncGroup !== undefined) this.edges.reportSync?.('faults');
  }

  onAdvert(result: Extract<DecodeResult, { ok: true }>, packet: ReceivedPacket): void {
    const { advert, notes } = result;
    if (advert.ahSeq !== undefined) {
      const last = this.advertiser.lastAhSeq;
      if (!this.advertiser.acceptAhSeq(advert.ahSeq)) {
        this.onDrop(drop('auth_failure', `IPsec AH: sequence number ${advert.ahSeq} already seen (${last})`), packet);
        return;
      }
    }
    this.counters.advertRcvd++;
    for (const n of notes) this.counters.note(n);
    // keepalived's automatic old_unicast_checksum: a peer that sends the old checksum gets it back.
    if (notes.includes('checksum_old_unicast') && this.advertiser.useOldChecksum()) {
      this.log.info({ src: packet.src }, 'peer uses the pre-1.3.6 unicast checksum: sending it too');
    }
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
    this.edges.reportDrop?.(result.reason, packet.src);
    this.log.debug({ reason: result.reason, detail: result.detail, src: packet.src }, 'advert dropped');
  }

  /**
   * Link of the instance interface changed: down or gone is a fault source (RFC: interface down → FAULT), unless
   * dont_track_primary (keepalived: interface faults ignored; a deleted interface still takes the sockets and the
   * advert source with it, a fault of their own).
   */
  linkChanged(up: boolean, reason = up ? 'link up' : `interface ${this.config.interface} is down`): void {
    if (this.config.dontTrackPrimary) return;
    this.setFault(`interface:${this.config.interface}`, !up, reason);
  }

  /**
   * Sends priority 0 (if master), removes VIPs, runs STOP notifies (DELETED or FAULT ones when `deleted`, a reload
   * having removed it, as keepalived); resolves when all that is done.
   */
  async stop(notifyWaitMs = 1000, deleted = false): Promise<void> {
    this.stopping = true;
    this.deleted = deleted;
    this.dispatch({ type: 'shutdown' }, 'shutdown');
    await this.settled();
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
    this.sendRetry?.close();
    this.sendRetry = undefined;
    this.extraGarp?.close();
    this.extraGarp = undefined;
    this.sendErrors.ended();
    for (const r of this.receivers) r.detach(this);
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
        this.notify(this.notifiedState(action.state), action.priority);
        return;
      case 'master-rx-lower-pri':
        this.log.info({ from: action.from, priority: action.priority }, 'master heard a lower-priority advert');
        this.notify('MASTER_RX_LOWER_PRI', action.priority);
        this.edges.reportEvent?.('MASTER_RX_LOWER_PRI', action.priority);
        return;
      case 'set-timer':
        this.armTimer(action.timer, action.at, action.gen);
        return;
      case 'cancel-timer':
        this.timers.get(action.timer)?.port.disarm();
        return;
      case 'want-master':
        this.log.debug('master-down timer expired: waiting for the sync group');
        this.edges.reportSync?.('wants-master');
        return;
      case 'transition':
        this.followGarpExtraIf(action.to === 'MASTER');
        this.counters.transitions++;
        if (action.to === 'MASTER') this.counters.becomeMaster++;
        if (action.from === 'MASTER') this.counters.releaseMaster++;
        this.log.info({ from: action.from, to: action.to, cause: action.cause, trigger: why }, 'state transition');
        this.edges.reportTransition({
          from: action.from,
          to: action.to,
          cause: action.cause,
          trigger: why,
          at: this.edges.clock.now(),
          priority: this.machine.snapshot().effectivePriority,
          notified: this.notifiedState(action.to === 'INIT' ? 'STOP' : action.to),
        });
        return;
    }
  }

  private sendAdvert(priority: number): void {
    this.advertiser.send(priority, this.routineAdvert);
  }

  private advertNotSent(err: unknown): void {
    // The interface is gone: the daemon already has the instance in FAULT; nothing was tried.
    if (err instanceof InterfaceGoneError) return;
    this.sendFailed(err, 'advert');
    this.advertFailed(err);
  }

  private sendSucceeded(priority: number): void {
    this.counters.advertSent++;
    if (priority === 0) this.counters.priZeroSent++;
    this.consecutiveSendFailures = 0;
    this.sendRetryMs = SEND_RETRY_MS;
    this.sendErrors.ended();
  }

  /**
   * A master whose adverts keep failing is not a master to anyone else: FAULT (VIPs released) after
   * SEND_FAULT_AFTER in a row, then BACKUP again after a wait that doubles while the failures come back.
   */
  private advertFailed(err: unknown): void {
    this.consecutiveSendFailures++;
    if (this.consecutiveSendFailures < SEND_FAULT_AFTER || this.stopping || this.machine.state !== 'MASTER') return;
    this.consecutiveSendFailures = 0;
    this.setFault(SEND_FAULT, true, `adverts cannot be sent (${errorCode(err)}); retrying in ${this.sendRetryMs} ms`);
    this.sendRetry ??= this.edges.createTimer(() => this.setFault(SEND_FAULT, false));
    this.sendRetry.armAt(this.edges.clock.now() + this.sendRetryMs);
    this.sendRetryMs = Math.min(this.sendRetryMs * 2, SEND_RETRY_MAX_MS);
  }

  /**
   * Runs a takeover's send calls once, as far as the addon, which refuses both before any syscall (a TTL of 0, a
   * frame shorter than an Ethernet header): the first takeover's advert and GARP then run compiled code. Nothing is
   * sent or counted (AH adverts leave as frames). The rest of a takeover is rehearsed on a scratch runner
   * (rehearsal.ts).
   */
  warmSendPath(): void {
    this.advertiser.warm();
  }

  /** Counted every time, logged once per run of identical errors. */
  private sendFailed(err: unknown, what: string): void {
    this.counters.sendErrors++;
    this.sendErrors.failed(`${what} ${errorCode(err)}`, { err, what });
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

  /** Resolves when the kernel changes queued so far are done. */
  settled(): Promise<void> {
    return this.queue;
  }

  private track(p: Promise<void>): void {
    this.queued++;
    this.queue = p.finally(() => {
      this.queued--;
    });
  }

  /** What a master holds in the kernel besides routes and rules: its VIPs and excluded VIPs. */
  private get addresses(): AddressSpec[] {
    return [...this.config.vips, ...this.config.excludedVips];
  }

  /**
   * Sends every add at once without waiting for the answers; the ledger settles ownership when they come. A
   * takeover (no `only`) then adds the routes and rules, once the kernel has the addresses a route may use.
   */
  private addVips(only?: readonly AddressSpec[]): void {
    const adds = (only ?? this.addresses).map((spec) => this.edges.ledger.addAddress(this.config.name, spec));
    if (!only) this.addRouting(Promise.all(adds));
  }

  /** Removes the routes and rules, then the VIPs vipd added (the ledger knows which), never one there before. */
  private async removeVips(): Promise<void> {
    await this.removeRouting(this.config.virtualRoutes, this.config.virtualRules);
    await Promise.all(this.addresses.map((v) => this.edges.ledger.removeAddress(v)));
  }

  private addRouting(
    after: Promise<unknown>,
    routes: readonly RouteSpec[] = this.config.virtualRoutes,
    rules: readonly RuleSpec[] = this.config.virtualRules,
  ): void {
    if (routes.length === 0 && rules.length === 0) return;
    const { ledger } = this.edges;
    const owner = this.config.name;
    this.routing = this.routing
      .then(() => after)
      .then(() => Promise.all(routes.map((r) => ledger.addRoute(owner, r))))
      .then(() => Promise.all(rules.map((r) => ledger.addRule(owner, r))))
      .then(() => undefined);
  }

  private removeRouting(routes: readonly RouteSpec[], rules: readonly RuleSpec[]): Promise<void> {
    if (routes.length === 0 && rules.length === 0) return this.routing;
    const { ledger } = this.edges;
    this.routing = this.routing
      .then(() => Promise.all(rules.map((r) => ledger.removeRule(r))))
      .then(() => Promise.all(routes.map((r) => ledger.removeRoute(r))))
      .then(() => undefined);
    return this.routing;
  }

  /**
   * Routes or rules were deleted in the kernel (by someone): a master adds back those it holds that are tracked
   * (not no_track); adding one still there changes nothing.
   */
  restoreRouting(): void {
    if (this.stopping || this.machine.state !== 'MASTER') return;
    const routes = this.config.virtualRoutes.filter((r) => !r.noTrack);
    const rules = this.config.virtualRules.filter((r) => !r.noTrack);
    this.addRouting(Promise.resolve(), routes, rules);
  }

  private sendGarps(repeat: number, only?: readonly AddressSpec[]): void {
    for (const spec of this.elsewhere) if (!only || only.includes(spec)) this.edges.announceOn?.(spec, repeat);
    const frames = (only ? this.garpFrames.filter((g) => only.includes(g.spec)) : this.garpFrames).map((g) => g.frame);
    for (let i = 0; i < repeat; i++) {
      for (const f of frames) {
        try {
          this.sender.sendFrame(f);
          this.counters.garpSent++;
        } catch (err) {
          if (err instanceof InterfaceGoneError) return;
          this.sendFailed(err, 'gratuitous ARP/NA');
        }
      }
    }
  }

  /** garp_extra_if `all`: while master, the addresses on other interfaces are announced again every interval. */
  private followGarpExtraIf(master: boolean): void {
    const extra = this.config.garpExtraIf;
    if (!master || !extra?.all || this.elsewhere.length === 0) {
      this.extraGarp?.disarm();
      return;
    }
    this.extraGarp ??= this.edges.createTimer(() => {
      if (this.machine.state !== 'MASTER' || this.stopping) return;
      for (const spec of this.elsewhere) this.edges.announceOn?.(spec, 1);
      this.followGarpExtraIf(true);
    });
    this.extraGarp.armAt(this.edges.clock.now() + extra.intervalMs);
  }

  private notifiedState(state: NotifyState): NotifyEvent {
    return state === 'STOP' && this.deleted ? deletedState(this.config.notify) : state;
  }

  /** Spawning is a synchronous fork/exec of a few ms: it runs after the adverts, VIPs and GARPs are out. */
  private notify(state: NotifyEvent, priority: number): void {
    for (const run of notifyRuns(this.config.notify, this.config.name, state, priority)) {
      const p = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.edges.runScript(run, state));
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
    // Inside a batch now() is the batch's start, which a timer found due later in it is ahead of.
    const lateMs = Math.max(0, this.edges.clock.now() - entry.at);
    this.counters.timerLateness.record(lateMs, entry.at + lateMs);
    if (lateMs > TIMER_LATE_WARN_MS) this.log.warn({ timer: name, lateMs }, 'timer fired late');
    this.dispatch({ type: 'timer', timer: name, gen: entry.gen });
  }
}

/** A timer this late means the event loop was blocked; on a 10 ms advert interval that is visible on the wire. */
const TIMER_LATE_WARN_MS = 5;

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
    syncGroup: c.syncGroup !== undefined,
  };
}
