/**
 * The daemon: the one place where the pure core meets the edges. It follows each interface its instances use by
 * name (BoundInterface), starts one InstanceRunner per configured instance, and keeps their picture of the kernel
 * true from kernel events: a link down or deleted is FAULT, a link re-created gets new sockets, an advert source
 * address that goes is FAULT until one is back, and a VIP deleted behind vipd's back is put back by its master.
 * On stop it releases everything in keepalived's order (priority 0, VIPs, notify).
 */
import { hostname } from 'node:os';
import { scaleOutAdvice } from '../core/announce/advice.js';
import { PROTOCOL_VIPD } from '../core/announce/routes.js';
import { encodeGarp, encodeUnsolicitedNa } from '../core/codec/frames.js';
import { canonicalAddress } from '../core/codec/ip-address.js';
import type { DropReason } from '../core/codec/reasons.js';
import { VRRP_MULTICAST_GROUP } from '../core/codec/vrrp-wire.js';
import { describePlan, planReload, type ReloadPlan } from '../core/config/diff.js';
import type { InstanceConfig, VipdConfig } from '../core/config/model.js';
import { noAcceptAddresses } from '../core/config/no-accept.js';
import { StartupError, TrackerError, VipdError } from '../core/errors.js';
import { type VirtualServerEvent, virtualServerId } from '../core/ipvs/virtual-server.js';
import type { Logger } from '../core/log.js';
import type { AddressSpec, Family } from '../core/net.js';
import type { DaemonEdges, FramePort, LinkInfo } from '../core/ports.js';
import { fileLimitFor } from '../core/process/file-limit.js';
import type { SnmpView } from '../core/snmp/vrrp-mibs.js';
import { startsAsMaster } from '../core/vrrp/machine.js';
import type { SyncGroupState } from '../core/vrrp/sync-group.js';
import { SYNC_GROUP_FAULT } from '../core/vrrp/sync-group.js';
import { type InstanceVmac, vmacAddress, vmacsOf } from '../core/vrrp/vmac.js';
import { Announcer } from './announce/announcer.js';
import { BfdSessions } from './bfd-sessions.js';
import { DeviceQueues } from './device-queues.js';
import { EventQueue } from './event-queue.js';
import { LoadBalancer } from './ipvs/load-balancer.js';
import { KernelLedger } from './ledger.js';
import { Notifier } from './observe/notify.js';
import { checkView, type SnmpSource, snmpView } from './observe/snmp.js';
import { instanceStatus, interfaceDrops, type StatusReport } from './observe/status.js';
import { Statics } from './statics.js';
import { InstanceRunner, SOURCE_ADDRESS_FAULT, type Transition } from './vrrp/instance.js';
import { BoundInterface, type FamilySockets } from './vrrp/interface-binding.js';
import { type KernelEventEdges, KernelEvents } from './vrrp/kernel-events.js';
import { LinkDebounce } from './vrrp/link-debounce.js';
import { PacedFrames } from './vrrp/paced-frames.js';
import { ProcessPriority } from './vrrp/process-priority.js';
import { rehearseTakeover } from './vrrp/rehearsal.js';
import { SyncGroups } from './vrrp/sync-groups.js';
import { Trackers } from './vrrp/trackers.js';
import { Vmacs } from './vrrp/vmacs.js';

/** The group an instance multicasts to: mcast_dst_ip, else vrrp_mcast_group4/6, else the VRRP group. */
export function multicastGroup(c: InstanceConfig): string {
  return c.mcastGroup ?? VRRP_MULTICAST_GROUP[c.family];
}

/** The ledger's holder of disable_local_igmp's kernel parameter. */
const IGMP_HOLDER = 'disable_local_igmp';

/** The advert source of an instance whose interface does not exist yet: its own, else none (a fault says so). */
function absentSource(c: InstanceConfig): string {
  return c.unicastSrcIp ?? (c.family === 4 ? '0.0.0.0' : '::');
}

/** The queue key of route and rule re-checks (device queues are keyed by interface name, which has no '*'). */
const ROUTING_RECHECK = '*routing*';
/** The fault source of an instance whose VMAC interface (its own, or an address's) cannot be made. */
const vmacFault = (v: InstanceVmac) => (v.own ? 'vmac' : `vmac ${v.spec.name}`);

export class Daemon {
  readonly instances: InstanceRunner[] = [];
  /** Kinds of instance (family, version, auth, unicast) whose takeover was rehearsed (rehearseTakeovers). */
  private readonly rehearsedKinds = new Set<string>();
  private readonly interfaces = new Map<string, BoundInterface>();
  /** The instances' VMAC interfaces. */
  private readonly vmacs: Vmacs;
  /** Kernel re-checks, per device in order, a burst of the same one coalesced. */
  private readonly deviceQueues: DeviceQueues;
  /** The kernel changing under vipd: links and addresses followed. */
  private readonly kernel: KernelEvents;
  /** static_ipaddress, static_routes and static_rules. */
  private readonly statics: Statics;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly trackers: Trackers;
  /** FRR bfdd's sessions: track_bfd and BFD_CHECK follow them through one watch. */
  private readonly bfd: BfdSessions;
  /** Everything vipd added to the kernel, daemon-wide: what stop and crash release, and nothing else. */
  private readonly ledger: KernelLedger;
  private readonly events: EventQueue;
  private readonly syncGroups: SyncGroups;
  /** The last transition of each instance, by name (for status). */
  readonly lastTransition = new Map<string, Transition>();
  /** Who hears each state change besides the daemon's own edges (the SNMP agent's notifications). */
  private readonly transitionListeners: ((instance: string, t: Transition) => void)[] = [];
  /** Likewise for adverts an instance dropped. */
  private readonly dropListeners: ((instance: string, reason: DropReason, src: string) => void)[] = [];
  /** Likewise for sync groups' states. */
  private readonly groupListeners: ((group: string, state: SyncGroupState) => void)[] = [];
  private readonly loadBalancerListeners: ((virtualServer: string, e: VirtualServerEvent) => void)[] = [];
  /** When each instance left INIT (monotonic): the RFC MIBs' up time. */
  private readonly upSince = new Map<string, number>();
  private readonly notifier: Notifier;
  /** keepalived's checker side (virtual servers on IPVS), when the configuration has any. */
  private lb: LoadBalancer | undefined;
  private stopping: Promise<void> | undefined;
  private routingWatched = false;
  /** Frame sockets on interfaces that hold (e)VIPs of instances sending elsewhere, by interface name. */
  private readonly extraFrames = new Map<string, { index: number; port: FramePort }>();
  /** GARP/NA pacing per interface name. */
  private readonly pacers = new Map<string, PacedFrames>();
  private starting: Promise<void> | undefined;
  private startedAt = 0;
  /** keepalived's interface_up_down_delays. */
  private readonly linkDebounce: LinkDebounce;
  /** keepalived's vrrp_* process settings and max_auto_priority (where the edges can set them). */
  private readonly processPriority: ProcessPriority | undefined;
  /** The announce blocks: host routes for the routing daemon to announce while healthy. */
  private readonly announcer: Announcer;

