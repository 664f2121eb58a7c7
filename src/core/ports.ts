/**
 * The I/O ports the daemon wires to the core. Each edge module (src/edges/) implements one of these;
 * tests implement them with fakes. Nothing here touches a socket. Every port is defined here, so edges import
 * core and never the daemon.
 */
import type { BfdSession } from './bfd/control.js';
import type { ResultReporting } from './checks/reporting.js';
import type { CheckSpec, ScriptUser } from './checks/spec.js';
import type { IpvsOp } from './ipvs/reconcile.js';
import type { IpvsService, IpvsTimeouts, MarkElement, SyncDaemonSpec } from './ipvs/table.js';
import type { AddressSpec, Family, FirewallSettings, RouteSpec, RuleSpec, VmacSpec } from './net.js';
import type { Clock, Millis } from './time.js';
import type { ProcessInfo } from './tracking/process.js';
import type { CheckResult } from './tracking/types.js';

/** A VRRP packet as received from the raw socket, with what the kernel told us about it. */
export interface ReceivedPacket {
  family: Family;
  /**
   * IPv4: the whole IP datagram as the raw socket delivers it (header included), so the codec can
   * check the header. IPv6: the VRRP message only (the kernel gives no header on raw IPv6 sockets).
   * Valid only while the listener runs: the socket reuses the memory for its next batch (copy what you keep).
   */
  data: Buffer;
  /** Source and destination address as text (IPv6 without zone), from recvmmsg / IP(V6)_PKTINFO. */
  src: string;
  dst: string;
  /** IPv4 TTL (IP_RECVTTL) or IPv6 hop limit (IPV6_RECVHOPLIMIT). */
  ttl: number;
  /** Index of the interface the packet arrived on. */
  ifindex: number;
  /** Monotonic arrival time. */
  at: Millis;
}

/** Sends and receives VRRP on one interface and family (raw socket, protocol 112). */
export interface VrrpSendOptions {
  src?: string;
  ttl?: number;
  /**
   * With it, the send may wait for the end of the running batch (adverts due together leave in one sendmmsg), and
   * its outcome comes here exactly once: undefined when the kernel took it, else the error (never thrown).
   * Without it, the send happens now and throws on failure.
   */
  done?: (err: unknown) => void;
}

export interface VrrpPort {
  /**
   * Sends one VRRP message (no IP header) to dst; TTL/hop limit 255 unless ttl is given. An AH socket's message is
   * a whole IPv4 datagram.
   */
  send(message: Buffer, dst: string, opts?: VrrpSendOptions): void;
  onPacket(listener: (packet: ReceivedPacket) => void): void;
  /** Packets the kernel dropped at this socket so far because its receive buffer was full (0 once closed). */
  kernelDrops(): number;
  close(): void;
}

/** Sends whole Ethernet frames (gratuitous ARP, unsolicited NA) on one interface. */
export interface FramePort {
  send(frame: Buffer): void;
  close(): void;
}

/** Makes and removes VMAC interfaces (rtnetlink). */
export interface VmacPort {
  /**
   * Makes the macvlan (or ipvlan; or takes over a left-over of that kind and name on the same base, correcting it),
   * a macvlan with no automatic IPv6 link-local address, and brings it up. `created`: this call made it. Rejects
   * when another kind of interface has the name.
   */
  create(spec: VmacSpec): Promise<{ index: number; created: boolean }>;
  /** Removes the macvlan or ipvlan of that name (never another kind of interface). */
  remove(name: string): Promise<'removed' | 'absent'>;
  close(): void;
}

/** The firewall rules behind `no_accept`: input to these addresses is dropped (nftables). */
export interface FirewallPort {
  /** Replaces the whole set of addresses input to which is dropped (a table of another name is removed first). */
  dropTo(addresses: readonly { family: Family; address: string }[], settings: FirewallSettings): Promise<void>;
  /** Removes vipd's rules altogether. */
  remove(): Promise<void>;
}

/** nftables_ipvs's table: where its marks go, and whether its maps and rules carry counters. */
export interface GroupMarkSettings {
  table: string;
  priority: number;
  counters: boolean;
}

