/**
 * vipd's load balancer as KEEPALIVED-MIB's checker part (keepalived.conf(5) `enable_snmp_checker`): the virtual
 * server groups and their members, the virtual servers, the real servers (each virtual server's sorry server first),
 * the IPVS sync daemon and timeouts, and the notifications of a real server's and a quorum's change. Values and
 * encodings follow what keepalived 2.2.7 answers for the same configuration (its check_snmp.c, checked by walking
 * both under one snmpd): an InetAddress as its raw octets, times in seconds and in microseconds, a timing not written
 * as 0, a command as its words quoted. Pure: a view in, the objects sorted by OID out, rebuilt per request.
 */
import { parseAddress } from '../codec/ip-address.js';
import type {
  CheckerTiming,
  LvsMethod,
  LvsSyncDaemonConfig,
  RealServerConfig,
  VirtualServerConfig,
  VirtualServerGroupConfig,
} from '../config/model.js';
import type { IpvsCounters } from '../ipvs/table.js';
import { SERVICE_FLAGS } from '../ipvs/table.js';
import type { Family } from '../net.js';
import { compareOids, type Oid, oid, TYPE, type VarBind } from './agentx.js';
import { commandText, counter, counter64, gauge, inetType, int, octets, truth } from './values.js';

export const CHECK_SUBTREE = oid('1.3.6.1.4.1.9586.100.5.3');

/** One row of realServerTable: a real server, or its virtual server's sorry server. */
export interface SnmpRealServer {
  /** Undefined for the sorry server. */
  config?: RealServerConfig | undefined;
  sorry?: VirtualServerConfig['sorryServer'];
  alive: boolean;
  /** Its weight now (what keepalived calls the effective weight). */
  weight: number;
  /** Its checkers failing now. */
  failedChecks: number;
  /** The kernel's counters of it, summed over its virtual server's services. */
  counters?: IpvsCounters | undefined;
}

export interface SnmpVirtualServer {
  config: VirtualServerConfig;
  /** Its service is in the kernel's table (not suspended). */
  inTable: boolean;
  quorumUp: boolean;
  /** The kernel's counters, summed over its services (a group has several). */
  counters?: IpvsCounters | undefined;
  /** The sorry server first, then the real servers in the order of the configuration. */
  reals: readonly SnmpRealServer[];
}

export interface CheckView {
  groups: readonly VirtualServerGroupConfig[];
  virtualServers: readonly SnmpVirtualServer[];
  syncDaemon?: LvsSyncDaemonConfig | undefined;
  timeouts?: { tcp?: number | undefined; tcpFin?: number | undefined; udp?: number | undefined } | undefined;
  routerId: string;
}

const PROTOCOL: Readonly<Record<string, number>> = { TCP: 1, UDP: 2, SCTP: 3 };
const SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'];
const METHOD: Readonly<Record<string, number>> = { NAT: 1, DR: 2, TUN: 3 };
const TUNNEL_TYPE: Readonly<Record<string, number>> = { ipip: 1, gue: 2, gre: 3 };
const TUNNEL_CSUM: Readonly<Record<string, number>> = { nocsum: 1, csum: 2, remcsum: 3 };
/** keepalived's per-server default of smtp_alert: off for a virtual server and a sorry server, on for a real server. */
const SMTP_ALERT = { virtual: false, real: true, sorry: false } as const;

const bytes = (address: string): Uint8Array => parseAddress(address);
const familyOf = (address: string): Family => (address.includes(':') ? 6 : 4);
const seconds = (ms: number | undefined) => Math.floor((ms ?? 0) / 1000);
const micros = (ms: number | undefined) => Math.round((ms ?? 0) * 1000);

function vsType(c: VirtualServerConfig): number {
  return c.target.kind === 'fwmark' ? 1 : c.target.kind === 'address' ? 2 : 3;
}

function groupTables(view: CheckView): VarBind[] {
  const out: VarBind[] = [];
  view.groups.forEach((g, gi) => {
    const row = (table: number, column: number, ...index: number[]) => [...CHECK_SUBTREE, table, 1, column, ...index];
    out.push(octets(row(1, 2, gi + 1), g.name));
    // keepalived lists a group's fwmarks first, then its address ranges.
    const members = [...g.entries.filter((e) => e.kind === 'fwmark'), ...g.entries.filter((e) => e.kind === 'range')];
    members.forEach((e, mi) => {
      const at = (column: number) => row(2, column, gi + 1, mi + 1);
      if (e.kind === 'fwmark') {
        out.push(int(at(2), 1), gauge(at(3), e.fwmark));
        return;
      }
      const range = e.first !== e.last;
      out.push(int(at(2), range ? 3 : 2), int(at(4), inetType(familyOf(e.first))));
      if (range) out.push(octets(at(6), bytes(e.first)), octets(at(7), bytes(e.last)));
      else out.push(octets(at(5), bytes(e.first)));
      out.push(gauge(at(8), e.port));
    });
  });
  return out;
}

