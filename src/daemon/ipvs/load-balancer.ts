/**
 * keepalived's checker process on the kernel's IPVS: the virtual servers of the configuration, their real
 * servers' checkers on the one check engine, and the kernel's table kept to what they say (core/ipvs's rules and
 * reconcile). IPVS is programmed on every director whatever its VRRP state (as keepalived); `ha_suspend` stops
 * a virtual server's checkers while vipd does not hold its address; the sync daemon follows its VRRP instance.
 *
 * The kernel is the truth: at start, on reload and every RECHECK_MS the actual table is read and reconciled, so
 * an `ipvsadm -C` or a hand edit is repaired (keepalived's SIGHUP did not). Between those, a checker's verdict
 * changes only the rows it concerns. Every operation goes through the daemon's ledger, one after the other.
 */
import type { ResolvedCheckSpec } from '../../core/checks/spec.js';
import type { ReloadPlan } from '../../core/config/diff.js';
import type {
  LvsGlobals,
  RealServerChecker,
  RealServerConfig,
  VipdConfig,
  VirtualServerConfig,
  VirtualServerGroupConfig,
} from '../../core/config/model.js';
import { VipdError } from '../../core/errors.js';
import { assignGroupMarks, type GroupMarks, markElements } from '../../core/ipvs/group-marks.js';
import { type IpvsOp, reconcile, rowOps } from '../../core/ipvs/reconcile.js';
import { type IpvsService, type ServiceKey, serviceId } from '../../core/ipvs/table.js';
import {
  applyVerdict,
  type CheckerVerdict,
  carryState,
  checkerId,
  desiredServices,
  effectiveWeight,
  fifoLine,
  initialState,
  isAlive,
  realServerId,
  realServerRow,
  serviceKeys,
  type VirtualServerEvent,
  type VirtualServerState,
  virtualServerId,
} from '../../core/ipvs/virtual-server.js';
import type { Logger } from '../../core/log.js';
import type { CheckHandle, IpvsPort, TimerPort, TrackerEdges } from '../../core/ports.js';
import type { Millis } from '../../core/time.js';
import type { KernelLedger } from '../ledger.js';
import { errorCode, RepeatedErrors } from '../repeated-errors.js';
import { SyncDaemons } from './sync-daemons.js';

/** How often the kernel's table is read and repaired when nothing else asked for it. */
export const RECHECK_MS = 5_000;
/** After a failed operation: a re-check this soon. */
const RETRY_MS = 1_000;
/** IPVS operations in flight at once (the netlink edge sends those it has together in few datagrams). */
const OPS_WINDOW = 256;

export interface LoadBalancerEdges {
  ipvs: IpvsPort;
  ledger: KernelLedger;
  checks: TrackerEdges;
  runScript(argv: string[], what: string): Promise<void>;
  /** A line for the notify FIFOs (keepalived's `VS …` and `RS …` lines). */
  notifyFifo?(line: string): void;
  /** A real server or a quorum of `virtualServer` changed (SNMP's notifications). */
  changed?(virtualServer: string, e: VirtualServerEvent): void;
  createTimer(onFire: () => void): TimerPort;
  now(): Millis;
  /** BFD_CHECK: follows a session of FRR's bfdd (its label or peer address); returns how to stop. */
  followBfd?(name: string, heard: (up: boolean) => void): () => void;
}

interface CheckerRun {
  /** The checker's last verdict text (for status). */
  reason: string;
  stop(): Promise<void> | void;
}

interface Managed {
  config: VirtualServerConfig;
  state: VirtualServerState;
  /**
   * The state the kernel's rows were last brought to, by a verdict's update or a re-check. A verdict's rows are
   * worked out when its update runs, from this to `state`: an update queued behind a re-check that already made
   * the change has nothing left to do (before, it repeated the re-check's add and the kernel said EEXIST), and a
   * server that went down and up again before its update ran costs nothing.
   */
  programmed: VirtualServerState;
  /** Real servers (indexes) whose verdicts are not programmed yet; undefined: no update is queued. */
  pending: Set<number> | undefined;
  /** Real server index by realServerId (a verdict finds its server without a scan). */
  index: Map<string, number>;
  /** Checkers running, by `${rsId}|${checkerId}`. */
  checkers: Map<string, CheckerRun>;
  suspended: boolean;
}

