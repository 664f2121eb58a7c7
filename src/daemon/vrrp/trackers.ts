/**
 * Runs the trackers of a configuration and tells each instance what they add up to. vrrp_script and
 * vrrp_check runs come from the check engine (src/edges/checks), interfaces from the link watcher, files
 * from a file watch; rise/fall and the weight rules are the pure ones of src/core/tracking. An instance is
 * told only when its effective priority or its tracker fault changes.
 */

import type { CheckSpec } from '../../core/checks/spec.js';
import type {
  AnnounceConfig,
  InstanceConfig,
  ScriptUser,
  TrackerLists,
  TrackProcessConfig,
  VipdConfig,
} from '../../core/config/model.js';
import { addressInterfaces, trackGroupInterfaces } from '../../core/config/tracking.js';
import { TrackerError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { TrackerEdges } from '../../core/ports.js';
import { HealthCounter } from '../../core/tracking/health.js';
import { type EffectivePriority, effectivePriority } from '../../core/tracking/priority.js';
import { ProcessTable, withinQuorum } from '../../core/tracking/process.js';
import { type TrackerBinding, type TrackerState, trackerKey } from '../../core/tracking/types.js';
import { BfdSessions } from '../bfd-sessions.js';

interface Consumer {
  base: number;
  bindings: TrackerBinding[];
  /** trackerKey of each binding, so a state change finds its instances without rebuilding keys. */
  keys: ReadonlySet<string>;
  last: EffectivePriority | undefined;
  apply(result: EffectivePriority): void;
}

export class Trackers {
  private readonly states = new Map<string, TrackerState>();
  /** By instance name. */
  private readonly consumers = new Map<string, Consumer>();
  /** What runs, by tracker key: a check's handle or a file's watch. Unchanged ones survive a reload. */
  private readonly running = new Map<string, { stop(): Promise<void> | void }>();
  /** The track_bfd names followed, by tracker key, with how to stop following each. */
  private readonly bfdFollowed = new Map<string, () => void>();

  constructor(
    private config: VipdConfig,
    private readonly edges: TrackerEdges,
    private readonly log: Logger,
    /** bfdd's sessions, shared with the load balancer's BFD_CHECKs. */
    private readonly bfd: BfdSessions = new BfdSessions(edges, () => config.globalDefs.bfddSocket),
  ) {}

  /** Registers (or re-registers) an instance; `apply` gets its effective priority now and every change later. */
  bind(instance: InstanceConfig, apply: (result: EffectivePriority) => void): void {
    this.register(instance.name, instance.priority, bindingsOf(instance, this.config), apply);
  }

  unbind(instanceName: string): void {
    this.consumers.delete(instanceName);
  }

  /**
   * Registers (or re-registers) an announce: `apply` hears now and at every change whether all its trackers and
   * virtual servers are up, and if not, the first that is not (its tracker key).
   */
  bindAnnounce(a: AnnounceConfig, apply: (down: string | undefined) => void): void {
    const bindings = [
      ...listBindings(a.trackers),
      ...a.trackVirtualServers.map((name) => ({ kind: 'virtual-server' as const, name, weight: 0, reverse: false })),
    ];
    this.register(announceConsumer(a.name), 0, bindings, (r) => apply(r.fault));
  }

  unbindAnnounce(name: string): void {
    this.consumers.delete(announceConsumer(name));
  }

  /** The trackers of an announce with their current state, for status. */
  announceStateOf(a: AnnounceConfig): (TrackerBinding & TrackerState)[] {
    return (this.consumers.get(announceConsumer(a.name))?.bindings ?? []).map((b) => ({
      ...b,
      ...(this.states.get(trackerKey(b)) ?? { up: true }),
    }));
  }

  /** A tracked virtual server gained (up) or lost its quorum. */
  virtualServerChanged(id: string, up: boolean): void {
    const key = trackerKey({ kind: 'virtual-server', name: id });
    if (this.states.get(key)?.up !== up) this.set(key, { up });
  }

  private register(
    name: string,
    base: number,
    bindings: TrackerBinding[],
    apply: (result: EffectivePriority) => void,
  ): void {
    const keys = new Set(bindings.map((b) => trackerKey(b)));
    const consumer: Consumer = { base, bindings, keys, last: undefined, apply };
    this.consumers.set(name, consumer);
    this.update(consumer);
  }

  /**
   * A reload: trackers whose definition changed, that went away or that nothing tracks any more are stopped;
   * unchanged ones keep running with their rise/fall state (keepalived: "considered successful on reload").
   * The caller re-binds its instances, then calls start() for the new and changed ones.
   */
  async reconfigure(next: VipdConfig, changed: readonly string[]): Promise<void> {
    this.config = next;
    const defined = new Set([
      ...next.scripts.map((x) => trackerKey({ kind: 'script', name: x.name })),
      ...next.checks.map((x) => trackerKey({ kind: 'check', name: x.name })),
      ...next.trackFiles.map((x) => trackerKey({ kind: 'file', name: x.name })),
      ...next.trackProcesses.map((x) => trackerKey({ kind: 'process', name: x.name })),
    ]);
    const stops: (Promise<void> | void)[] = [];
    // The process trackers share one watch: if one goes or changes, they all start again (from a fresh scan).
    const processKeys = [...this.running.keys()].filter((k) => k.startsWith('process:'));
    const restartProcesses = processKeys.some((k) => !defined.has(k) || changed.includes(k));
    for (const [key, t] of [...this.running]) {
      const keep = defined.has(key) && !changed.includes(key) && !(restartProcesses && key.startsWith('process:'));
      if (keep) continue;
      this.running.delete(key);
      this.states.delete(key);
      stops.push(t.stop());
    }
    await Promise.allSettled(stops);
  }

  /** The trackers of an instance with their current state, for status and metrics. */
  stateOf(instance: InstanceConfig): (TrackerBinding & TrackerState)[] {
    return bindingsOf(instance, this.config).map((b) => ({
      ...b,
      ...(this.states.get(trackerKey(b)) ?? { up: false }),
    }));
  }

  /**
   * Starts every script, check and file watch that some instance tracks and that does not run yet. Throws
   * TrackerError when one cannot run.
   */
  start(): void {
    const used = new Set([...this.consumers.values()].flatMap((c) => [...c.keys]));
    const wanted = (key: string) => used.has(key) && !this.running.has(key);
    for (const s of this.config.scripts) {
      if (!wanted(trackerKey({ kind: 'script', name: s.name }))) continue;
      const [path] = s.command;
      const insecure =
        this.config.globalDefs.enableScriptSecurity && path ? this.edges.scriptSecurity(path) : undefined;
      if (insecure) throw new TrackerError(`vrrp_script ${s.name}: refused by enable_script_security: ${insecure}`);
      // keepalived's vrrp_script is a MISC_CHECK run every interval, at once, without retries.
      const spec: CheckSpec = {
        type: 'MISC_CHECK',
        miscPath: s.command,
        miscTimeoutMs: s.timeoutMs,
        delayLoopMs: s.intervalMs,
        retry: 0,
        delayBeforeRetryMs: 0,
        warmupMs: 0,
        ...this.ids(s.user, `vrrp_script ${s.name}`),
      };
      this.runCheck('script', s.name, spec, s);
    }
    for (const c of this.config.checks) {
      if (!wanted(trackerKey({ kind: 'check', name: c.name }))) continue;
      const ids = c.spec.type === 'MISC_CHECK' ? this.ids(c.spec.user, `vrrp_check ${c.name}`) : {};
      this.runCheck('check', c.name, { ...c.spec, ...ids }, c);
    }
    for (const f of this.config.trackFiles) {
      const key = trackerKey({ kind: 'file', name: f.name });
      if (!wanted(key)) continue;
      if (f.initFile && (f.initFile.overwrite || this.edges.readFile(f.path) === undefined)) {
        this.edges.writeFile(f.path, `${f.initFile.value}\n`);
      }
      const read = () => this.fileChanged(f.name, f.path);
      this.running.set(key, { stop: this.edges.watchFile(f.path, read) });
      read();
    }
    this.startProcesses(
      this.config.trackProcesses.filter((p) => wanted(trackerKey({ kind: 'process', name: p.name }))),
    );
    this.startBfd([...used].filter((k) => k.startsWith('bfd:')));
  }

  /**
   * track_bfd: each tracked name followed in the daemon's one view of bfdd's sessions (a reload keeps a name that
   * stays tracked); down until bfdd says up.
   */
  private startBfd(keys: string[]): void {
    for (const [key, unfollow] of [...this.bfdFollowed]) {
      if (keys.includes(key)) continue;
      unfollow();
      this.bfdFollowed.delete(key);
      this.states.delete(key);
    }
    for (const key of keys) {
      if (this.bfdFollowed.has(key)) continue;
      const name = key.slice('bfd:'.length);
      if (!this.states.has(key)) this.set(key, { up: false }); // down until bfdd says up
      this.bfdFollowed.set(
        key,
        this.bfd.follow(name, (up) => {
          if (this.states.has(key) || up) this.log.info({ tracker: key, state: up ? 'up' : 'down' }, 'tracker changed');
          this.set(key, { up });
        }),
      );
    }
  }

  /**
   * vrrp_track_process: one process watch for the trackers that start now. A tracker is up while its count is
   * within its quorum; a change counts once it has lasted fork_delay (up) or terminate_delay (down).
   */
  private startProcesses(trackers: readonly TrackProcessConfig[]): void {
    if (trackers.length === 0) return;
    const watch = this.edges.watchProcesses;
    if (!watch) throw new TrackerError('vrrp_track_process: these edges cannot watch processes');
    const table = new ProcessTable(trackers);
    const pending = new Map<string, ReturnType<typeof setTimeout>>();
    const judge = (t: TrackProcessConfig, first: boolean) => {
      const key = trackerKey({ kind: 'process', name: t.name });
      const up = withinQuorum(table.count(t.name), t.quorum, t.quorumMax);
      clearTimeout(pending.get(t.name));
      pending.delete(t.name);
      if (this.states.get(key)?.up === up && !first) return;
      const delay = first ? 0 : up ? t.forkDelayMs : t.terminateDelayMs;
      const apply = () => {
        pending.delete(t.name);
        this.log.info({ tracker: key, processes: table.count(t.name), state: up ? 'up' : 'down' }, 'tracker changed');
        this.set(key, { up });
      };
      if (delay <= 0) apply();
      else pending.set(t.name, setTimeout(apply, delay).unref());
    };
    let first = true;
    const handle = watch((e) => {
      const changed = new Set(table.apply(e));
      for (const t of trackers) if (first || changed.has(t.name)) judge(t, first);
      first = false;
    });
    const stop = () => {
      handle.stop();
      for (const t of pending.values()) clearTimeout(t);
    };
    // One handle for all of them; stopping any (a reload changed it) stops the watch, and the others start again.
    for (const t of trackers) this.running.set(trackerKey({ kind: 'process', name: t.name }), { stop });
  }

  /** The link watcher's view of an interface (track_interface, and the instance's own interface). */
  linkChanged(ifname: string, up: boolean): void {
    this.set(trackerKey({ kind: 'interface', name: ifname }), { up });
  }

  async stop(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    for (const unfollow of this.bfdFollowed.values()) unfollow();
    this.bfdFollowed.clear();
    await Promise.allSettled(all.map((t) => t.stop()));
    await this.edges.close?.();
  }

  private runCheck(
    kind: 'script' | 'check',
    name: string,
    spec: CheckSpec,
    health: { rise: number; fall: number; initFail: boolean; logAllFailures?: boolean | undefined },
  ): void {
    const key = trackerKey({ kind, name });
    const counter = new HealthCounter({ rise: health.rise, fall: health.fall, initFail: health.initFail });
    this.set(key, { up: counter.up });
    const handle = this.edges.createCheck(spec, (r) => {
      if (!r.ok && health.logAllFailures) this.log.info({ tracker: key, reason: r.reason }, 'check failed');
      const change = counter.record(r.ok);
      if (change)
        this.log.info({ tracker: key, state: change, reason: r.reason, latencyMs: r.latencyMs }, 'tracker changed');
      const prev = this.states.get(key);
      if (change || prev?.dynamicWeight !== r.dynamicWeight)
        this.set(key, { up: counter.up, dynamicWeight: r.dynamicWeight });
    });
    this.running.set(key, handle);
    handle.start();
  }

  private fileChanged(name: string, path: string): void {
    const text = this.edges.readFile(path);
    // keepalived: a missing or unreadable file counts as 0; so does text that is not a number.
    const value = Number.parseInt(text?.trim() ?? '', 10);
    this.set(trackerKey({ kind: 'file', name }), { up: true, value: Number.isFinite(value) ? value : 0 });
  }

  private set(key: string, state: TrackerState): void {
    this.states.set(key, state);
    for (const c of this.consumers.values()) if (c.keys.has(key)) this.update(c);
  }

  private update(c: Consumer): void {
    const result = effectivePriority(c.base, c.bindings, this.states);
    if (c.last && c.last.priority === result.priority && c.last.fault === result.fault) return;
    c.last = result;
    c.apply(result);
  }

  private ids(user: ScriptUser | undefined, what: string): { uid?: number; gid?: number } {
    const u = user ?? this.config.globalDefs.scriptUser;
    if (!u) return {};
    const ids = this.edges.resolveUser(u);
    if (!ids) throw new TrackerError(`${what}: unknown user ${u.user}${u.group ? `:${u.group}` : ''}`);
    return ids;
  }
}

/**
 * The trackers of one instance, with the weights the loader resolved (line over block), and the interfaces its
 * track groups' static addresses, routes and rules and its own (e)VIPs are on (unweighted, unless it tracks one
 * itself).
 */
function bindingsOf(i: InstanceConfig, c: VipdConfig): TrackerBinding[] {
  const own = new Set(i.trackInterfaces.map((t) => t.interface));
  const groups = (trackGroupInterfaces(c).get(i.name) ?? []).filter((name) => !own.has(name));
  const holding = addressInterfaces(i).filter((name) => !own.has(name) && !groups.includes(name));
  return [
    ...i.trackInterfaces.map((t) => ({
      kind: 'interface' as const,
      name: t.interface,
      weight: t.weight,
      reverse: t.reverse,
    })),
    ...[...groups, ...holding].map((name) => ({ kind: 'interface' as const, name, weight: 0, reverse: false })),
    ...listBindings({ ...i, trackInterfaces: [] }),
  ];
}

/** An announce's consumer name: apart from the instances' (an instance and an announce may share a name). */
const announceConsumer = (name: string) => `announce ${name}`;

/** Tracker lists as bindings, in the order effectivePriority names the first fault by. */
function listBindings(t: TrackerLists): TrackerBinding[] {
  return [
    ...t.trackInterfaces.map((x) => ({
      kind: 'interface' as const,
      name: x.interface,
      weight: x.weight,
      reverse: x.reverse,
    })),
    ...t.trackScripts.map((x) => ({ kind: 'script' as const, name: x.script, weight: x.weight, reverse: x.reverse })),
    ...t.trackFiles.map((x) => ({ kind: 'file' as const, name: x.file, weight: x.weight, reverse: x.reverse })),
    ...t.trackChecks.map((x) => ({ kind: 'check' as const, name: x.name, weight: x.weight, reverse: x.reverse })),
    ...t.trackProcesses.map((x) => ({
      kind: 'process' as const,
      name: x.process,
      weight: x.weight,
      reverse: x.reverse,
    })),
    ...t.trackBfds.map((x) => ({ kind: 'bfd' as const, name: x.session, weight: x.weight, reverse: x.reverse })),
  ];
}