/** The counters of a service or a real server: 32-bit, 64-bit, and the rates split as keepalived splits them. */
function stats(
  at: (column: number) => Oid,
  c: IpvsCounters | undefined,
  columns: { conns: number; packets: number; rates: number; wide: number },
): VarBind[] {
  const n = (v: number | undefined) => v ?? 0;
  const r = c?.rates;
  const out: VarBind[] = [
    gauge(at(columns.conns), n(c?.connections)),
    counter(at(columns.packets), n(c?.packetsIn)),
    counter(at(columns.packets + 1), n(c?.packetsOut)),
    counter64(at(columns.packets + 2), n(c?.bytesIn)),
    counter64(at(columns.packets + 3), n(c?.bytesOut)),
  ];
  const rates = [r?.connections, r?.packetsIn, r?.packetsOut, r?.bytesIn, r?.bytesOut].map(n);
  rates.forEach((v, i) => {
    out.push(gauge(at(columns.rates + i), v));
  });
  out.push(
    counter64(at(columns.wide), n(c?.connections)),
    counter64(at(columns.wide + 1), n(c?.packetsIn)),
    counter64(at(columns.wide + 2), n(c?.packetsOut)),
  );
  // Each rate as a low and a high 32-bit half. keepalived 2.2.7's low halves read the wrong variable; below 2^32 a
  // second, which every rate is, the high halves are 0 and so are the low ones it answers.
  rates.forEach((v, i) => {
    out.push(
      gauge(at(columns.wide + 3 + 2 * i), v % 2 ** 32),
      gauge(at(columns.wide + 4 + 2 * i), Math.floor(v / 2 ** 32)),
    );
  });
  return out;
}

/** The columns a virtual and a real server share: timing, smtp alert and tunnel (in each table's own places). */
function timing(at: (column: number) => Oid, t: CheckerTiming, columns: Readonly<Record<string, number>>): VarBind[] {
  const out: VarBind[] = [];
  const put = (name: string, make: (o: Oid) => VarBind) => {
    const column = columns[name];
    if (column !== undefined) out.push(make(at(column)));
  };
  put('retry', (o) => gauge(o, t.retry ?? 0));
  put('delayBeforeRetry', (o) => gauge(o, seconds(t.delayBeforeRetryMs)));
  put('warmup', (o) => gauge(o, seconds(t.warmupMs)));
  put('delayLoop', (o) => gauge(o, seconds(t.delayLoopMs)));
  put('delayBeforeRetryUsec', (o) => gauge(o, micros(t.delayBeforeRetryMs)));
  put('warmupUsec', (o) => gauge(o, micros(t.warmupMs)));
  put('delayLoopUsec', (o) => gauge(o, micros(t.delayLoopMs)));
  put('connTimeoutUsec', (o) => gauge(o, micros(t.connectTimeoutMs)));
  return out;
}

function tunnel(at: (column: number) => Oid, m: LvsMethod, first: number): VarBind[] {
  if (m.method !== 'TUN') return [];
  const type = m.tunnel?.type ?? 'ipip';
  const out = [int(at(first), TUNNEL_TYPE[type] ?? 0)];
  if (type === 'gue') out.push(gauge(at(first + 1), m.tunnel?.port ?? 0));
  if (type !== 'ipip') out.push(int(at(first + 2), TUNNEL_CSUM[m.tunnel?.csum ?? 'nocsum'] ?? 0));
  return out;
}