/** nftables_ipvs: the rules that mark traffic to the ranges of virtual_server_groups (nftables). */
export interface GroupMarkPort {
  /** Replaces vipd's marking table(s) whole with these elements (a table of another name is removed in the same step). */
  mark(elements: readonly MarkElement[], settings: GroupMarkSettings): Promise<void>;
  /** Whether the kernel still holds what the last `mark` put there (false: deleted or changed by hand). */
  intact(): Promise<boolean>;
  /** Removes vipd's marking table(s). */
  remove(): Promise<void>;
}

/** Kernel parameters under /proc/sys (`net/ipv4/conf/eth0/arp_ignore`). */
export interface SysctlPort {
  /** The value, or undefined when there is no such parameter. */
  read(key: string): string | undefined;
  /** Throws when it cannot be written. */
  write(key: string, value: string): void;
}

/** A route or rule the kernel deleted (family undefined: notifications were lost, anything may be gone). */
export interface RoutingDeletion {
  kind: 'route' | 'rule';
  family: Family | undefined;
}

/** Adds and removes routes and rules (rtnetlink). Idempotent like AddressPort. */
export interface RoutingPort {
  addRoute(route: RouteSpec): Promise<'added' | 'present'>;
  removeRoute(route: RouteSpec): Promise<'removed' | 'absent'>;
  addRule(rule: RuleSpec): Promise<'added' | 'present'>;
  removeRule(rule: RuleSpec): Promise<'removed' | 'absent'>;
  /** Removes every route of every table and family marked with `protocol`; resolves what it removed (as lines). */
  removeRoutesOf?(protocol: number): Promise<string[]>;
  close(): void;
}

/** Adds and removes addresses (rtnetlink). Idempotent: an address already present is not an error. */
export interface AddressPort {
  /** Resolves 'added' when this call created it, 'present' when it was already there. */
  add(spec: AddressSpec): Promise<'added' | 'present'>;
  /** Resolves 'removed' or 'absent'. */
  remove(spec: AddressSpec): Promise<'removed' | 'absent'>;
  /** Lists addresses on a device, in kernel order (IPv4: primaries before secondaries). */
  list(dev: string, family: Family): Promise<KernelAddress[]>;
  /** Every address of `family` on every device, with the device's name (an announce's prefix must be none). */
  listAll?(family: Family): Promise<{ dev: string; address: string }[]>;
  /** Exercises the add path once without changing anything, so the first takeover runs compiled code. */
  warmUp?(): Promise<void>;
  close(): void;
}

/** An address as the kernel lists it, with the flags that decide whether it can source adverts. */
export interface KernelAddress {
  address: string;
  prefix: number;
  /** IFA_F_SECONDARY: not the first address of its subnet (IPv4). */
  secondary?: boolean;
  /** IFA_F_TENTATIVE: IPv6 DAD still running; cannot be used as a source yet. */
  tentative?: boolean;
  /** IFA_F_DADFAILED: IPv6 duplicate found. */
  dadfailed?: boolean;
}

/** An address the kernel added (or changed: IPv6 DAD finishing) or removed, whoever did it. */
export interface AddressChange {
  kind: 'added' | 'removed';
  family: Family;
  address: string;
  prefix: number;
  /** Index of the device; its name when the watcher knows the link. */
  index: number;
  dev: string | undefined;
}

export interface LinkInfo {
  name: string;
  index: number;
  /** Administratively up and carrier present (IFF_UP and IFF_LOWER_UP). */
  up: boolean;
  mac: Buffer;
  mtu: number;
  /** Set on the notification that the link was deleted (up is then false). */
  deleted?: true;
}

/** Link and address state from netlink notifications (not polling). */
export interface LinkWatcher {
  get(name: string): Promise<LinkInfo | undefined>;
  /**
   * Called on every change of a link: up/down, MAC, MTU, name, and once with deleted=true when it goes. A link
   * deleted and created again under the same name arrives as a deletion, then a link with a new index.
   */
  onChange(listener: (link: LinkInfo) => void): () => void;
  /** Called for every address added, changed or removed on any device. Returns an unsubscribe function. */
  onAddressChange(listener: (change: AddressChange) => void): () => void;
  close(): void;
}