  constructor(
    private config: VipdConfig,
    private readonly edges: DaemonEdges,
    private readonly log: Logger,
  ) {
    this.bfd = new BfdSessions(edges.trackers, () => this.config.globalDefs.bfddSocket);
    this.trackers = new Trackers(config, edges.trackers, log, this.bfd);
    this.notifier = new Notifier(
      () => this.config.globalDefs,
      {
        runScript: (argv, opts) => edges.runScript(argv, opts),
        openNotifyFifo: (opts) => edges.openNotifyFifo(opts),
        resolveUser: (user) => edges.trackers.resolveUser(user),
      },
      log,
    );
    this.ledger = new KernelLedger(edges, log);
    this.vmacs = new Vmacs(
      {
        ledger: this.ledger,
        links: { get: (name) => edges.links.get(name) },
        addresses: { add: (a) => edges.addresses.add(a), list: (dev, family) => edges.addresses.list(dev, family) },
        sysctl: edges.sysctl,
        bindOwn: (c, v, link) => this.bindVmac(c, v, link),
      },
      log,
    );
    this.deviceQueues = new DeviceQueues((err, dev) =>
      this.log.error({ err, dev }, 'cannot bring vipd in line with the kernel'),
    );
    this.statics = new Statics(
      {
        ledger: this.ledger,
        config: () => this.config,
        fault: (group, what, fault, why) => this.staticFault(what, group, fault, why),
      },
      log,
    );
    this.events = new EventQueue((err) => this.log.error({ err }, 'daemon event handler failed'));
    this.linkDebounce = new LinkDebounce(new Map(Object.entries(config.globalDefs.linkDelays)), {
      now: () => edges.clock.now(),
      createTimer: (f) => edges.createTimer(f),
    });
    this.processPriority =
      edges.scheduling &&
      new ProcessPriority(config.globalDefs.process, edges.scheduling, log.child({ part: 'process' }));
    this.syncGroups = new SyncGroups(
      config.syncGroups,
      {
        member: (name) => this.instances.find((r) => r.config.name === name),
        runScript: (run) => this.notifier.run(run, this.log),
        writeFifo: (line) => this.notifier.writeFifos('vrrp', line),
        entered: (group, state) => {
          for (const listener of this.groupListeners) listener(group, state);
        },
      },
      log,
    );
    this.kernel = new KernelEvents(this.kernelEdges(), log);
    this.announcer = new Announcer(
      {
        addRoute: (owner, spec) => this.ledger.addRoute(owner, spec),
        removeRoute: (spec) => this.ledger.removeRoute(spec),
        now: () => edges.clock.now(),
        createTimer: (f) => edges.createTimer(f),
        sleep: (ms) => (edges.sleep ?? ((t: number) => new Promise((r) => setTimeout(r, t))))(ms),
        removeLeftovers:
          edges.routing?.removeRoutesOf &&
          (() => edges.routing?.removeRoutesOf?.(PROTOCOL_VIPD) ?? Promise.resolve([])),
        listAddresses:
          edges.addresses.listAll && ((family) => edges.addresses.listAll?.(family) ?? Promise.resolve([])),
        bindHealth: (a, apply) => this.trackers.bindAnnounce(a, apply),
        unbindHealth: (name) => this.trackers.unbindAnnounce(name),
      },
      log.child({ part: 'announce' }),
    );
  }

  /** An instance changed state (from the event queue: never inside that instance's own actions). */
  private transitioned(name: string, t: Transition): void {
    this.lastTransition.set(name, t);
    if (t.to === 'INIT') this.upSince.delete(name);
    else if (!this.upSince.has(name)) this.upSince.set(name, t.at);
    // keepalived's FIFO line: INSTANCE "VI_1" MASTER 100 (STOP when it stops).
    const line = `INSTANCE "${name}" ${t.notified} ${t.priority}\n`;
    this.notifier.writeFifos('vrrp', line);
    this.lb?.instanceState(name, t.to);
    this.syncGroups.changed({ type: 'transition', member: name, from: t.from, to: t.to, cause: t.cause });
    for (const listener of this.transitionListeners) listener(name, t);
  }

  /** Whether a MASTER instance of this vipd holds `address` (ha_suspend). */
  private holds(address: string): boolean {
    const a = canonicalAddress(address);
    return this.instances.some(
      (r) => r.machine.state === 'MASTER' && r.config.vips.some((v) => canonicalAddress(v.address) === a),
    );
  }