function indexOf(vs: VirtualServerConfig): Map<string, number> {
  return new Map(vs.realServers.map((rs, i) => [realServerId(rs), i]));
}

function managedFor(vs: VirtualServerConfig): Managed {
  const state = initialState(vs);
  return {
    config: vs,
    state,
    programmed: state,
    pending: undefined,
    index: indexOf(vs),
    checkers: new Map(),
    suspended: false,
  };
}

export class LoadBalancer {
  private readonly managed = new Map<string, Managed>();
  private groups = new Map<string, VirtualServerGroupConfig>();
  private lvs: LvsGlobals;
  /** Operations run one after another (and never while a re-check reads the table). */
  private queue: Promise<void> = Promise.resolve();
  private readonly recheckTimer: TimerPort;
  private stopped = false;
  private readonly syncDaemons: SyncDaemons;
  /** Addresses vipd holds now (VIPs of its MASTER instances), for ha_suspend. */
  private held: (address: string) => boolean = () => false;
  /** The kernel's counters at the last re-check, by serviceId. */
  private lastTable = new Map<string, IpvsService>();
  /** track_file names to paths (FILE_CHECK). */
  private trackFiles: Map<string, string>;
  /** nftables_ipvs: the marks of the groups served by one. */
  private marks: GroupMarks;
  /** The marking last put in the kernel (elements and settings), to apply a change only. */
  private markedAs: string | undefined;
  private readonly markErrors: RepeatedErrors;

  constructor(
    config: VipdConfig,
    private readonly edges: LoadBalancerEdges,
    private readonly log: Logger,
  ) {
    this.lvs = config.globalDefs.lvs;
    this.groups = new Map(config.virtualServerGroups.map((g) => [g.name, g]));
    for (const vs of config.virtualServers) {
      this.managed.set(virtualServerId(vs), managedFor(vs));
    }
    this.trackFiles = new Map(config.trackFiles.map((f) => [f.name, f.path]));
    this.marks = assignGroupMarks(config.virtualServers, this.groups, this.lvs.groupMarking);
    this.markErrors = new RepeatedErrors(log, 'cannot set the nftables_ipvs marks: tried again at each re-check');
    this.recheckTimer = edges.createTimer(() => void this.recheck());
    this.syncDaemons = new SyncDaemons(
      { ipvs: edges.ipvs, retrySoon: () => !this.stopped && this.recheckTimer.armAt(this.edges.now() + RETRY_MS) },
      log,
    );
  }

  /** Programs the table (flushing first with lvs_flush), sets the timeouts, starts the checkers. */
  async start(isHeld: (address: string) => boolean): Promise<void> {
    this.held = isHeld;
    // A kernel without IPVS (or without the rights to it) stops the start here, with the reason; later failures
    // are retried by the re-checks.
    await this.edges.ipvs.list();
    if (this.lvs.flushAtStart) await this.edges.ipvs.flush();
    const t = this.lvs.timeouts;
    if (t) await this.edges.ipvs.setTimeouts({ tcp: t.tcp ?? 0, tcpFin: t.tcpFin ?? 0, udp: t.udp ?? 0 });
    await this.recheck();
    // rs_init_notifies: keepalived notifies each real server it starts alive (one whose checkers have not failed).
    if (this.lvs.rsInitNotifies) {
      for (const m of this.managed.values()) {
        m.state.reals.forEach((st, index) => {
          if (isAlive(st)) this.notify(m, { kind: 'real-server', index, up: true }, 'started alive');
        });
      }
    }
    for (const m of this.managed.values()) this.startCheckers(m);
    await this.enqueue(() => this.syncDaemons.configure(this.lvs.syncDaemon));
    this.log.info({ virtualServers: [...this.managed.values()].map((m) => m.config.name) }, 'load balancer started');
  }

  /** An instance changed state: the sync daemon follows its instance; ha_suspend follows the held VIPs. */
  instanceState(name: string, state: string): void {
    if (this.stopped) return;
    const states = this.syncDaemons.statesFor(name, state);
    if (states) void this.enqueue(() => this.syncDaemons.set(states));
    for (const m of this.managed.values()) this.applySuspension(m);
  }