function virtualServerTable(view: CheckView): VarBind[] {
  const out: VarBind[] = [];
  view.virtualServers.forEach((v, i) => {
    const c = v.config;
    const at = (column: number) => [...CHECK_SUBTREE, 3, 1, column, i + 1];
    const t = c.target;
    out.push(int(at(2), vsType(c)));
    if (t.kind === 'group') out.push(octets(at(3), t.group));
    if (t.kind === 'fwmark') out.push(gauge(at(4), t.fwmark));
    out.push(int(at(5), inetType(c.family)));
    if (t.kind === 'address') out.push(octets(at(6), bytes(t.address)), gauge(at(7), t.port));
    if (t.kind !== 'fwmark') out.push(int(at(8), PROTOCOL[c.protocol] ?? 4));
    const sched = SCHEDULERS.indexOf(c.scheduler);
    out.push(int(at(9), sched < 0 ? 99 : sched + 1), int(at(10), METHOD[c.method.method] ?? 0));
    out.push(truth(at(11), v.inTable));
    if (c.virtualhost !== undefined) out.push(octets(at(12), c.virtualhost));
    out.push(truth(at(13), c.persistenceTimeoutS > 0));
    if (c.persistenceTimeoutS > 0) out.push(gauge(at(14), c.persistenceTimeoutS));
    // The granularity as keepalived holds it (all ones unless written), as an IPv4 netmask's four octets and as an
    // IPv6 prefix length: both for a fwmark or a group, which have no address of their own.
    const granularity = (c.persistenceGranularity ?? 0xffffffff) >>> 0;
    const addressFamily = t.kind === 'address' ? c.family : undefined;
    if (addressFamily !== 6) {
      const mask = Buffer.alloc(4);
      mask.writeUInt32BE(granularity);
      out.push(octets(at(15), mask));
    }
    if (addressFamily !== 4) out.push(gauge(at(51), granularity));
    out.push(gauge(at(16), seconds(c.timing.delayLoopMs)), truth(at(17), c.haSuspend));
    out.push(truth(at(18), c.alpha), truth(at(19), c.omega));
    const reals = v.reals.filter((r) => r.config);
    out.push(gauge(at(20), reals.length), gauge(at(21), reals.filter((r) => r.alive).length));
    out.push(gauge(at(22), c.quorum), truth(at(23), v.quorumUp));
    if (c.quorumUp) out.push(octets(at(24), commandText(c.quorumUp)));
    if (c.quorumDown) out.push(octets(at(25), commandText(c.quorumDown)));
    out.push(gauge(at(26), c.hysteresis));
    out.push(...stats(at, v.counters, { conns: 27, packets: 28, rates: 32, wide: 38 }));
    out.push(truth(at(37), (c.flags & SERVICE_FLAGS.onePacket) !== 0));
    const flag = (bit: number) => (c.flags & bit) !== 0;
    out.push(truth(at(52), flag(SERVICE_FLAGS.hashed)), truth(at(53), flag(SERVICE_FLAGS.sched1)));
    out.push(truth(at(54), flag(SERVICE_FLAGS.sched2)), truth(at(55), flag(SERVICE_FLAGS.sched3)));
    out.push(truth(at(56), !c.inhibitOnFailure));
    out.push(...timing(at, c.timing, { retry: 57, delayBeforeRetry: 58, warmup: 59 }));
    out.push(int(at(60), c.weight), truth(at(61), SMTP_ALERT.virtual));
    out.push(truth(at(62), flag(SERVICE_FLAGS.sched1)), truth(at(63), flag(SERVICE_FLAGS.sched2)));
    out.push(
      ...timing(at, c.timing, { delayLoopUsec: 64, delayBeforeRetryUsec: 65, warmupUsec: 66, connTimeoutUsec: 67 }),
    );
    out.push(...tunnel(at, c.method, 68));
    if (c.snmpName !== undefined) out.push(octets(at(71), c.snmpName));
  });
  return out;
}

function realServerTable(view: CheckView): VarBind[] {
  const out: VarBind[] = [];
  view.virtualServers.forEach((v, vi) => {
    v.reals.forEach((r, ri) => {
      const at = (column: number) => [...CHECK_SUBTREE, 4, 1, column, vi + 1, ri + 1];
      const c = r.config;
      const address = c?.address ?? r.sorry?.address ?? '0.0.0.0';
      const method = c?.method ?? (r.sorry ? { method: r.sorry.method.method } : v.config.method);
      out.push(truth(at(2), c !== undefined), int(at(3), inetType(familyOf(address))), octets(at(4), bytes(address)));
      out.push(gauge(at(5), c?.port ?? r.sorry?.port ?? 0));
      if (c) {
        out.push(truth(at(6), r.alive), int(at(7), r.weight));
        if (c.upperThreshold) out.push(gauge(at(8), c.upperThreshold));
        if (c.lowerThreshold) out.push(gauge(at(9), c.lowerThreshold));
        out.push(truth(at(10), !c.inhibitOnFailure));
        if (c.notifyUp) out.push(octets(at(11), commandText(c.notifyUp)));
        if (c.notifyDown) out.push(octets(at(12), commandText(c.notifyDown)));
        out.push(gauge(at(13), r.failedChecks));
      }
      out.push(...stats(at, r.counters, { conns: 14, packets: 18, rates: 22, wide: 27 }));
      const active = r.counters;
      out.push(gauge(at(15), active?.activeConnections ?? 0), gauge(at(16), active?.inactiveConnections ?? 0));
      out.push(gauge(at(17), active?.persistentConnections ?? 0));
      out.push(int(at(40), METHOD[method.method] ?? 0));
      if (c?.virtualhost !== undefined) out.push(octets(at(41), c.virtualhost));
      out.push(truth(at(42), c?.alpha ?? false));
      const t: CheckerTiming = c?.timing ?? { delayLoopMs: 0, connectTimeoutMs: 0 };
      out.push(...timing(at, t, { retry: 43, delayBeforeRetry: 44, warmup: 45, delayLoop: 46 }));
      out.push(truth(at(47), c ? SMTP_ALERT.real : SMTP_ALERT.sorry));
      out.push(...timing(at, t, { delayBeforeRetryUsec: 48, warmupUsec: 49, delayLoopUsec: 50, connTimeoutUsec: 51 }));
      out.push(...tunnel(at, method, 52));
      if (c?.snmpName !== undefined) out.push(octets(at(55), c.snmpName));
    });
  });
  return out;
}