  /** The load balancer for `config`, started; undefined when it has no virtual server nor sync daemon. */
  private async startLoadBalancer(config: VipdConfig): Promise<void> {
    if (config.virtualServers.length === 0 && !config.globalDefs.lvs.syncDaemon) return;
    const lb = new LoadBalancer(config, this.loadBalancerEdges(), this.log);
    this.lb = lb;
    try {
      await lb.start((a) => this.holds(a));
    } catch (err) {
      throw new StartupError(`load balancing (IPVS): ${err instanceof Error ? err.message : String(err)}`);
    }
    this.tellLoadBalancerStates();
  }

  /** Starts the trackers something tracks and that do not run yet; one that cannot run stops start-up. */
  private startTrackers(): void {
    try {
      this.trackers.start();
    } catch (err) {
      if (err instanceof TrackerError) throw new StartupError(err.message);
      throw err;
    }
  }

  /** A virtual server (by its name as written) gained or lost quorum: the announces tracking it follow. */
  private quorumChanged(name: string, up: boolean): void {
    const vs = this.config.virtualServers.find((v) => v.name === name);
    if (vs) this.trackers.virtualServerChanged(virtualServerId(vs), up);
  }

  /** Every virtual server's quorum now (at start and after a reload), for the announces tracking them. */
  private tellQuorums(): void {
    for (const r of this.lb?.report() ?? []) this.quorumChanged(r.name, r.quorumUp);
  }

  /** The instances' current states, for the sync daemon to follow (transitions before it existed included). */
  private tellLoadBalancerStates(): void {
    for (const r of this.instances) this.lb?.instanceState(r.config.name, r.machine.state);
  }

  private loadBalancerEdges() {
    const ipvs = this.edges.ipvs;
    if (!ipvs) throw new StartupError('virtual_server needs IPVS, and these edges have none');
    return {
      ipvs,
      ledger: this.ledger,
      checks: this.edges.trackers,
      runScript: (argv: string[]) => this.notifier.runLvs(argv),
      notifyFifo: (line: string) => this.notifier.writeFifos('lvs', line),
      changed: (virtualServer: string, e: VirtualServerEvent) => {
        if (e.kind === 'quorum') this.quorumChanged(virtualServer, e.up);
        for (const listener of this.loadBalancerListeners) listener(virtualServer, e);
      },
      createTimer: (f: () => void) => this.edges.createTimer(f),
      now: () => this.edges.clock.now(),
      followBfd: (name: string, heard: (up: boolean) => void) => this.bfd.follow(name, heard),
    };
  }

  /** Starts everything; a stop asked for meanwhile waits for it, then releases what it started. */
  start(): Promise<void> {
    this.starting ??= this.startAll();
    return this.starting;
  }

  private async startAll(): Promise<void> {
    this.startedAt = this.edges.clock.now();
    this.sizeFileLimit(this.config);
    await this.notifier.runProcessScript('startupScript');
    this.localIgmp(this.config);
    this.notifier.openFifos();
    this.notifier.checkUsers(this.config);
    // Static addresses, routes and rules first, as keepalived: they are the host's, whatever the VRRP states.
    await this.statics.start(this.config);
    this.watchRouting(this.config);
    for (const c of this.config.instances) for (const v of vmacsOf(c)) await this.vmacs.ensure(c, v);
    try {
      await this.ledger.dropInputTo(noAcceptAddresses(this.config), this.config.globalDefs.firewall);
    } catch (err) {
      throw new StartupError(`no_accept: ${err instanceof Error ? err.message : String(err)}`);
    }
    const links = new Map<string, LinkInfo>();
    for (const c of this.config.instances) {
      const link = links.get(c.interface) ?? (await this.edges.links.get(c.interface));
      if (!link) {
        if (!this.config.globalDefs.dynamicInterfaces) {
          throw new StartupError(`instance ${c.name}: interface ${c.interface} does not exist`);
        }
        this.instances.push(this.newRunner(c, this.bind(c.interface, undefined), absentSource(c)));
        continue;
      }
      links.set(c.interface, link);
      this.linkDebounce.seed(link.name, link.up);
      this.instances.push(await this.createInstance(c, this.bind(c.interface, link)));
    }
    for (const r of this.instances) this.trackers.bind(r.config, (result) => r.trackersChanged(result));
    await this.kernel.seedTrackedLinks(links);
    this.unsubscribe.push(
      this.edges.links.onChange((link) => this.kernel.linkChanged(link)),
      this.edges.links.onAddressChange((change) => this.kernel.addressChanged(change)),
      this.edges.links.onAddressChange((change) => this.announcer.addressChanged(change)),
    );
    this.startTrackers();
    await this.startupDelay();
    // Started as one batch: instances configured alike keep one timing (their adverts then leave together).
    this.inBatch(() => {
      for (const r of this.instances) {
        r.start();
        const link = links.get(r.config.interface);
        if (link && !link.up) r.linkChanged(false);
        if (!link) this.interfaceAbsent(r);
      }
    });
    this.statics.reapplyFaults();
    // track_src_ip: a configured source not on its interface is a fault from the start.
    for (const b of new Set(
      this.instances.filter((r) => r.config.trackSrcIp).map((r) => this.interfaces.get(r.config.interface)),
    )) {
      if (b) for (const family of b.receivers.keys()) await this.kernel.recheckSource(b, family);
    }
    await this.startLoadBalancer(this.config);
    // Announces last: what they track (virtual servers' quorum included) is known by now.
    this.tellQuorums();
    for (const advice of scaleOutAdvice(this.config, (key) => this.edges.sysctl?.read(key))) this.log.warn(advice);
    await this.announcer.start(this.config.announces);
    this.startTrackers(); // the trackers only announces use
    this.log.info({ instances: this.instances.map((r) => r.config.name) }, 'vipd started');
    // Off the path to the first state: the first takeover is a Master_Down_Interval away at the earliest.
    const warmedUp = this.edges.addresses
      .warmUp?.()
      .catch((err: unknown) => this.log.debug({ err }, 'address warm-up failed'));
    // After the first state, not before it: a backup has a Master_Down_Interval to spare, start-up has not. The
    // process settings after that and the warm-up: start-up's long runs of JavaScript would spend
    // vrrp_rlimit_rttime under realtime scheduling (SIGXCPU, and back to normal scheduling).
    setImmediate(() => {
      this.rehearseTakeovers();
      void Promise.resolve(warmedUp).then(() =>
        setImmediate(() => {
          if (!this.stopping) this.processPriority?.start();
        }),
      );
    });
  }