  /**
   * A new configuration and the reload plan's part for virtual servers: unchanged ones stay as they are, changed ones
   * carry their real servers' health over, removed ones stop their checkers; their services go at the re-check.
   */
  async reconfigure(next: VipdConfig, plan: ReloadPlan['virtualServers']): Promise<void> {
    this.groups = new Map(next.virtualServerGroups.map((g) => [g.name, g]));
    this.trackFiles = new Map(next.trackFiles.map((f) => [f.name, f.path]));
    const byId = new Map(next.virtualServers.map((vs) => [virtualServerId(vs), vs]));
    const stops: (Promise<void> | void)[] = [];
    for (const id of plan.removed) {
      for (const c of this.managed.get(id)?.checkers.values() ?? []) stops.push(c.stop());
    }
    const before = new Map(this.managed);
    const added = new Set(plan.added);
    const unchanged = new Set(plan.unchanged);
    this.managed.clear();
    // In the new configuration's order (the IPVS programming and status follow it).
    for (const [id, vs] of byId) {
      const old = before.get(id);
      if (!old || added.has(id)) this.managed.set(id, managedFor(vs));
      else if (unchanged.has(id)) this.managed.set(id, { ...old, config: vs, pending: undefined });
      else {
        // The re-check below programs the carried state whole.
        const state = carryState(old.config, old.state, vs);
        this.managed.set(id, {
          config: vs,
          state,
          programmed: state,
          pending: undefined,
          index: indexOf(vs),
          checkers: old.checkers,
          suspended: old.suspended,
        });
      }
    }
    // Checkers whose real server or definition went away stop; the others keep running.
    for (const m of this.managed.values()) {
      const wanted = new Set(this.checkerKeys(m.config));
      for (const [key, run] of [...m.checkers]) {
        if (wanted.has(key)) continue;
        m.checkers.delete(key);
        stops.push(run.stop());
      }
    }
    await Promise.allSettled(stops);
    this.lvs = next.globalDefs.lvs;
    this.marks = assignGroupMarks(next.virtualServers, this.groups, this.lvs.groupMarking, this.marks);
    await this.recheck();
    for (const m of this.managed.values()) this.startCheckers(m);
    await this.enqueue(() => this.syncDaemons.configure(this.lvs.syncDaemon));
  }

  /** Stops the checkers and the sync daemons, runs omega's notifiers, removes what vipd programmed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.recheckTimer.close();
    await Promise.allSettled([...this.managed.values()].flatMap((m) => [...m.checkers.values()].map((c) => c.stop())));
    await this.queue.catch(() => undefined);
    await this.syncDaemons.set([]).catch(() => undefined);
    for (const m of this.managed.values()) {
      if (!m.config.omega) continue;
      m.config.realServers.forEach((rs, i) => {
        const st = m.state.reals[i];
        if (st && isAlive(st) && rs.notifyDown) void this.edges.runScript(rs.notifyDown, 'notify_down');
      });
      if (m.state.quorumUp && m.config.quorumDown) void this.edges.runScript(m.config.quorumDown, 'quorum_down');
    }
    await this.edges.ledger.releaseIpvs(this.lvs.flushOnStop === 'all');
  }

  /** Reads the kernel's counters now (a status request), rather than those of the last re-check. */
  async refreshCounters(): Promise<void> {
    if (this.stopped) return;
    try {
      const actual = await this.edges.ipvs.list();
      this.lastTable = new Map(actual.map((s) => [serviceId(s.key), s]));
    } catch (err) {
      this.log.warn({ err }, 'cannot read the IPVS counters: status shows the last ones');
    }
  }