/** A one-shot timer on the monotonic clock, precise below a millisecond (timerfd in the addon). */
export interface TimerPort {
  /** Arms (or re-arms) the timer to fire once at the monotonic time `at`. */
  armAt(at: Millis): void;
  disarm(): void;
  close(): void;
}

/** A periodic health check (the check engine's scheduler, or the same on its own thread). */
export interface CheckHandle {
  /** Schedules the first run; a no-op when already started or stopped. */
  start(): void;
  /** Cancels everything; resolves once no attempt is in flight. */
  stop(): Promise<void>;
  /** True between start() and stop(). */
  readonly running: boolean;
}

/** What the trackers need: the check engine, file watches and reads, script security and users. */
/** What vipd hears of processes: all of them (a scan), one running (new, or changed), one ended. */
export type ProcessEvents =
  | { kind: 'snapshot'; processes: ProcessInfo[] }
  | { kind: 'running'; process: ProcessInfo }
  | { kind: 'ended'; pid: number };

/** Starts watching processes; the first event is a snapshot. */
export type ProcessWatch = (listener: (e: ProcessEvents) => void) => { readonly events: boolean; stop(): void };

export interface TrackerEdges {
  /** Running processes, for vrrp_track_process (absent: the configuration may have none). */
  watchProcesses?: ProcessWatch;
  /**
   * A check whose timing is in its spec; starts nothing yet: the caller starts the returned handle. `reporting`
   * (default 'every'): 'changes' reports only the results a verdict can follow (core/checks/reporting.ts).
   */
  createCheck(spec: CheckSpec, onResult: (r: CheckResult) => void, reporting?: ResultReporting): CheckHandle;
  /** Calls back on every change of the file; returns the unwatch function. */
  watchFile(path: string, onChange: () => void): () => void;
  readFile(path: string): string | undefined;
  writeFile(path: string, text: string): void;
  /** Why a script may not run under enable_script_security, or undefined when it may. */
  scriptSecurity(path: string): string | undefined;
  /** uid/gid of a user (and group), or undefined when unknown. */
  resolveUser(user: ScriptUser): { uid: number; gid: number } | undefined;
  /** FRR bfdd's sessions, all of them after every change (absent: these edges cannot see BFD). */
  watchBfd?(
    socketPath: string | undefined,
    changed: (sessions: ReadonlyMap<string, BfdSession>) => void,
  ): {
    stop(): void;
  };
  /** Releases what the edges hold (the check thread). */
  close?(): Promise<void>;
}

/** The part of a logger a script runner writes a script's output to. */
export interface ScriptLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The sockets of one interface: raw VRRP per family, and the frame socket for gratuitous ARP / NA. */
export interface SocketEdges {
  /**
   * A raw socket for VRRP (IP protocol 112), or with `ah` for VRRPv2 behind IPsec AH (protocol 51, IPv4): vipd
   * then sends through the frame socket, whole datagrams, and this socket only receives.
   */
  /** `groups`: the multicast groups to join when `multicast` (the VRRP group, 224.0.0.18 / ff02::12, by default). */
  openVrrpSocket(opts: {
    family: Family;
    ifname: string;
    ifindex: number;
    multicast: boolean;
    groups?: readonly string[];
    ah?: boolean;
  }): VrrpPort;
  openFrameSocket(ifindex: number): FramePort;
}

/**
 * A notify FIFO (keepalived's `notify_fifo`): created if missing, its reader script started, and lines written
 * without ever blocking the daemon (a reader that is slow or gone costs lines, counted, not adverts).
 */
export interface NotifyFifoPort {
  write(line: string): void;
  /** Writes what is queued (bounded in time), closes the FIFO and stops the reader script. */
  close(): Promise<void>;
}