  /**
   * promote_secondaries: net.ipv4.conf.IF.promote_secondaries=1 while the instance runs (its value before is put
   * back when the last instance needing it leaves), so that deleting the primary address keeps the VIPs.
   */
  private promoteSecondaries(c: InstanceConfig): void {
    if (!c.promoteSecondaries || c.family !== 4) return;
    try {
      this.ledger.setSysctl(`net/ipv4/conf/${c.interface}/promote_secondaries`, '1', `promote:${c.name}`);
    } catch (err) {
      this.log.warn({ err, instance: c.name, interface: c.interface }, 'cannot set promote_secondaries');
    }
  }

  /**
   * disable_local_igmp: no IGMP reports for 224.0.0.0/24 (RFC 4541: switches flood those groups anyway) while vipd
   * runs; the value before comes back when it is unset or vipd stops.
   */
  private localIgmp(c: VipdConfig): void {
    if (!c.globalDefs.disableLocalIgmp) {
      this.ledger.releaseSysctls(IGMP_HOLDER);
      return;
    }
    try {
      this.ledger.setSysctl('net/ipv4/igmp_link_local_mcast_reports', '0', IGMP_HOLDER);
    } catch (err) {
      this.log.warn({ err }, 'cannot set disable_local_igmp (net.ipv4.igmp_link_local_mcast_reports)');
    }
  }

  /** track_group: `what` (a static item) cannot be put back, or is back: a fault of the group's instances. */
  private staticFault(what: string, group: string, fault: boolean, why: string): void {
    for (const name of this.config.trackGroups?.[group] ?? []) {
      const r = this.instances.find((x) => x.config.name === name);
      r?.setFault(`static:${what}`, fault, `static ${what} cannot be put back: ${why}`);
    }
  }

  /** dynamic_interfaces: an instance whose interface does not exist waits in FAULT until it appears. */
  private interfaceAbsent(r: InstanceRunner): void {
    const why = `interface ${r.config.interface} does not exist (dynamic_interfaces: waiting for it)`;
    r.linkChanged(false, why);
    r.setFault(SOURCE_ADDRESS_FAULT, true, why);
  }

  /** keepalived's log_unknown_vrids: an advert for a VRID no instance on that interface has. */
  private readonly unknownVrid = (ifname: string, vrid: number, src: string): void => {
    if (this.config.globalDefs.logUnknownVrids) {
      this.log.info({ interface: ifname, vrid, src }, 'advert received for a VRID not configured on this interface');
    }
  };

  /** vrrp_startup_delay and vrrp_delay_after_boot: the longer of the two, before any instance starts. */
  private async startupDelay(): Promise<void> {
    const g = this.config.globalDefs;
    const sinceBootMs = (this.edges.uptimeSeconds?.() ?? Number.POSITIVE_INFINITY) * 1000;
    const delayMs = Math.max(g.startupDelayMs, g.delayAfterBootMs - sinceBootMs);
    if (!(delayMs > 0)) return;
    this.log.info(
      { delayMs: Math.round(delayMs) },
      'VRRP instances start after vrrp_startup_delay / vrrp_delay_after_boot',
    );
    const sleep = this.edges.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    await sleep(delayMs);
  }

  /**
   * The first real takeover then runs warm code (rehearsal.ts): once per kind of instance, at start-up
   * and for the new kinds a reload brings.
   */
  private rehearseTakeovers(): void {
    if (this.stopping) return; // its timers and sockets may be closed already
    if (this.rehearsedKinds.size === 0) {
      // The scheduler's wake-up, which a backup does not run until its down timer fires.
      const wake = this.edges.createTimer(() => wake.close());
      wake.armAt(this.edges.clock.now());
    }
    for (const r of this.instances) {
      const kind = `${r.config.family}/${r.config.version}/${r.config.auth?.type}/${r.config.unicastPeers.length > 0}`;
      if (this.rehearsedKinds.has(kind)) continue;
      this.rehearsedKinds.add(kind);
      r.warmSendPath();
      rehearseTakeover(r.config, this.log).catch((err: unknown) =>
        this.log.debug({ err, instance: r.config.name }, 'takeover rehearsal failed'),
      );
    }
  }

  private inBatch(fn: () => void): void {
    if (this.edges.batch) this.edges.batch(fn);
    else fn();
  }

  /** Listens for deleted routes and rules once some configuration has any (the watch is not free). */
  private watchRouting(c: VipdConfig): void {
    const has =
      c.staticRoutes.length + c.staticRules.length + c.announces.length > 0 ||
      c.instances.some((i) => i.virtualRoutes.length + i.virtualRules.length > 0);
    if (!has || this.routingWatched || !this.edges.watchRoutingDeletions) return;
    this.routingWatched = true;
    this.unsubscribe.push(this.edges.watchRoutingDeletions(() => this.routingDeleted()));
  }

  /**
   * A route or rule went from the kernel: what vipd holds and tracks is added back (an add of one still there
   * changes nothing). A burst of deletions (vipd's own release included) costs one pass.
   */
  private routingDeleted(): void {
    if (this.stopping) return;
    this.deviceQueues.coalesce(ROUTING_RECHECK, ROUTING_RECHECK, async () => {
      if (this.stopping) return;
      for (const r of this.instances) r.restoreRouting();
      await this.statics.restoreRouting();
      this.announcer.restore();
    });
  }