  /** For status and metrics: each virtual server with its real servers and the kernel's counters. */
  report(): VirtualServerReport[] {
    return [...this.managed.values()].map((m) => {
      const services = desiredServices(m.config, m.state, this.groups, this.marks);
      return {
        name: m.config.name,
        protocol: m.config.protocol,
        scheduler: m.config.scheduler,
        method: m.config.method.method,
        quorumUp: m.state.quorumUp,
        suspended: m.suspended,
        services: services.map((s) => {
          const actual = this.lastTable.get(serviceId(s.key));
          return { id: serviceId(s.key), key: s.key, counters: actual?.counters, dests: actual?.dests ?? [] };
        }),
        realServers: m.config.realServers.map((rs, i) => {
          const st = m.state.reals[i];
          const inTable = services[0]?.dests.find((d) => d.address === rs.address && d.port === rs.port);
          return {
            address: rs.address,
            port: rs.port,
            alive: st ? isAlive(st) : false,
            weight: st ? effectiveWeight(rs, st) : rs.weight,
            tableWeight: inTable?.weight,
            checkers: rs.checkers.map((c, j) => ({
              type: c.kind === 'probe' ? c.spec.type : c.kind === 'bfd' ? 'BFD_CHECK' : 'FILE_CHECK',
              up: st?.checkers[j]?.up ?? false,
              reason: m.checkers.get(`${realServerId(rs)}|${checkerId(c)}`)?.reason ?? 'not run yet',
            })),
          };
        }),
      };
    });
  }

  // ---------------------------------------------------------------------------------------------

  private checkerKeys(vs: VirtualServerConfig): string[] {
    return vs.realServers.flatMap((rs) => rs.checkers.map((c) => `${realServerId(rs)}|${checkerId(c)}`));
  }

  private suspendedNow(m: Managed): boolean {
    const t = m.config.target;
    return m.config.haSuspend && t.kind === 'address' && !this.held(t.address);
  }

  private applySuspension(m: Managed): void {
    const suspend = this.suspendedNow(m);
    if (suspend === m.suspended) return;
    m.suspended = suspend;
    this.log.info({ virtualServer: m.config.name }, suspend ? 'checkers suspended (ha_suspend)' : 'checkers resumed');
    if (suspend) {
      const runs = [...m.checkers.values()];
      m.checkers.clear();
      for (const r of runs) void r.stop();
    } else this.startCheckers(m);
  }

  /** Starts the checkers of `m` that do not run yet (none while suspended). */
  private startCheckers(m: Managed): void {
    if (this.stopped) return;
    m.suspended = this.suspendedNow(m);
    if (m.suspended) return;
    const id = virtualServerId(m.config);
    for (const rs of m.config.realServers) {
      for (const c of rs.checkers) {
        const key = `${realServerId(rs)}|${checkerId(c)}`;
        if (m.checkers.has(key)) continue;
        const run: CheckerRun = { reason: 'not run yet', stop: () => undefined };
        m.checkers.set(key, run);
        // A reload makes a new Managed for the same virtual server and hands it the running checkers: a verdict
        // goes to the virtual server as it is now, never to the one this checker was started for (whose state no
        // re-check reads any more, so the table would be put back to a health the checker no longer reports).
        const report = (v: CheckerVerdict, reason: string) => {
          run.reason = reason;
          const now = this.managed.get(id);
          if (now?.checkers.get(key) === run) this.verdict(now, realServerId(rs), checkerId(c), v, reason);
        };
        // misc_dynamic's weight is relative to the real server's configured weight as it is now (a reload may change it).
        const weightNow = () => {
          const now = this.managed.get(id);
          return now?.config.realServers[now.index.get(realServerId(rs)) ?? -1]?.weight ?? rs.weight;
        };
        const failures = c.kind === 'probe' && c.logAllFailures ? `${realServerId(rs)} ${c.spec.type}` : undefined;
        run.stop =
          c.kind === 'probe'
            ? this.runProbe(c.spec, weightNow, report, failures)
            : c.kind === 'bfd'
              ? this.followBfd(c.session, report)
              : this.watchFile(c, report);
      }
    }
  }

  /** `logFailures`: log_all_failures (the checker named for the log line). */
  private runProbe(
    spec: ResolvedCheckSpec,
    weight: () => number,
    report: (v: CheckerVerdict, reason: string) => void,
    logFailures?: string,
  ) {
    const handle: CheckHandle = this.edges.checks.createCheck(
      spec,
      (r) => {
        if (!r.ok && logFailures) this.log.info({ checker: logFailures, reason: r.reason }, 'check failed');
        const adjust = r.ok && r.dynamicWeight !== undefined ? r.dynamicWeight - weight() : undefined;
        report({ up: r.ok, adjust }, r.reason);
      },
      'changes',
    );
    handle.start();
    return () => handle.stop();
  }