function lvsGlobals(view: CheckView): VarBind[] {
  const out: VarBind[] = [];
  const at = (group: number, leaf: number) => [...CHECK_SUBTREE, group, leaf, 0];
  const d = view.syncDaemon;
  out.push(truth(at(6, 1), d !== undefined));
  if (d) {
    out.push(octets(at(6, 2), d.interface));
    if (d.instance !== undefined) out.push(octets(at(6, 3), d.instance));
    out.push(int(at(6, 4), d.syncId), int(at(6, 5), d.maxlen ?? 0), int(at(6, 6), d.port ?? 0));
    out.push(int(at(6, 7), d.ttl ?? 0));
    if (d.group !== undefined) out.push(int(at(6, 8), inetType(familyOf(d.group))), octets(at(6, 9), bytes(d.group)));
  }
  const t = view.timeouts;
  if (t?.tcp) out.push(int(at(7, 1), t.tcp));
  if (t?.tcpFin) out.push(int(at(7, 2), t.tcpFin));
  if (t?.udp) out.push(int(at(7, 3), t.udp));
  return out;
}

/** Every object of the checker part, sorted by OID. */
export function checkMibObjects(view: CheckView): VarBind[] {
  return [...groupTables(view), ...virtualServerTable(view), ...realServerTable(view), ...lvsGlobals(view)].sort(
    (a, b) => compareOids(a.oid, b.oid),
  );
}

const SNMP_TRAP_OID = oid('1.3.6.1.6.3.1.1.4.1.0');
const ROUTER_ID = oid('1.3.6.1.4.1.9586.100.5.1.2.0');

/**
 * keepalived's realServerStateChange (a real server of `vs` changed, `real` its row) or, without `real`,
 * virtualServerQuorumStateChange. As keepalived sends them, the objects carry no row index.
 */
export function checkNotification(view: CheckView, vs: SnmpVirtualServer, real?: SnmpRealServer): VarBind[] {
  const column = (table: number, c: number) => [...CHECK_SUBTREE, table, 1, c];
  const out: VarBind[] = [{ oid: SNMP_TRAP_OID, type: TYPE.oid, value: [...CHECK_SUBTREE, 5, 0, real ? 1 : 2] }];
  const c = vs.config;
  if (real?.config) {
    const r = real.config;
    out.push(int(column(4, 3), inetType(familyOf(r.address))), octets(column(4, 4), bytes(r.address)));
    out.push(gauge(column(4, 5), r.port), int(column(4, 6), real.alive ? 1 : 2));
  }
  const t = c.target;
  out.push(int(column(3, 2), vsType(c)));
  if (t.kind === 'group') out.push(octets(column(3, 3), t.group));
  else if (t.kind === 'fwmark') out.push(gauge(column(3, 4), t.fwmark));
  else {
    out.push(int(column(3, 5), inetType(c.family)), octets(column(3, 6), bytes(t.address)));
    out.push(gauge(column(3, 7), t.port));
  }
  // keepalived's virtualServerProtocol here is a TruthValue of "TCP".
  out.push(int(column(3, 8), c.protocol === 'TCP' ? 1 : 2));
  if (!real) out.push(int(column(3, 23), vs.quorumUp ? 1 : 2), gauge(column(3, 22), c.quorum));
  const reals = vs.reals.filter((r) => r.config);
  out.push(gauge(column(3, 21), reals.filter((r) => r.alive).length), gauge(column(3, 20), reals.length));
  out.push(octets(ROUTER_ID, view.routerId));
  return out;
}