  /** The interface `name` with its sockets open, shared by every instance on it. */
  /** `link` undefined: the interface does not exist (dynamic_interfaces); its sockets open when it appears. */
  private bind(name: string, link: LinkInfo | undefined): BoundInterface {
    let b = this.interfaces.get(name);
    if (!b) {
      const families = new Map<Family, FamilySockets>();
      for (const o of this.config.instances) {
        // An ipvlan instance sends and hears on its ipvlan only (an L2 ipvlan's base hears every multicast too).
        if (o.interface !== name || o.useVmac?.ipvlan) continue;
        // Join the multicast groups of the instances of that family on this interface that multicast.
        const had = families.get(o.family);
        const multicasts = o.unicastPeers.length === 0;
        const groups = had?.groups ?? [];
        const group = multicastGroup(o);
        families.set(o.family, {
          multicast: (had?.multicast ?? false) || multicasts,
          groups: multicasts && !groups.includes(group) ? [...groups, group] : groups,
          ah: (had?.ah ?? false) || o.auth?.type === 'AH',
        });
      }
      b = new BoundInterface(name, families, this.edges, this.unknownVrid);
      if (link) b.attach(link);
      this.interfaces.set(name, b);
    }
    return b;
  }

  private async createInstance(c: InstanceConfig, b: BoundInterface): Promise<InstanceRunner> {
    const primary = c.unicastSrcIp ?? (await this.kernel.waitForSourceAddress(c));
    if (!primary) {
      const what = c.family === 4 ? 'an IPv4 address' : 'a link-local IPv6 address';
      throw new StartupError(`instance ${c.name}: interface ${c.interface} has no ${what} to send adverts from`);
    }
    await this.vmacs.putOwnAddress(c, primary);
    await this.checkVipDevices(c);
    this.promoteSecondaries(c);
    return this.newRunner(c, b, primary);
  }

  private newRunner(c: InstanceConfig, b: BoundInterface, primary: string): InstanceRunner {
    const log = this.log.child({ instance: c.name, vrid: c.vrid, interface: c.interface, family: `ipv${c.family}` });
    // use_vmac: adverts and GARPs leave by the VMAC (adverts by the base with vmac_xmit_base). Adverts arrive on
    // both: the kernel hands a multicast frame whose source is a local macvlan's MAC (a peer's VMAC) to that macvlan.
    // use_ipvlan: all by the ipvlan.
    const vmac = c.useVmac ? this.interfaces.get(c.useVmac.ifname) : undefined;
    const vmacReceiver = vmac?.receivers.get(c.family);
    const receiver = c.useVmac?.ipvlan ? vmacReceiver : b.receivers.get(c.family);
    if (!receiver) throw new VipdError('VIPD_ERR_NO_SOCKET', `no IPv${c.family} receiver on ${c.interface}`);
    const viaVmac = vmac?.sender(c.family);
    const direct = viaVmac && c.vmacXmitBase ? { ...viaVmac, sendAdvert: b.sender(c.family).sendAdvert } : viaVmac;
    const sender = direct ?? b.sender(c.family);
    // GARPs and NAs are paced per interface (vrrp_garp_interval / vrrp_gna_interval), whoever sends them.
    const framesOn = vmac?.name ?? b.name;
    const paced = { ...sender, sendFrame: (f: Buffer) => this.pacerFor(framesOn).send(f, sender.sendFrame) };
    return new InstanceRunner(
      c,
      this.runtimeOf(c, b, primary),
      vmacReceiver && vmacReceiver !== receiver ? [receiver, vmacReceiver] : [receiver],
      paced,
      {
        clock: this.edges.clock,
        ledger: this.ledger,
        createTimer: (f) => this.edges.createTimer(f),
        runScript: (run) => this.notifier.run(run, log),
        reportTransition: (t) => this.events.push(() => this.transitioned(c.name, t)),
        reportSync: (type) => this.events.push(() => this.syncGroups.changed({ type, member: c.name })),
        reportEvent: (event, priority) =>
          this.events.push(() => this.notifier.writeFifos('vrrp', `INSTANCE "${c.name}" ${event} ${priority}\n`)),
        announceOn: (spec, repeat) => this.announceOn(spec, repeat, log),
        reportDrop: (reason, src) => {
          for (const listener of this.dropListeners) listener(c.name, reason, src);
        },
      },
      log,
    );
  }

  /**
   * GARP/NA for an address on another interface than its instance's: a frame socket on that interface (opened on
   * first use, again when the interface was re-created), with that interface's MAC, paced like the others.
   */
  private announceOn(spec: AddressSpec, repeat: number, log: Logger): void {
    void (async () => {
      const link = await this.edges.links.get(spec.dev);
      if (!link?.up || this.stopping) return;
      let out = this.extraFrames.get(spec.dev);
      if (out?.index !== link.index) {
        out?.port.close();
        out = { index: link.index, port: this.edges.openFrameSocket(link.index) };
        this.extraFrames.set(spec.dev, out);
      }
      const port = out.port;
      const frame =
        spec.family === 4
          ? encodeGarp(link.mac, spec.address)
          : encodeUnsolicitedNa(link.mac, spec.address, { router: this.edges.ipv6Forwarding(spec.dev) });
      for (let i = 0; i < repeat; i++) this.pacerFor(spec.dev).send(frame, (f) => port.send(f));
    })().catch((err: unknown) => log.warn({ err, vip: spec.address, dev: spec.dev }, 'gratuitous ARP/NA not sent'));
  }