  /**
   * FILE_CHECK: the track_file's value. Weight 0: up while the value is 0. Otherwise value × weight (negated with
   * reverse): up while not negative, and with `dynamic` added to the real server's weight.
   */
  private watchFile(
    c: Extract<RealServerChecker, { kind: 'file' }>,
    report: (v: CheckerVerdict, reason: string) => void,
  ) {
    const path = this.trackFilePath(c.trackFile);
    if (!path) return () => undefined;
    const read = () => {
      const value = Number.parseInt(this.edges.checks.readFile(path)?.trim() ?? '', 10) || 0;
      if (c.weight === 0) report({ up: value === 0 }, `value ${value}`);
      else {
        const status = value * c.weight * (c.reverse ? -1 : 1);
        report({ up: status >= 0, adjust: c.dynamic ? status : 0 }, `value ${value}`);
      }
    };
    const unwatch = this.edges.checks.watchFile(path, read);
    read();
    return unwatch;
  }

  /** BFD_CHECK: up while the bfdd session is up. */
  private followBfd(session: string, report: (v: CheckerVerdict, reason: string) => void) {
    const follow = this.edges.followBfd;
    if (!follow) throw new VipdError('VIPD_ERR_MISSING_PORT', 'BFD_CHECK: these edges cannot see BFD sessions');
    return follow(session, (up) => report({ up }, `BFD session ${session} ${up ? 'up' : 'down'}`));
  }

  private trackFilePath(name: string): string | undefined {
    return this.trackFiles.get(name);
  }

  /**
   * A checker's verdict: the new state, the rows that changed, the notifications. A real server's own change
   * touches its own row only (in each service of the virtual server); a quorum change recomputes the whole server.
   */
  private verdict(m: Managed, rsId: string, chkId: string, v: CheckerVerdict, reason: string): void {
    if (this.stopped) return;
    const i = m.index.get(rsId) ?? -1;
    const rs = m.config.realServers[i];
    const j = rs?.checkers.findIndex((c) => checkerId(c) === chkId) ?? -1;
    if (!rs || j < 0) return;
    const { state, events } = applyVerdict(m.config, m.state, i, j, v);
    if (state === m.state) return;
    m.state = state;
    for (const e of events) this.notify(m, e, reason);
    if (m.pending) {
      m.pending.add(i);
      return;
    }
    m.pending = new Set([i]);
    void this.enqueue(async () => this.program(m));
  }

  /**
   * Brings the kernel's rows of `m` from what was last programmed to its state now: the rows of the real servers
   * with new verdicts, or the whole server when its quorum changed. Nothing when a reload replaced `m`.
   */
  private async program(m: Managed): Promise<void> {
    const pending = m.pending ?? new Set<number>();
    m.pending = undefined;
    if (this.stopped || this.managed.get(virtualServerId(m.config)) !== m) return;
    const from = m.programmed;
    const to = m.state;
    let ops: IpvsOp[];
    if (from.quorumUp !== to.quorumUp) {
      ops = reconcile(
        desiredServices(m.config, to, this.groups, this.marks),
        desiredServices(m.config, from, this.groups, this.marks),
      );
    } else {
      const keys = serviceKeys(m.config, this.groups, this.marks);
      ops = [...pending].flatMap((i) => rowOps(keys, realServerRow(m.config, from, i), realServerRow(m.config, to, i)));
    }
    m.programmed = to;
    await this.applyAll(ops);
  }

