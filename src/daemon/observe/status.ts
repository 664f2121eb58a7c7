/**
 * What `vipd status --json` answers: per instance its state, priorities, identity, master, last transition,
 * trackers and counters (every receive drop by its reason), and the drops no instance can be blamed for (bad IP
 * header, unknown VRID...) per interface and family. Field names are snake_case, keepalived's where it has one.
 */
import type { AcceptNote, DropReason } from '../../core/codec/advert.js';
import type { TrackerBinding, TrackerState } from '../../core/tracking/types.js';
import type { VrrpState } from '../../core/vrrp/types.js';
import type { VirtualServerReport } from '../ipvs/load-balancer.js';
import type { InstanceCounters } from '../vrrp/counters.js';
import type { InstanceRunner, Transition } from '../vrrp/instance.js';
import type { Receiver } from '../vrrp/receiver.js';

export interface TransitionStatus {
  from: VrrpState;
  to: VrrpState;
  cause: string;
  trigger: string | null;
  /** Wall-clock time, ISO 8601. */
  time: string;
}

export interface InstanceStatus {
  name: string;
  state: VrrpState;
  /** Configured priority. */
  priority: number;
  /** What trackers made of it (what is advertised). */
  effective_priority: number;
  vrid: number;
  interface: string;
  family: 4 | 6;
  version: 2 | 3;
  /** Source of the last advert accepted from another router; null while master or before any. */
  master_address: string | null;
  /** Fault sources that are on (interface down, no source address, tracker, send errors). */
  faults: string[];
  last_transition: TransitionStatus | null;
  trackers: (TrackerBinding & TrackerState)[];
  counters: {
    adverts_sent: number;
    adverts_received: number;
    transitions: number;
    become_master: number;
    release_master: number;
    priority_zero_sent: number;
    priority_zero_received: number;
    garp_sent: number;
    send_errors: number;
    rx_dropped: Partial<Record<DropReason, number>>;
    /** Adverts accepted with a deviation noted (address list mismatch, interval mismatch, checksum form). */
    accepted_with_note: Partial<Record<AcceptNote, number>>;
    /** How late this instance's timers fired since start (event-loop health): the largest and the mean. */
    timer_late_max_ms: number;
    timer_late_mean_ms: number;
    /** The largest lateness in the last 10 seconds. */
    timer_late_recent_max_ms: number;
  };
}

export interface InterfaceDrops {
  interface: string;
  family: 4 | 6;
  /**
   * Dropped before any instance could be blamed: IP header, checksum, version, length, unknown VRID; and
   * `socket_overflow`, what the kernel dropped at vipd's sockets because their receive buffers were full.
   */
  rx_dropped: Partial<Record<DropReason | typeof SOCKET_OVERFLOW, number>>;
}

export interface StatusReport {
  vipd: { version: string; pid: number; started: string };
  instances: InstanceStatus[];
  interfaces: InterfaceDrops[];
  /** vrrp_sync_group states (absent in reports of vipd before sync groups). */
  sync_groups?: SyncGroupStatus[];
  /** Virtual servers (IPVS) with their real servers, weights, checker states and the kernel's counters. */
  virtual_servers: VirtualServerReport[];
  /** `announce` blocks: announced or not, since when and why (absent in reports of vipd before announces). */
  announces?: AnnounceReport[];
}

export interface AnnounceReport {
  name: string;
  state: 'withdrawn' | 'waiting' | 'announced' | 'draining';
  /** When it entered that state (ISO time). */
  since: string;
  /** Why it is not announced (the first tracker down, an interface holding a prefix), while it is not. */
  why?: string;
  prefixes: string[];
  /** Its trackers (track_bfd sessions, virtual servers' quorum...), each with its state now. */
  trackers: (TrackerBinding & TrackerState)[];
}

export interface SyncGroupStatus {
  name: string;
  state: 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP' | 'INIT';
  members: string[];
}

/** Converts a monotonic time to wall-clock ISO text. */
export type WallTime = (monotonicMs: number) => string;

export function instanceStatus(
  r: InstanceRunner,
  trackers: (TrackerBinding & TrackerState)[],
  last: Transition | undefined,
  wall: WallTime,
  now: number,
): InstanceStatus {
  const s = r.machine.snapshot();
  const c = r.config;
  return {
    name: c.name,
    state: s.state,
    priority: c.priority,
    effective_priority: s.effectivePriority,
    vrid: c.vrid,
    interface: c.interface,
    family: c.family,
    version: c.version,
    master_address: s.masterAddress ?? null,
    faults: s.faults,
    last_transition: last
      ? { from: last.from, to: last.to, cause: last.cause, trigger: last.trigger ?? null, time: wall(last.at) }
      : null,
    trackers,
    counters: {
      adverts_sent: r.counters.advertSent,
      adverts_received: r.counters.advertRcvd,
      transitions: r.counters.transitions,
      become_master: r.counters.becomeMaster,
      release_master: r.counters.releaseMaster,
      priority_zero_sent: r.counters.priZeroSent,
      priority_zero_received: r.counters.priZeroRcvd,
      garp_sent: r.counters.garpSent,
      send_errors: r.counters.sendErrors,
      rx_dropped: drops(r.counters),
      accepted_with_note: Object.fromEntries(r.counters.notes) as Partial<Record<AcceptNote, number>>,
      timer_late_max_ms: r.counters.timerLateness.maxMs,
      timer_late_mean_ms: r.counters.timerLateness.count
        ? r.counters.timerLateness.sumMs / r.counters.timerLateness.count
        : 0,
      timer_late_recent_max_ms: r.counters.timerLateness.recentMaxMs(now),
    },
  };
}