  /** GARP/NA pacing of one interface, or of its garp_group (one pace across the group's interfaces). */
  private pacerFor(ifname: string): PacedFrames {
    const g = this.config.globalDefs;
    const group = g.garpGroups.findIndex((x) => x.interfaces.includes(ifname));
    const key = group >= 0 ? `garp_group ${group}` : ifname;
    let p = this.pacers.get(key);
    if (!p) {
      const gg = g.garpGroups[group];
      p = new PacedFrames(gg?.garpIntervalMs ?? g.garpIntervalMs, gg?.gnaIntervalMs ?? g.gnaIntervalMs, {
        now: () => this.edges.clock.now(),
        createTimer: (f) => this.edges.createTimer(f),
        failed: (err) => this.log.warn({ err, interface: ifname }, 'paced gratuitous ARP/NA not sent'),
      });
      this.pacers.set(key, p);
    }
    return p;
  }

  private runtimeOf(c: InstanceConfig, b: BoundInterface, primaryAddress: string) {
    const mac = vmacAddress(c) ?? b.mac; // an ipvlan's MAC is its base's
    return { primaryAddress, mac, ipv6Router: c.family === 6 && this.edges.ipv6Forwarding(c.interface) };
  }

  /**
   * An instance's own VMAC has its sockets open, bound to the link as it is now (made, or made again): adverts are
   * sent from it and also read on it (those of peers using the same VMAC arrive there, not on the base interface).
   */
  private bindVmac(c: InstanceConfig, v: InstanceVmac, link: LinkInfo): void {
    const name = v.spec.name;
    let b = this.interfaces.get(name);
    if (!b) {
      b = new BoundInterface(
        name,
        new Map([
          [
            c.family,
            // An ipvlan hears everything, AH too (its base has no socket for it); a macvlan's base hears AH.
            {
              multicast: c.unicastPeers.length === 0,
              groups: [multicastGroup(c)],
              ah: !!v.spec.ipvlan && c.auth?.type === 'AH',
            },
          ],
        ]),
        this.edges,
        this.unknownVrid,
      );
      this.interfaces.set(name, b);
    }
    if (b.index !== link.index) b.attach(link);
  }