/** Everything the daemon needs from the outside world; tests pass fakes. */
/** The kernel's IPVS (the IPVS netlink edge; a fake in daemon tests). */
export interface IpvsPort {
  /** The whole table: services with their destinations and counters. */
  list(): Promise<IpvsService[]>;
  apply(op: IpvsOp): Promise<void>;
  /** Removes every service (ipvsadm -C). */
  flush(): Promise<void>;
  getTimeouts(): Promise<IpvsTimeouts>;
  /** 0 leaves a timeout as it is. */
  setTimeouts(t: IpvsTimeouts): Promise<void>;
  listSyncDaemons(): Promise<SyncDaemonSpec[]>;
  startSyncDaemon(d: SyncDaemonSpec): Promise<void>;
  stopSyncDaemon(state: SyncDaemonSpec['state']): Promise<void>;
  close(): void;
}

/** How the process is scheduled (keepalived's vrrp_* process settings); each call says what failed by throwing. */
export interface ProcessSchedulingPort {
  /** setpriority of the VRRP (main) thread. */
  setNiceness(niceness: number): void;
  /** SCHED_RR at `priority` for the main thread, RLIMIT_RTTIME soft rttimeUs/2, hard rttimeUs; 0: SCHED_OTHER. */
  setRealtime(priority: number, rttimeUs: number): void;
  /** vrrp_no_swap: the process's code and stack locked in memory as touched (true), or unlocked (false). */
  lockMemory(lock: boolean): void;
  /** Every thread of the process on these CPUs. */
  setCpuAffinity(cpus: number[]): void;
  /** RLIMIT_NOFILE to at least `required` (soft and hard); never lowered. */
  raiseFileLimit(required: number): void;
  /** The kernel's SIGXCPU (realtime CPU beyond the soft limit): unsubscribe with the returned function. */
  onRealtimeOverrun(listener: () => void): () => void;
  /** Each wake-up of the timers that runs after its deadline: how late, in ms. */
  onTimerLate(listener: (lateMs: number) => void): () => void;
}

export interface DaemonEdges extends SocketEdges {
  clock: Clock;
  addresses: AddressPort;
  /** The kernel's IPVS, opened on first use (only a configuration with virtual servers uses it). */
  ipvs?: IpvsPort | undefined;
  /** Routes and rules (virtual_routes, static_rules...). */
  routing?: RoutingPort | undefined;
  /** VMAC interfaces (use_vmac) and the kernel parameters they need. */
  vmacs?: VmacPort | undefined;
  sysctl?: SysctlPort | undefined;
  /** no_accept's drop rules. */
  firewall?: FirewallPort | undefined;
  /** nftables_ipvs's marking rules. */
  groupMarks?: GroupMarkPort | undefined;
  /** vrrp_priority, vrrp_rt_priority, max_auto_priority...: asked for only by a configuration that has some. */
  scheduling?: ProcessSchedulingPort | undefined;
  /** Hears of routes and rules deleted in the kernel; asked for only by a configuration that has some. */
  watchRoutingDeletions?(listener: (d: RoutingDeletion) => void): () => void;
  links: LinkWatcher;
  createTimer(onFire: () => void): TimerPort;
  /**
   * Runs fn as one batch, as the timers due together run: one time for all, and the sends it makes leave together
   * at its end. Without it fn just runs.
   */
  batch?(fn: () => void): void;
  runScript(argv: string[], opts: { timeoutMs: number; log: ScriptLog; uid?: number; gid?: number }): Promise<void>;
  trackers: TrackerEdges;
  /** Whether the interface forwards IPv6 (keepalived then sets the NA Router flag). */
  ipv6Forwarding(ifname: string): boolean;
  /** Waits before another look for an advert source at start-up (tests pass a fake). */
  sleep?(ms: number): Promise<void>;
  /** Seconds since the system booted (vrrp_delay_after_boot). */
  uptimeSeconds?(): number;
  openNotifyFifo(opts: {
    path: string;
    owner?: { uid: number; gid: number } | undefined;
    script?: string[] | undefined;
    log: ScriptLog;
  }): NotifyFifoPort;
}