  private notify(m: Managed, e: VirtualServerEvent, reason: string): void {
    this.edges.notifyFifo?.(fifoLine(m.config, e));
    this.edges.changed?.(m.config.name, e);
    if (e.kind === 'real-server') {
      const rs = m.config.realServers[e.index] as RealServerConfig;
      this.log.info(
        { virtualServer: m.config.name, realServer: `${rs.address}:${rs.port}`, up: e.up, reason },
        e.up ? 'real server up' : 'real server down',
      );
      const cmd = e.up ? rs.notifyUp : rs.notifyDown;
      if (cmd) void this.edges.runScript(cmd, e.up ? 'notify_up' : 'notify_down');
    } else {
      this.log.info(
        { virtualServer: m.config.name, quorum: e.up ? 'up' : 'down' },
        e.up ? 'quorum gained' : 'quorum lost',
      );
      const cmd = e.up ? m.config.quorumUp : m.config.quorumDown;
      if (cmd) void this.edges.runScript(cmd, e.up ? 'quorum_up' : 'quorum_down');
    }
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task, task);
    this.queue = next.catch((err: unknown) => {
      this.log.error({ err }, 'IPVS update failed; the table is re-read shortly');
      if (!this.stopped) this.recheckTimer.armAt(this.edges.now() + RETRY_MS);
    });
    return this.queue;
  }

  /**
   * Operations go out in windows of OPS_WINDOW, back to back: netlink keeps their order, so a thousand round trips
   * do not add up, and the window bounds the acknowledgements waiting in the socket's receive buffer.
   */
  private async applyAll(ops: ReturnType<typeof reconcile>): Promise<void> {
    for (let i = 0; i < ops.length; i += OPS_WINDOW) {
      const results = await Promise.allSettled(
        ops.slice(i, i + OPS_WINDOW).map((op) => this.edges.ledger.applyIpvs(op)),
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /** Reads the kernel's table and brings it to the desired one (vipd's services only). */
  recheck(): Promise<void> {
    return this.enqueue(async () => {
      if (this.stopped) return;
      const desired = [...this.managed.values()].flatMap((m) =>
        desiredServices(m.config, m.state, this.groups, this.marks),
      );
      const actual = await this.edges.ipvs.list();
      this.lastTable = new Map(actual.map((s) => [serviceId(s.key), s]));
      const present = new Set(actual.map((s) => serviceId(s.key)));
      for (const s of desired) if (present.has(serviceId(s.key))) this.edges.ledger.claimIpvsService(s.key);
      const ops = reconcile(desired, actual, this.edges.ledger.ipvsServices());
      // What the re-check programs is every server's state now: updates queued behind it have nothing left to do.
      for (const m of this.managed.values()) m.programmed = m.state;
      if (ops.length > 0) this.log.info({ operations: ops.length }, 'IPVS brought in line with the configuration');
      // Services are there before traffic is marked for them, and marking stops before they go.
      await this.applyAll(ops.filter((op) => op.op !== 'remove-service'));
      // A kernel that refuses the marks (no nftables for IPv4, say) still gets its services, and they are tried
      // again at each re-check.
      await this.recheckMarks().then(
        () => this.markErrors.ended(),
        (err: unknown) => this.markErrors.failed(errorCode(err), { err }),
      );
      await this.applyAll(ops.filter((op) => op.op === 'remove-service'));
      await this.syncDaemons.recheck();
      if (!this.stopped) this.recheckTimer.armAt(this.edges.now() + RECHECK_MS);
    });
  }

  /** nftables_ipvs: the marking put in the kernel when it changed, or when it is no longer as vipd put it. */
  private async recheckMarks(): Promise<void> {
    const settings = this.lvs.groupMarking;
    const elements = settings ? markElements(this.groups, this.marks) : [];
    const wanted = JSON.stringify({ elements, settings });
    if (wanted === this.markedAs && (await this.edges.ledger.groupMarksIntact())) return;
    if (this.markedAs !== undefined && wanted === this.markedAs)
      this.log.warn({ table: settings?.table }, 'nftables_ipvs table changed behind vipd: put back');
    this.markedAs = undefined;
    await this.edges.ledger.markGroups(elements, {
      table: settings?.table ?? '',
      priority: settings?.priority ?? 0,
      counters: settings?.counters ?? false,
    });
    this.markedAs = wanted;
    if (elements.length > 0)
      this.log.info({ table: settings?.table, elements: elements.length }, 'nftables_ipvs marks set');
  }
}

export interface VirtualServerReport {
  name: string;
  protocol: string;
  scheduler: string;
  method: string;
  quorumUp: boolean;
  suspended: boolean;
  /** Each service with the kernel's counters and destinations at the last re-check (at most RECHECK_MS old). */
  services: { id: string; key: ServiceKey; counters: IpvsService['counters']; dests: IpvsService['dests'] }[];
  realServers: {
    address: string;
    port: number;
    alive: boolean;
    weight: number;
    /** The weight it has in the table, or undefined when it is not in it. */
    tableWeight: number | undefined;
    checkers: { type: string; up: boolean; reason: string }[];
  }[];
}