  /**
   * A VMAC was deleted behind vipd's back (or went with its base interface): made again at once, sockets and all;
   * its master puts its VIPs back. While it cannot be made (no base interface), the instance is in FAULT.
   */
  private async remakeVmac(r: InstanceRunner, v: InstanceVmac): Promise<void> {
    if (this.stopping || r.leaving || !this.instances.includes(r)) return;
    const name = v.spec.name;
    try {
      await this.vmacs.ensure(r.config, v);
      if (v.own) await this.vmacs.putOwnAddress(r.config, r.primaryAddress);
      r.setFault(vmacFault(v), false);
      await Promise.all([4, 6].map((f) => this.kernel.recheckAddresses(name, f as Family)));
    } catch (err) {
      r.setFault(
        vmacFault(v),
        true,
        `the VMAC interface ${name} cannot be made: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /**
   * Lists the addresses of every VIP device once, which also caches the device's index so that adds on a
   * takeover need no lookup first. A VIP already there when an instance starts in BACKUP is a left-over (vipd
   * or keepalived killed with -9, a crash): it is removed, as keepalived does, or two routers would answer for
   * it. An owner that starts as MASTER keeps it and, not having added it, never removes it.
   */
  private async checkVipDevices(c: InstanceConfig): Promise<void> {
    const leftOversGo = !startsAsMaster({ priority: c.priority, initialState: c.state });
    for (const dev of new Set(c.vips.map((v) => v.dev))) {
      const listed = await this.edges.addresses.list(dev, c.family);
      const present = new Set(listed.map((a) => canonicalAddress(a.address)));
      for (const v of c.vips) {
        if (v.dev !== dev || !present.has(canonicalAddress(v.address))) continue;
        if (leftOversGo) {
          await this.edges.addresses.remove(v);
          this.log.warn({ instance: c.name, vip: v.address, dev }, 'VIP present at start-up as BACKUP: removed');
        } else {
          this.log.warn({ instance: c.name, vip: v.address, dev }, 'VIP already present: vipd will not remove it');
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The kernel changing under vipd
  private kernelEdges(): KernelEventEdges {
    return {
      links: { get: (name) => this.edges.links.get(name) },
      addresses: { list: (dev, family) => this.edges.addresses.list(dev, family) },
      sleep: this.edges.sleep,
      ownsAddress: (address) => this.ledger.ownsAddress(address),
      config: () => this.config,
      instances: () => this.instances,
      interfaces: this.interfaces,
      stopping: () => this.stopping !== undefined,
      trackers: this.trackers,
      linkDebounce: this.linkDebounce,
      deviceQueues: this.deviceQueues,
      statics: this.statics,
      vmacs: this.vmacs,
      remakeVmac: (r, v) => this.remakeVmac(r, v),
      routingChanged: () => this.routingDeleted(),
      promoteSecondaries: (c) => this.promoteSecondaries(c),
      runtimeOf: (c, b, primary) => this.runtimeOf(c, b, primary),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Reload

  /**
   * Applies a validated configuration: unchanged instances are not touched (state, timers, VIPs, adverts), changed
   * ones are updated in place, removed ones leave as on shutdown, new ones start, those whose identity changed
   * leave and start again; trackers likewise, an unchanged one keeping its rise/fall state. Throws (changing
   * nothing) when a new instance's interface or advert source is missing.
   */
  async reload(next: VipdConfig): Promise<ReloadPlan> {
    if (this.stopping) throw new VipdError('VIPD_ERR_RELOAD', 'vipd is stopping');
    const plan = planReload(this.config, next);
    const starting = [...plan.added, ...plan.restarted.map((r) => r.name)];
    const byName = new Map(next.instances.map((c) => [c.name, c]));
    // Everything a new instance needs is looked up before anything changes.
    const prepared: { c: InstanceConfig; link: LinkInfo | undefined; source: string }[] = [];
    for (const name of starting) {
      const c = byName.get(name) as InstanceConfig;
      const link = await this.edges.links.get(c.interface);
      if (!link && next.globalDefs.dynamicInterfaces) {
        prepared.push({ c, link, source: absentSource(c) });
        continue;
      }
      if (!link) throw new VipdError('VIPD_ERR_RELOAD', `instance ${name}: interface ${c.interface} does not exist`);
      const listed = (await this.kernel.listAddresses(c.interface, c.family)) ?? [];
      const source = c.unicastSrcIp ?? this.kernel.sourceAddress(listed, c.family);
      if (!source) {
        throw new VipdError(
          'VIPD_ERR_RELOAD',
          `instance ${name}: interface ${c.interface} has no address to send adverts from`,
        );
      }
      prepared.push({ c, link, source });
    }
    const leaving = new Set([...plan.removed, ...plan.restarted.map((r) => r.name)]);
    const leavingRunners = this.instances.filter((r) => leaving.has(r.config.name));
    // keepalived: an instance the new configuration no longer has notifies DELETED (notify_deleted) or FAULT.
    const removed = new Set(plan.removed);
    await Promise.allSettled(leavingRunners.map((r) => r.stop(undefined, removed.has(r.config.name))));
    // Their VMACs go, unless the new configuration has the same one (it is then kept, and taken over below).
    for (const v of plan.vmacsRemoved) await this.vmacs.unmake(v);
    for (const name of leaving) {
      this.ledger.releaseSysctls(`promote:${name}`);
      this.trackers.unbind(name);
      this.lastTransition.delete(name);
    }
    this.instances.splice(0, this.instances.length, ...this.instances.filter((r) => !leaving.has(r.config.name)));
    await this.trackers.reconfigure(next, plan.trackers.changed);
    this.sizeFileLimit(next);
    this.config = next; // first: a re-check caused by the changes below must see the new static addresses
    this.processPriority?.reconfigure(next.globalDefs.process);
    this.linkDebounce.reconfigure(new Map(Object.entries(next.globalDefs.linkDelays)));
    this.localIgmp(next);
    if (plan.pacingChanged) {
      for (const p of this.pacers.values()) p.close();
      this.pacers.clear(); // made again with the new intervals at the next frame
    }
    await this.statics.reload(plan.statics, next);
    if (plan.noAccept) {
      await this.ledger
        .dropInputTo(plan.noAccept, next.globalDefs.firewall)
        .catch((err: unknown) => this.log.error({ err }, 'cannot update the no_accept rules'));
    }
    this.watchRouting(next);
    for (const update of plan.updated) {
      const runner = this.instances.find((r) => r.config.name === update.name);
      runner?.reconfigure(byName.get(update.name) as InstanceConfig, update);
    }
    const started: InstanceRunner[] = [];
    for (const { c, link, source } of prepared) {
      this.promoteSecondaries(c);
      for (const v of vmacsOf(c)) await this.vmacs.ensure(c, v);
      await this.vmacs.putOwnAddress(c, source);
      const b = this.bind(c.interface, link);
      if (!c.useVmac?.ipvlan)
        b.ensureFamily(c.family, c.unicastPeers.length === 0, c.auth?.type === 'AH', multicastGroup(c));
      if (link) await this.checkVipDevices(c);
      const runner = this.newRunner(c, b, source);
      this.instances.push(runner);
      started.push(runner);
    }
    // Every instance is bound again: changed weights and base priorities reach the machines (a master
    // advertises a new priority at once); then the new and changed trackers start.
    await this.kernel.seedTrackedLinks(new Map());
    for (const r of this.instances) this.trackers.bind(r.config, (result) => r.trackersChanged(result));
    this.trackers.start();
    this.syncGroups.reconfigure(next.syncGroups);
    for (const r of this.instances) {
      if (r.config.syncGroup === undefined && r.hasFault(SYNC_GROUP_FAULT)) r.setFault(SYNC_GROUP_FAULT, false);
    }
    this.inBatch(() => {
      for (const r of started) {
        r.start();
        const b = this.interfaces.get(r.config.interface);
        if (b?.index === undefined) this.interfaceAbsent(r);
        else if (!b.up) r.linkChanged(false);
      }
    });
    this.statics.reapplyFaults();
    this.events.push(() => this.syncGroups.recheckAll());
    this.detachUnusedInterfaces();
    if (this.lb) {
      await this.lb.reconfigure(next, plan.virtualServers);
      this.tellLoadBalancerStates();
    } else await this.startLoadBalancer(next);
    this.tellQuorums();
    this.announcer.reload(plan.announces, next.announces);
    this.trackers.start();
    this.log.info({ changes: describePlan(plan) }, 'configuration reloaded');
    // keepalived's fifo_write_vrrp_states_on_reload: every instance's state again, after the reload's own lines.
    if (next.globalDefs.fifoWriteStatesOnReload) {
      this.events.push(() => {
        for (const r of this.instances) {
          const s = r.machine.snapshot();
          this.notifier.writeFifos(
            'vrrp',
            `INSTANCE "${r.config.name}" ${s.state === 'INIT' ? 'STOP' : s.state} ${s.effectivePriority}\n`,
          );
        }
      });
    }
    setImmediate(() => this.rehearseTakeovers());
    return plan;
  }

  /** RLIMIT_NOFILE for the configuration's checkers, as keepalived sizes it; a refusal is a warning. */
  private sizeFileLimit(c: VipdConfig): void {
    const required = fileLimitFor(c);
    try {
      this.edges.scheduling?.raiseFileLimit(required);
    } catch (err) {
      this.log.warn(
        { err, required },
        'cannot raise the open-file limit for the checkers; thousands may fail (EMFILE)',
      );
    }
  }

  private detachUnusedInterfaces(): void {
    for (const [name, b] of [...this.interfaces]) {
      if (this.instances.some((r) => r.config.interface === name || r.config.useVmac?.ifname === name)) continue;
      b.detach();
      this.interfaces.delete(name);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Stop

  /** Graceful stop (SIGTERM/SIGINT): every instance releases mastership, then the edges close. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('vipd stopping');
      await this.starting?.catch(() => undefined); // a SIGTERM during start-up stops what start-up made
      await this.trackers.stop();
      this.bfd.stop();
      // Withdrawn first: the routers move the traffic to the other directors while this one still serves it.
      await this.announcer.stop();
      await Promise.allSettled(this.instances.map((r) => r.stop()));
      await this.lb?.stop();
      await this.ledger.releaseAll(); // nothing, unless an instance could not release what it held
      await new Promise((r) => setImmediate(r)); // the event queue writes the STOP lines first
      this.syncGroups.stopped();
      this.processPriority?.stop();
      await this.notifier.closeFifos();
      this.closeEdges();
      await this.notifier.runProcessScript('shutdownScript');
      this.log.info('vipd stopped');
    })();
    return this.stopping;
  }

  /** On a crash: send priority 0 where master and remove every VIP this process added. */
  async emergencyRelease(): Promise<void> {
    void this.trackers.stop();
    this.bfd.stop();
    await this.announcer.withdrawNow();
    await Promise.allSettled(this.instances.map((r) => r.emergencyRelease()));
    await this.ledger.releaseAll(); // whatever an instance did not get to
    await this.ledger.releaseIpvs(this.config.globalDefs.lvs.flushOnStop === 'all');
    this.closeEdges();
  }

  /** The kernel's IPVS counters read now, for a status request (metrics use the last re-check's). */
  async refreshStatus(): Promise<void> {
    await this.lb?.refreshCounters();
  }

  /** What `vipd status` shows (built on demand: nothing is kept for it but the last transitions). */
  status(version: string): StatusReport {
    const nowMono = this.edges.clock.now();
    const nowWall = Date.now();
    const wall = (at: number) => new Date(nowWall - (nowMono - at)).toISOString();
    return {
      vipd: { version, pid: process.pid, started: wall(this.startedAt) },
      instances: this.instances.map((r) =>
        instanceStatus(r, this.trackers.stateOf(r.config), this.lastTransition.get(r.config.name), wall, nowMono),
      ),
      interfaces: [...this.interfaces.values()].flatMap((b) => [...b.receivers.values()].map(interfaceDrops)),
      sync_groups: this.syncGroups.report(),
      virtual_servers: this.lb?.report() ?? [],
      announces: this.announcer.report().map((a) => {
        const config = this.config.announces.find((x) => x.name === a.name);
        return {
          name: a.name,
          state: a.state,
          since: wall(a.since),
          ...(a.why === undefined ? {} : { why: a.why }),
          prefixes: a.prefixes,
          trackers: config ? this.trackers.announceStateOf(config) : [],
        };
      }),
    };
  }

  /** Hears every state change of an instance, after the daemon's own edges (FIFO, LVS, sync groups). */
  onTransition(listener: (instance: string, t: Transition) => void): void {
    this.transitionListeners.push(listener);
  }

  /** Hears every advert an instance drops (not those dropped before an instance could be told: bad IP header...). */
  onDrop(listener: (instance: string, reason: DropReason, src: string) => void): void {
    this.dropListeners.push(listener);
  }

  /** Hears every state a sync group enters. */
  onGroupState(listener: (group: string, state: SyncGroupState) => void): void {
    this.groupListeners.push(listener);
  }

  /** Hears every real server and quorum that changes. */
  onLoadBalancerEvent(listener: (virtualServer: string, e: VirtualServerEvent) => void): void {
    this.loadBalancerListeners.push(listener);
  }

  /** What the SNMP agent answers from, read now (snmp.ts). */
  snmpView(version: string): SnmpView {
    const sources = this.instances.map((r): SnmpSource => {
      const b = this.interfaces.get(r.config.useVmac?.ifname ?? r.config.interface);
      return {
        runner: r,
        ifindex: b?.index,
        interfaceMac: b?.index === undefined ? undefined : b.mac,
        last: this.lastTransition.get(r.config.name),
        upSince: this.upSince.get(r.config.name),
      };
    });
    const receivers = [...this.interfaces.values()].flatMap((b) => [...b.receivers.values()]);
    const groupStates = new Map(this.syncGroups.report().map((s) => [s.name, s.state]));
    const g = this.config.globalDefs;
    return snmpView(sources, receivers, {
      version: `vipd ${version}`,
      routerId: this.config.globalDefs.routerId ?? hostname(),
      startedAt: this.startedAt,
      staticAddresses: this.config.staticAddresses,
      syncGroups: this.config.syncGroups.map((config) => ({ config, state: groupStates.get(config.name) ?? 'INIT' })),
      traps: this.config.globalDefs.snmp?.traps ?? false,
      ifindexOf: (ifname) => this.interfaces.get(ifname)?.index ?? 0,
      check: this.config.globalDefs.snmp?.checker ? checkView(this.config, this.lb?.report() ?? []) : undefined,
      globals: {
        lvsFlush: g.lvs.flushAtStart,
        lvsFlushOnStop: g.lvs.flushOnStop,
        netNamespace: g.netNamespace,
        dynamicInterfaces: g.dynamicInterfaces,
      },
    });
  }

  private closeEdges(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    for (const p of this.pacers.values()) p.close();
    for (const f of this.extraFrames.values()) f.port.close();
    for (const r of this.instances) r.close();
    for (const b of this.interfaces.values()) b.detach();
    this.interfaces.clear();
    this.edges.links.close();
    this.edges.addresses.close();
    this.edges.ipvs?.close();
    this.edges.routing?.close();
    this.edges.vmacs?.close();
  }
}