/** The reason under which the kernel's drops at a full socket are reported. */
export const SOCKET_OVERFLOW = 'socket_overflow';

export function interfaceDrops(receiver: Receiver): InterfaceDrops {
  return {
    interface: receiver.ifname,
    family: receiver.family,
    rx_dropped: { ...drops(receiver.routerCounters), [SOCKET_OVERFLOW]: receiver.socketOverflow() },
  };
}

function drops(c: InstanceCounters): Partial<Record<DropReason, number>> {
  return Object.fromEntries(c.drops) as Partial<Record<DropReason, number>>;
}

/** The table people read: one line per instance. */
export function formatStatusTable(report: StatusReport): string {
  const rows = [
    ['INSTANCE', 'STATE', 'PRIO', 'EFF', 'VRID', 'INTERFACE', 'MASTER', 'SINCE', 'RX', 'TX', 'DROPPED'],
    ...report.instances.map((i) => [
      i.name,
      i.state,
      String(i.priority),
      String(i.effective_priority),
      String(i.vrid),
      `${i.interface}/ipv${i.family}`,
      i.state === 'MASTER' ? '(this node)' : (i.master_address ?? '-'),
      i.last_transition?.time ?? '-',
      String(i.counters.adverts_received),
      String(i.counters.adverts_sent),
      String(Object.values(i.counters.rx_dropped).reduce((a, b) => a + (b ?? 0), 0)),
    ]),
  ];
  const widths = rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  const lines = rows.map((r) =>
    r
      .map((cell, col) => cell.padEnd(widths[col] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  for (const i of report.instances) {
    if (i.faults.length > 0) lines.push(`${i.name}: FAULT because ${i.faults.join(', ')}`);
  }
  for (const g of report.sync_groups ?? []) {
    lines.push(`SYNC GROUP ${g.name} ${g.state}: ${g.members.join(' ')}`);
  }
  // The table shows only what was dropped; the JSON keeps socket_overflow at 0 too, for scripts and alerts.
  for (const d of report.interfaces) {
    const counted = Object.fromEntries(Object.entries(d.rx_dropped).filter(([, n]) => (n ?? 0) > 0));
    if (Object.keys(counted).length > 0)
      lines.push(`${d.interface}/ipv${d.family} dropped: ${JSON.stringify(counted)}`);
  }
  for (const vs of report.virtual_servers ?? []) lines.push('', ...formatVirtualServer(vs));
  for (const a of report.announces ?? []) {
    const why = a.why === undefined ? '' : ` because ${a.why}`;
    lines.push(`ANNOUNCE ${a.name} ${a.state.toUpperCase()} since ${a.since}${why}: ${a.prefixes.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One virtual server: its line, then one line per real server (weight wanted / in the table, checkers). */
function formatVirtualServer(vs: VirtualServerReport): string[] {
  const conns = vs.services.reduce((n, s) => n + (s.counters?.connections ?? 0), 0);
  const head =
    `VIRTUAL SERVER ${vs.name} ${vs.protocol} ${vs.scheduler} ${vs.method}` +
    ` quorum ${vs.quorumUp ? 'up' : 'DOWN'}${vs.suspended ? ' (checkers suspended)' : ''}, ${conns} connections`;
  const rows = vs.realServers.map((rs) => {
    const conn = vs.services
      .flatMap((s) => s.dests)
      .filter((d) => d.address === rs.address && d.port === rs.port)
      .reduce((n, d) => n + (d.counters?.activeConnections ?? 0), 0);
    const checks = rs.checkers.map((c) => `${c.type} ${c.up ? 'up' : 'down'} (${c.reason})`).join(', ') || 'no checker';
    const table = rs.tableWeight === undefined ? 'out of the table' : `weight ${rs.tableWeight}`;
    return `  ${rs.alive ? 'UP  ' : 'DOWN'} ${rs.address}:${rs.port}  ${table}, ${conn} active  ${checks}`;
  });
  return [head, ...rows];
}

/** keepalived.stats, block for block (what SIGUSR2 writes): scripts that parse keepalived's keep working. */
export function formatKeepalivedStats(report: StatusReport): string {
  return report.instances
    .map((i) => {
      const d = (r: DropReason) => i.counters.rx_dropped[r] ?? 0;
      return [
        `VRRP Instance: ${i.name}`,
        '  Advertisements:',
        `    Received: ${i.counters.adverts_received}`,
        `    Sent: ${i.counters.adverts_sent}`,
        `  Became master: ${i.counters.become_master}`,
        `  Released master: ${i.counters.release_master}`,
        '  Packet Errors:',
        `    Length: ${d('packet_length')}`,
        `    TTL: ${d('ip_ttl')}`,
        `    Invalid Type: ${d('invalid_type')}`,
        `    Advertisement Interval: ${d('interval') + d('interval_zero')}`,
        `    Address List: ${i.counters.accepted_with_note.address_list ?? 0}`,
        '  Authentication Errors:',
        `    Invalid Type: ${d('auth_unsupported')}`,
        `    Type Mismatch: ${d('auth_type_mismatch')}`,
        `    Failure: ${d('auth_failure')}`,
        '  Priority Zero:',
        `    Received: ${i.counters.priority_zero_received}`,
        `    Sent: ${i.counters.priority_zero_sent}`,
        '',
      ].join('\n');
    })
    .join('');
}
