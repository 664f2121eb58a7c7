/**
 * keepalived's LVS side: `virtual_server IP PORT | fwmark N | group NAME { ... real_server IP PORT { ... } }`,
 * `virtual_server_group NAME { ... }` and the LVS keywords of global_defs, into the model. Defaults cascade as
 * keepalived's: virtual server → real server → checker (delay_loop, connect_timeout, retry, delay_before_retry,
 * warmup, inhibit_on_failure, alpha, virtualhost, lvs_method).
 */
import * as z from 'zod';
import { CHECKER_DEFAULTS, type ClientTls, defaultDelayBeforeRetryMs } from '../../checks/spec.js';
import { addressFamily, canonicalAddress } from '../../codec/ip-address.js';
import { type ForwardMethod, SERVICE_FLAGS, type TunnelOptions } from '../../ipvs/table.js';
import type { Family } from '../../net.js';
import { once } from '../../once.js';
import { UNSUPPORTED_CHECKER } from '../keywords.js';
import type {
  CheckerTiming,
  LvsGlobals,
  LvsMethod,
  LvsSyncDaemonConfig,
  RealServerChecker,
  RealServerConfig,
  SourceLocation,
  TrackFileConfig,
  VirtualServerConfig,
  VirtualServerGroupConfig,
  VirtualServerGroupEntry,
  VirtualServerTarget,
} from '../model.js';
import { parseWeightSpec } from '../tracking.js';
import {
  buildProbeSpec,
  nbGetRetry as checkerNbGetRetry,
  checkerSchemas,
  PROBE_TYPES,
  type ProbeType,
} from './checkers.js';
import { command, flag, ifName, scriptSeconds, seconds, text, toMs, wholeNumber } from './fields.js';
import { isMap, type PathSegment, parseSection, type Reporter } from './report.js';

export const SCHEDULERS = [
  'rr',
  'wrr',
  'lc',
  'wlc',
  'lblc',
  'lblcr',
  'dh',
  'sh',
  'sed',
  'nq',
  'fo',
  'ovf',
  'mh',
  'twos',
] as const;

/** Scheduler flag keywords → SERVICE_FLAGS bits (keepalived: `-b flag-1` ... in ipvsadm terms). */
const SCHED_FLAG_WORDS = {
  'flag-1': SERVICE_FLAGS.sched1,
  'flag-2': SERVICE_FLAGS.sched2,
  'flag-3': SERVICE_FLAGS.sched3,
  'sh-fallback': SERVICE_FLAGS.sched1,
  'sh-port': SERVICE_FLAGS.sched2,
  'mh-fallback': SERVICE_FLAGS.sched1,
  'mh-port': SERVICE_FLAGS.sched2,
  ops: SERVICE_FLAGS.onePacket,
} as const;

/** `NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]` (also the old spellings `NAT`, `DR`, `TUN`). */
export function parseLvsMethod(value: string): LvsMethod | string {
  const words = value.trim().split(/\s+/);
  const head = (words.shift() ?? '').toUpperCase();
  const methods: Record<string, ForwardMethod> = { NAT: 'NAT', DR: 'DR', TUN: 'TUN', MASQ: 'NAT', GATE: 'DR' };
  const method = methods[head];
  if (!method) return 'must be NAT, DR or TUN';
  if (method !== 'TUN') return words.length === 0 ? { method } : `${head} takes no options`;
  const tunnel: TunnelOptions = { type: 'ipip' };
  while (words.length > 0) {
    const w = (words.shift() as string).toLowerCase();
    if (w === 'type') {
      const t = words.shift()?.toLowerCase();
      if (t !== 'ipip' && t !== 'gue' && t !== 'gre') return 'TUN type must be ipip, gue or gre';
      tunnel.type = t;
    } else if (w === 'port') {
      const p = Number(words.shift());
      if (!Number.isInteger(p) || p < 1 || p > 65535) return 'TUN port must be a port number 1–65535';
      tunnel.port = p;
    } else if (w === 'nocsum' || w === 'csum' || w === 'remcsum') tunnel.csum = w;
    else return `unknown TUN option ${w}`;
  }
  if (tunnel.type === 'gue' && tunnel.port === undefined) return 'TUN type gue needs a port';
  if (tunnel.type !== 'gue' && tunnel.port !== undefined) return 'TUN port applies to type gue only';
  if (tunnel.type === 'gre' && tunnel.csum === 'remcsum') return 'TUN type gre does not take remcsum';
  if (tunnel.type === 'ipip' && tunnel.csum !== undefined) return 'TUN checksum options apply to gue and gre';
  return { method, tunnel };
}

/** `IP [PORT]` as written after real_server and sorry_server. */
function parseHostPort(v: string): { address: string; port: number } | undefined {
  const [host = '', p, ...rest] = v.trim().split(/\s+/);
  if (rest.length > 0 || addressFamily(host) === undefined || host.includes('%')) return undefined;
  const n = p === undefined ? 0 : Number(p);
  if (!Number.isInteger(n) || n < 0 || n > 65535) return undefined;
  return { address: canonicalAddress(host), port: n };
}

/** keepalived keywords of virtual and real servers for what vipd does not do (e-mail): warned, skipped. */
const NOT_USED_IN_SERVERS: ReadonlyMap<string, string> = new Map([['smtp_alert', 'SMTP']]);

const CHECKER_KEYS = [...PROBE_TYPES, 'FILE_CHECK', 'BFD_CHECK'] as const;

/**
 * The schemas of virtual and real servers, built on first use: a configuration without virtual_server does not
 * pay for them at start-up (zod builds each schema's parser when it is made).
 */
const serverSchemas = once(() => {
  const lvsMethod = z
    .string({ error: 'must be NAT, DR or TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]' })
    .transform((v, ctx) => {
      const m = parseLvsMethod(v);
      if (typeof m === 'string') {
        ctx.addIssue({ code: 'custom', message: `{kw}: ${m}` });
        return z.NEVER;
      }
      return m;
    });

  const hostPort = z.union([z.string(), z.number()], { error: 'must be IP [PORT]' }).transform((v, ctx) => {
    const hp = parseHostPort(String(v));
    if (!hp) {
      ctx.addIssue({ code: 'custom', message: 'must be an IP address, optionally followed by a port' });
      return z.NEVER;
    }
    return hp;
  });

  /** `persistence_timeout` alone means 360 s (keepalived). */
  const persistenceTimeout = z
    .union([z.null(), z.literal(true), wholeNumber(1, 2147483647)], {
      error: 'must be a whole number of seconds from 1',
    })
    .transform((v) => (typeof v === 'number' ? v : 360));

  const timingFields = {
    delay_loop: scriptSeconds,
    connect_timeout: scriptSeconds,
    retry: wholeNumber(0, 100),
    nb_get_retry: wholeNumber(0, 100),
    delay_before_retry: seconds(0, 4294),
    warmup: seconds(0, 4294),
  };

  const virtualServer = z
    .object({
      ...timingFields,
      lb_algo: z.enum(SCHEDULERS, { error: `must be one of ${SCHEDULERS.join(' ')}` }),
      lvs_sched: z.enum(SCHEDULERS, { error: `must be one of ${SCHEDULERS.join(' ')}` }),
      lb_kind: lvsMethod,
      lvs_method: lvsMethod,
      ...Object.fromEntries(Object.keys(SCHED_FLAG_WORDS).map((k) => [k, flag])),
      hashed: flag,
      persistence_timeout: persistenceTimeout,
      persistence_granularity: z.union([z.string(), z.number()], { error: 'must be a netmask or prefix length' }),
      persistence_engine: z.enum(['sip'], { error: 'must be sip' }),
      protocol: z.enum(['TCP', 'UDP', 'SCTP', 'tcp', 'udp', 'sctp'], { error: 'must be TCP, UDP or SCTP' }),
      ip_family: z.enum(['inet', 'inet6'], { error: 'must be inet or inet6' }),
      ha_suspend: flag,
      virtualhost: text,
      alpha: flag,
      omega: flag,
      quorum: wholeNumber(1, 2147483647),
      hysteresis: wholeNumber(0, 2147483647),
      quorum_up: command,
      quorum_down: command,
      sorry_server: hostPort,
      sorry_server_inhibit: flag,
      sorry_server_lvs_method: lvsMethod,
      inhibit_on_failure: flag,
      weight: wholeNumber(1, 2147483647),
      snmp_name: text,
      real_server: z.unknown(),
    })
    .partial();

  const realServer = z
    .object({
      ...timingFields,
      weight: wholeNumber(0, 2147483647),
      snmp_name: text,
      lvs_method: lvsMethod,
      lb_kind: lvsMethod,
      notify_up: command,
      notify_down: command,
      uthreshold: wholeNumber(0, 2147483647),
      lthreshold: wholeNumber(0, 2147483647),
      inhibit_on_failure: flag,
      alpha: flag,
      virtualhost: text,
      ...Object.fromEntries(CHECKER_KEYS.map((k) => [k, z.unknown()])),
    })
    .partial();

  /** Checker-level keywords every probe takes besides its own (the cascade's end). */
  const checkerCommonFields = { ...timingFields, alpha: flag, log_all_failures: flag };

  /** The checkers' schemas with the keywords every real-server checker takes. */
  const realServerProbes: ReadonlyMap<ProbeType, z.ZodObject> = new Map(
    PROBE_TYPES.map((t) => [t, checkerSchemas().probes[t].extend(checkerCommonFields).partial()]),
  );

  const fileCheck = z
    .object({
      track_file: text,
      dynamic: flag,
      weight: z.union([z.number(), z.string()], { error: 'must be a weight like 1 or "-2 reverse"' }),
    })
    .partial();
  const bfdCheck = z.object({ name: text, alpha: flag }).partial();
  return { timingFields, virtualServer, realServer, realServerProbes, fileCheck, bfdCheck };
});

/** Keywords only the LVS side has: refused as unknown in a vrrp_check's checker, known here. */
const CHECKER_UNSUPPORTED_HERE = new Set([...UNSUPPORTED_CHECKER].filter((k) => k !== 'alpha'));

interface Inherited {
  delayLoopMs: number;
  connectTimeoutMs?: number | undefined;
  retry?: number | undefined;
  delayBeforeRetryMs?: number | undefined;
  warmupMs?: number | undefined;
  virtualhost?: string | undefined;
  alpha: boolean;
  /** global_defs checker_log_all_failures, else false: a checker's log_all_failures overrides it. */
  logAllFailures?: boolean | undefined;
  /** The top-level SSL { } block (SSL_GET). */
  tls?: ClientTls | undefined;
}

/** The timing a server reports (keepalived: connect_timeout is 5 s unless written). */
function timingOf(i: Inherited): CheckerTiming {
  return {
    delayLoopMs: i.delayLoopMs,
    connectTimeoutMs: i.connectTimeoutMs ?? CHECKER_DEFAULTS.connectTimeoutMs,
    retry: i.retry,
    delayBeforeRetryMs: i.delayBeforeRetryMs,
    warmupMs: i.warmupMs,
  };
}

type TimingData = Partial<Record<keyof ReturnType<typeof serverSchemas>['timingFields'], number>>;

/** nb_get_retry where keepalived reads it (HTTP_GET, SSL_GET: kept as retry), else dropped (checkers.ts). */
function nbGetRetry<D extends TimingData>(d: D, owner: string, at: readonly PathSegment[], report: Reporter): D {
  if (d.nb_get_retry === undefined || checkerNbGetRetry(owner, [...at, 'nb_get_retry'], report)) return d;
  const { nb_get_retry: _ignored, ...rest } = d;
  return rest as D;
}

function cascade(
  parent: Inherited,
  d: TimingData,
  extra: { virtualhost?: string | undefined; alpha?: boolean | undefined },
): Inherited {
  return {
    delayLoopMs: d.delay_loop !== undefined ? toMs(d.delay_loop) : parent.delayLoopMs,
    connectTimeoutMs: d.connect_timeout !== undefined ? toMs(d.connect_timeout) : parent.connectTimeoutMs,
    retry: d.retry ?? d.nb_get_retry ?? parent.retry,
    delayBeforeRetryMs: d.delay_before_retry !== undefined ? toMs(d.delay_before_retry) : parent.delayBeforeRetryMs,
    warmupMs: d.warmup !== undefined ? toMs(d.warmup) : parent.warmupMs,
    virtualhost: extra.virtualhost ?? parent.virtualhost,
    alpha: extra.alpha ?? parent.alpha,
    logAllFailures: parent.logAllFailures,
    tls: parent.tls,
  };
}

/**
 * A `virtual_server` key may end in its protocol (`10.0.0.1 53 UDP`): how twins of one address and port are told
 * apart (the keepalived.conf reader names the second of two so).
 */
export function splitKeyProtocol(key: string): { target: string; protocol?: string | undefined } {
  const words = key.trim().split(/\s+/);
  const last = words.at(-1) ?? '';
  const named = words[0] === 'group' || words[0] === 'fwmark';
  if (words.length >= (named ? 3 : 2) && /^(tcp|udp|sctp)$/i.test(last)) {
    return { target: words.slice(0, -1).join(' '), protocol: last.toUpperCase() };
  }
  return { target: key };
}

/** `virtual_server` key: `IP [PORT]`, `fwmark N` or `group NAME`. */
export function parseTarget(key: string): VirtualServerTarget | undefined {
  const words = key.trim().split(/\s+/);
  if (words[0] === 'fwmark' && words.length === 2) {
    const n = Number(words[1]);
    return Number.isInteger(n) && n >= 1 && n <= 0xffffffff ? { kind: 'fwmark', fwmark: n } : undefined;
  }
  if (words[0] === 'group' && words.length === 2) return { kind: 'group', group: words[1] as string };
  const hp = parseHostPort(key);
  return hp ? { kind: 'address', ...hp } : undefined;
}

export interface LvsContext {
  /** global_defs checker_log_all_failures: every checker's log_all_failures default. */
  checkerLogAllFailures?: boolean | undefined;
  /** The top-level SSL { } block, for SSL_GET. */
  clientTls?: ClientTls | undefined;
  groups: ReadonlyMap<string, VirtualServerGroupConfig>;
  trackFiles: ReadonlyMap<string, TrackFileConfig>;
  /** track_file names written (also those whose block had errors). */
  trackFileNames: ReadonlySet<string>;
}

export function buildVirtualServer(
  key: string,
  body: Record<string, unknown>,
  ctx: LvsContext,
  report: Reporter,
): VirtualServerConfig | undefined {
  const base = ['virtual_server', key];
  const where = `virtual_server ${key}`;
  const before = report.realErrors;
  const split = splitKeyProtocol(key);
  const target = parseTarget(split.target);
  if (!target) {
    report.error(
      base,
      'key',
      `${where}: write virtual_server IP [PORT], virtual_server fwmark N or virtual_server group NAME`,
    );
    return undefined;
  }
  if (target.kind === 'group' && !ctx.groups.has(target.group)) {
    report.error(base, 'key', `${where}: no virtual_server_group ${target.group} is defined`);
  }
  const { data: v } = parseSection(
    body,
    base,
    { schema: serverSchemas().virtualServer, where, unsupported: new Set(), notUsed: NOT_USED_IN_SERVERS },
    report,
  );
  const vs = v as z.output<ReturnType<typeof serverSchemas>['virtualServer']> &
    Partial<Record<keyof typeof SCHED_FLAG_WORDS, boolean>>;
  const method: LvsMethod = vs.lvs_method ?? vs.lb_kind ?? { method: 'NAT' };
  if (vs.lvs_method === undefined && vs.lb_kind === undefined) {
    report.warn(base, 'key', `${where} has no lb_kind: NAT is used, as keepalived 2.2.7 does (write lb_kind NAT)`);
  }
  let flags = 0;
  for (const [word, bit] of Object.entries(SCHED_FLAG_WORDS)) {
    if (vs[word as keyof typeof SCHED_FLAG_WORDS]) flags |= bit;
  }
  // keepalived 2.2.7: a port-less service without persistence is made persistent (360 s), with a complaint.
  let persistenceTimeoutS = vs.persistence_timeout ?? 0;
  if (target.kind === 'address' && target.port === 0 && persistenceTimeoutS === 0) {
    report.warn(
      base,
      'key',
      `${where}: a virtual server without a port must be persistent: persistence_timeout 360 is used`,
    );
    persistenceTimeoutS = 360;
  }
  if (persistenceTimeoutS > 0) flags |= SERVICE_FLAGS.persistent;
  // keepalived 2.2.7: no protocol means UDP (the kernel's default for protocol 0), with a complaint.
  const hasAddresses =
    target.kind === 'address' ||
    (target.kind === 'group' && ctx.groups.get(target.group)?.entries.some((e) => e.kind === 'range'));
  if (split.protocol && vs.protocol && vs.protocol.toUpperCase() !== split.protocol) {
    report.error(
      [...base, 'protocol'],
      'value',
      `${where} is named ${split.protocol} but says protocol ${vs.protocol}`,
    );
  }
  if (vs.protocol === undefined && split.protocol === undefined && hasAddresses) {
    report.warn(base, 'key', `${where} has no protocol: UDP is used, as keepalived does (write protocol TCP for TCP)`);
  }
  const inherited = cascade(
    {
      delayLoopMs: CHECKER_DEFAULTS.delayLoopMs,
      alpha: false,
      logAllFailures: ctx.checkerLogAllFailures,
      tls: ctx.clientTls,
    },
    nbGetRetry(vs, 'virtual_server', base, report),
    {
      virtualhost: vs.virtualhost,
      alpha: vs.alpha,
    },
  );
  const inhibit = vs.inhibit_on_failure ?? false;
  const realServers: RealServerConfig[] = [];
  const rsNode = body.real_server;
  if (rsNode !== undefined && !isMap(rsNode)) {
    report.error(
      [...base, 'real_server'],
      'value',
      `real_server of ${where} must be a map of "IP PORT" to its settings`,
    );
  } else if (rsNode) {
    for (const [rsKey, rsBody] of Object.entries(rsNode)) {
      const rs = buildRealServer(
        rsKey,
        rsBody,
        [...base, 'real_server', rsKey],
        where,
        target,
        { method, inhibit, weight: vs.weight ?? 1 },
        inherited,
        ctx,
        report,
      );
      if (rs) realServers.push(rs);
    }
  }
  const seen = new Map<string, number>();
  realServers.forEach((rs, i) => {
    const id = `${rs.address} ${rs.port}`;
    if (seen.has(id))
      report.error([...base, 'real_server', id], 'key', `real_server ${id} is listed twice in ${where}`);
    seen.set(id, i);
  });
  const family = serviceFamily(target, vs.ip_family, realServers, ctx);
  const granularity = parseGranularity(vs.persistence_granularity, family);
  if (typeof granularity === 'string') report.error([...base, 'persistence_granularity'], 'value', granularity);
  for (const rs of realServers) {
    if (rs.method.method !== 'TUN' && addressFamily(rs.address) !== family) {
      report.error(
        [...base, 'real_server', `${rs.address} ${rs.port}`],
        'key',
        `real_server ${rs.address} is not of the family of ${where} (only TUN real servers may differ)`,
      );
    }
  }
  if (report.realErrors > before) return undefined;
  return {
    name: key,
    target,
    family,
    protocol: (vs.protocol?.toUpperCase() ?? split.protocol ?? 'UDP') as VirtualServerConfig['protocol'],
    scheduler: vs.lvs_sched ?? vs.lb_algo ?? 'wlc',
    flags,
    method,
    persistenceTimeoutS,
    persistenceGranularity: typeof granularity === 'number' ? granularity : undefined,
    persistenceEngine: vs.persistence_engine,
    haSuspend: vs.ha_suspend ?? false,
    virtualhost: vs.virtualhost,
    alpha: vs.alpha ?? false,
    omega: vs.omega ?? false,
    quorum: vs.quorum ?? 1,
    hysteresis: vs.hysteresis ?? 0,
    quorumUp: vs.quorum_up,
    quorumDown: vs.quorum_down,
    sorryServer: vs.sorry_server
      ? {
          ...vs.sorry_server,
          port: vs.sorry_server.port,
          method: vs.sorry_server_lvs_method ?? method,
          inhibit: vs.sorry_server_inhibit ?? false,
        }
      : undefined,
    timing: timingOf(inherited),
    inhibitOnFailure: inhibit,
    weight: vs.weight ?? 1,
    snmpName: vs.snmp_name,
    realServers,
    source: report.at(base, 'key'),
  };
}

/** The address family of the service: its address's, else (fwmark) ip_family, else its real servers'. */
function serviceFamily(
  target: VirtualServerTarget,
  ipFamily: 'inet' | 'inet6' | undefined,
  realServers: readonly RealServerConfig[],
  ctx: LvsContext,
): Family {
  if (target.kind === 'address') return addressFamily(target.address) as Family;
  if (ipFamily) return ipFamily === 'inet6' ? 6 : 4;
  if (target.kind === 'group') {
    const first = ctx.groups.get(target.group)?.entries.find((e) => e.kind === 'range');
    if (first?.kind === 'range') return addressFamily(first.first) as Family;
  }
  const first = realServers[0];
  return first ? (addressFamily(first.address) as Family) : 4;
}

/** IPv4: a netmask (255.255.255.0) or prefix length; IPv6: a prefix length. */
function parseGranularity(v: string | number | undefined, family: Family): number | string | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    const max = family === 6 ? 128 : 32;
    if (n < 1 || n > max) return `persistence_granularity must be a prefix length from 1 to ${max}, got ${s}`;
    return family === 6 ? n : n === 32 ? 0xffffffff : (0xffffffff << (32 - n)) >>> 0;
  }
  if (family === 6) return `persistence_granularity of an IPv6 service must be a prefix length, got ${s}`;
  const parts = s.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    return `persistence_granularity must be a netmask like 255.255.255.0, got ${s}`;
  }
  const mask = parts.reduce((a, p) => ((a << 8) | p) >>> 0, 0);
  if (((~mask >>> 0) & ((~mask >>> 0) + 1)) !== 0) return `persistence_granularity ${s} is not a contiguous netmask`;
  return mask;
}

function buildRealServer(
  key: string,
  body: unknown,
  at: PathSegment[],
  vsWhere: string,
  target: VirtualServerTarget,
  vsDefaults: { method: LvsMethod; inhibit: boolean; weight: number },
  parent: Inherited,
  ctx: LvsContext,
  report: Reporter,
): RealServerConfig | undefined {
  const where = `real_server ${key} of ${vsWhere}`;
  const hp = parseHostPort(key);
  if (!hp) {
    report.error(at, 'key', `${where}: write real_server IP [PORT]`);
    return undefined;
  }
  if (body !== null && !isMap(body)) {
    report.error(at, 'value', `${where} must be a map of keywords`);
    return undefined;
  }
  const node = body ?? {};
  const port = hp.port !== 0 ? hp.port : target.kind === 'address' ? target.port : 0;
  const { data: r } = parseSection(
    node,
    at,
    {
      schema: serverSchemas().realServer,
      where,
      unsupported: new Set(),
      notUsed: NOT_USED_IN_SERVERS,
      alike: true,
    },
    report,
  );
  const inherited = cascade(parent, nbGetRetry(r, 'real_server', at, report), {
    virtualhost: r.virtualhost,
    alpha: r.alpha,
  });
  const endpoint = { address: hp.address, port };
  const checkers: RealServerChecker[] = [];
  for (const type of CHECKER_KEYS) {
    if (!Object.hasOwn(node, type)) continue;
    const entries = Array.isArray(node[type]) ? (node[type] as unknown[]) : [node[type]];
    entries.forEach((entry, i) => {
      const here = Array.isArray(node[type]) ? [...at, type, i] : [...at, type];
      const c =
        type === 'FILE_CHECK'
          ? buildFileCheck(entry, here, where, ctx, report)
          : type === 'BFD_CHECK'
            ? buildBfdCheck(entry, here, where, inherited.alpha ?? false, report)
            : buildRealServerProbe(type, entry, here, where, endpoint, inherited, report);
      checkers.push(...c);
    });
  }
  // keepalived 2.2.7: a fwmark service's real server has no port ("has port specified - clearing"); its checkers
  // still connect to the port written.
  let tablePort = port;
  if (target.kind === 'fwmark' && port !== 0) {
    report.lenient(
      at,
      'key',
      `real_server ${key} of ${vsWhere}: a fwmark service's real servers take no port: keepalived 2.2.7 clears it ` +
        '(its checkers still use it), and so does vipd',
    );
    tablePort = 0;
  }
  return {
    address: hp.address,
    port: tablePort,
    weight: r.weight ?? vsDefaults.weight,
    method: r.lvs_method ?? r.lb_kind ?? vsDefaults.method,
    notifyUp: r.notify_up,
    notifyDown: r.notify_down,
    upperThreshold: r.uthreshold ?? 0,
    lowerThreshold: r.lthreshold ?? 0,
    inhibitOnFailure: r.inhibit_on_failure ?? vsDefaults.inhibit,
    alpha: inherited.alpha,
    checkers,
    timing: timingOf(inherited),
    virtualhost: r.virtualhost,
    snmpName: r.snmp_name,
    source: report.at(at, 'key'),
  };
}

function buildRealServerProbe(
  type: ProbeType,
  entry: unknown,
  at: PathSegment[],
  rsWhere: string,
  endpoint: { address: string; port: number },
  parent: Inherited,
  report: Reporter,
): RealServerChecker[] {
  const where = `${type} of ${rsWhere}`;
  if (entry !== null && entry !== undefined && !isMap(entry)) {
    report.error(at, 'value', `${where} must be a map of its options`);
    return [];
  }
  const node: Record<string, unknown> = { ...(entry ?? {}) };
  // SMTP_CHECK's legacy `host { connect_ip ... }` blocks: one check per host, each must pass.
  const hosts =
    type === 'SMTP_CHECK' && node.host !== undefined
      ? Array.isArray(node.host)
        ? node.host
        : [node.host]
      : [undefined];
  delete node.host;
  const schema = serverSchemas().realServerProbes.get(type) as z.ZodObject;
  const { data, invalid } = parseSection(
    node,
    at,
    { schema, where, unsupported: CHECKER_UNSUPPORTED_HERE, alike: true },
    report,
  );
  if (invalid.size > 0) return [];
  const d = data as TimingData & { alpha?: boolean; virtualhost?: string; log_all_failures?: boolean };
  const logAllFailures = d.log_all_failures ?? parent.logAllFailures;
  const t = cascade(parent, nbGetRetry(d, type, at, report), { alpha: d.alpha });
  const out: RealServerChecker[] = [];
  hosts.forEach((host, i) => {
    let merged = data as Record<string, unknown>;
    if (host !== undefined) {
      const hostAt = Array.isArray(entry && (entry as Record<string, unknown>).host)
        ? [...at, 'host', i]
        : [...at, 'host'];
      if (!isMap(host)) {
        report.error(hostAt, 'value', `host of ${where} must be a map like { connect_ip: 10.0.0.1 }`);
        return;
      }
      const h = parseSection(
        host,
        hostAt,
        {
          schema: checkerSchemas().probes.SMTP_CHECK,
          where: `host of ${where}`,
          unsupported: CHECKER_UNSUPPORTED_HERE,
        },
        report,
      );
      if (h.invalid.size > 0) return;
      merged = { ...data, ...h.data };
    }
    const delayLoopMs = t.delayLoopMs;
    const spec = buildProbeSpec(
      type,
      merged,
      node,
      {
        connectIp: endpoint.address,
        connectPort: endpoint.port,
        connectTimeoutMs: t.connectTimeoutMs ?? CHECKER_DEFAULTS.connectTimeoutMs,
        virtualhost: t.virtualhost,
        tls: t.tls,
        timing: {
          delayLoopMs,
          retry: t.retry ?? CHECKER_DEFAULTS.retry[type],
          delayBeforeRetryMs: t.delayBeforeRetryMs ?? defaultDelayBeforeRetryMs(type, delayLoopMs),
          warmupMs: t.warmupMs ?? delayLoopMs,
        },
      },
      at,
      rsWhere,
      report,
    );
    if (spec) out.push({ kind: 'probe', spec, alpha: t.alpha, logAllFailures, source: report.at(at, 'key') });
  });
  if (
    out.length > 0 &&
    out.some(
      (c) => c.kind === 'probe' && c.spec.type !== 'MISC_CHECK' && 'connectPort' in c.spec && c.spec.connectPort === 0,
    )
  ) {
    report.error(at, 'key', `${where} has no port to connect to: give connect_port (the real server has none)`);
    return [];
  }
  return out;
}

/** `BFD_CHECK { name NAME [alpha] }`: a session of FRR's bfdd, by its label or peer address. */
function buildBfdCheck(
  entry: unknown,
  at: PathSegment[],
  rsWhere: string,
  alpha: boolean,
  report: Reporter,
): RealServerChecker[] {
  const where = `BFD_CHECK of ${rsWhere}`;
  if (!isMap(entry)) {
    report.error(at, 'value', `${where} must be a map like { name: LABEL_OR_PEER }`);
    return [];
  }
  const { data, invalid } = parseSection(
    entry,
    at,
    { schema: serverSchemas().bfdCheck, where, unsupported: new Set() },
    report,
  );
  if (invalid.size > 0) return [];
  if (data.name === undefined) {
    report.error(at, 'key', `${where} has no name (a session of FRR's bfdd: its label or peer address)`);
    return [];
  }
  const session = addressFamily(data.name) === undefined ? data.name : canonicalAddress(data.name);
  return [{ kind: 'bfd', session, alpha: data.alpha ?? alpha, source: report.at(at, 'key') }];
}

function buildFileCheck(
  entry: unknown,
  at: PathSegment[],
  rsWhere: string,
  ctx: LvsContext,
  report: Reporter,
): RealServerChecker[] {
  const where = `FILE_CHECK of ${rsWhere}`;
  if (!isMap(entry)) {
    report.error(at, 'value', `${where} must be a map like { track_file: NAME }`);
    return [];
  }
  const { data, invalid } = parseSection(
    entry,
    at,
    { schema: serverSchemas().fileCheck, where, unsupported: new Set() },
    report,
  );
  if (invalid.size > 0) return [];
  if (data.track_file === undefined) {
    report.error(at, 'key', `${where} has no track_file`);
    return [];
  }
  if (!ctx.trackFileNames.has(data.track_file)) {
    report.error([...at, 'track_file'], 'value', `${where}: no track_file ${data.track_file} is defined`);
    return [];
  }
  const tf = ctx.trackFiles.get(data.track_file);
  let weight = tf?.weight ?? 1;
  let reverse = tf?.reverse ?? false;
  if (data.weight !== undefined) {
    const w = parseWeightSpec(data.weight, 2147483647);
    if (!w) {
      report.error(
        [...at, 'weight'],
        'value',
        `weight of ${where} must be a whole number, optionally followed by reverse`,
      );
      return [];
    }
    weight = w.weight;
    reverse = w.reverse;
  }
  return [
    {
      kind: 'file',
      trackFile: data.track_file,
      dynamic: data.dynamic ?? false,
      weight,
      reverse,
      source: report.at(at, 'key'),
    },
  ];
}

/** `virtual_server_group NAME { IP|RANGE [PORT] ...; fwmark N [inet|inet6] }`. */
export function buildVirtualServerGroup(
  name: string,
  node: unknown,
  report: Reporter,
): VirtualServerGroupConfig | undefined {
  const base = ['virtual_server_group', name];
  const lines = Array.isArray(node) ? node : typeof node === 'string' ? [node] : undefined;
  if (!lines) {
    report.error(
      base,
      'value',
      `virtual_server_group ${name} must be a list of lines like "10.0.0.1 80" or "fwmark 1"`,
    );
    return undefined;
  }
  const entries: VirtualServerGroupEntry[] = [];
  lines.forEach((line, i) => {
    const at = Array.isArray(node) ? [...base, i] : base;
    const e = parseGroupEntry(String(line), report.at(at, 'value'));
    if (typeof e === 'string')
      report.error(at, 'value', `virtual_server_group ${name} entry ${i + 1}: ${e}, got ${JSON.stringify(line)}`);
    else entries.push(e);
  });
  return { name, entries, source: report.at(base, 'key') };
}

function parseGroupEntry(line: string, source: SourceLocation): VirtualServerGroupEntry | string {
  const words = line.trim().split(/\s+/);
  if (words[0] === 'fwmark') {
    const n = Number(words[1]);
    if (!Number.isInteger(n) || n < 1 || n > 0xffffffff) return 'fwmark needs a number from 1';
    const fam = words[2];
    if (words.length > 3 || (fam !== undefined && fam !== 'inet' && fam !== 'inet6'))
      return 'write fwmark N [inet|inet6]';
    return { kind: 'fwmark', fwmark: n, family: fam === undefined ? undefined : fam === 'inet6' ? 6 : 4, source };
  }
  const [range = '', p, ...rest] = words;
  const portNum = p === undefined ? 0 : Number(p);
  if (rest.length > 0 || !Number.isInteger(portNum) || portNum < 0 || portNum > 65535)
    return 'write IP [PORT], RANGE [PORT] or fwmark N';
  const r = parseAddressRange(range);
  if (typeof r === 'string') return r;
  return { kind: 'range', ...r, port: portNum, source };
}

/** `a.b.c.d`, `a.b.c.d-e` (last byte), `a.b.c.d-e.f.g.h`, `a.b.c.d/nn` and their IPv6 forms (last group). */
export function parseAddressRange(s: string): { first: string; last: string } | string {
  const slash = s.indexOf('/');
  if (slash > 0) {
    const addr = s.slice(0, slash);
    const len = Number(s.slice(slash + 1));
    const fam = addressFamily(addr);
    if (fam !== 4 || !Number.isInteger(len) || len < 1 || len > 32) return 'a prefix range must be IPv4 a.b.c.d/nn';
    const n = ipv4ToNumber(addr);
    const mask = len === 32 ? 0xffffffff : (0xffffffff << (32 - len)) >>> 0;
    return { first: numberToIpv4((n & mask) >>> 0), last: numberToIpv4(((n & mask) | (~mask >>> 0)) >>> 0) };
  }
  const dash = s.indexOf('-');
  if (dash < 0) {
    if (addressFamily(s) === undefined) return 'not an IP address';
    const a = canonicalAddress(s);
    return { first: a, last: a };
  }
  const first = s.slice(0, dash);
  const tail = s.slice(dash + 1);
  const fam = addressFamily(first);
  if (fam === undefined) return 'not an IP address range';
  let last: string;
  if (addressFamily(tail) === fam) last = tail;
  else if (fam === 4 && /^\d{1,3}$/.test(tail)) last = first.replace(/\d+$/, tail);
  else if (fam === 6 && /^[0-9a-fA-F]{1,4}$/.test(tail)) last = first.replace(/[0-9a-fA-F]*$/, tail);
  else return 'not an IP address range';
  if (addressFamily(last) !== fam) return 'not an IP address range';
  const a = canonicalAddress(first);
  const b = canonicalAddress(last);
  if (fam === 4 && ipv4ToNumber(b) < ipv4ToNumber(a)) return 'the range ends before it starts';
  return { first: a, last: b };
}

export function ipv4ToNumber(a: string): number {
  return a.split('.').reduce((n, p) => ((n << 8) | Number(p)) >>> 0, 0);
}
export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** The LVS keywords of global_defs. */
export const lvsGlobalFields = {
  lvs_flush: flag,
  rs_init_notifies: flag,
  checker_log_all_failures: flag,
  lvs_flush_onstop: z.union([z.null(), z.boolean(), z.string()], { error: 'must be true, false or VS' }),
  lvs_flush_on_stop: z.union([z.null(), z.boolean(), z.string()], { error: 'must be true, false or VS' }),
  lvs_timeouts: z.string({ error: 'must be [tcp SECS] [tcpfin SECS] [udp SECS]' }),
  lvs_sync_daemon: z.string({
    error: 'must be INTERFACE [inst] VRRP_INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR]',
  }),
  // Bare: keepalived's table name.
  nftables_ipvs: z.union(
    [z.literal(true).transform(() => 'keepalived_ipvs'), z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,255}$/)],
    { error: 'must be an nftables table name (letters, digits, _ . -), or nothing' },
  ),
  nftables_ipvs_priority: wholeNumber(-2147483648, 2147483647),
  nftables_ipvs_start_fwmark: wholeNumber(1, 0xffffffff),
};

type RawLvsGlobals = Partial<{
  lvs_flush: boolean;
  rs_init_notifies: boolean;
  checker_log_all_failures: boolean;
  lvs_flush_onstop: string | boolean | null;
  lvs_flush_on_stop: string | boolean | null;
  lvs_timeouts: string;
  lvs_sync_daemon: string;
  nftables_ipvs: string;
  nftables_ipvs_priority: number;
  nftables_ipvs_start_fwmark: number;
  nftables_counters: boolean;
}>;

export function buildLvsGlobals(g: RawLvsGlobals, report: Reporter): LvsGlobals {
  const at = (k: string) => ['global_defs', k];
  const onStopKey = g.lvs_flush_onstop !== undefined ? 'lvs_flush_onstop' : 'lvs_flush_on_stop';
  const onStop = g.lvs_flush_onstop ?? g.lvs_flush_on_stop;
  let flushOnStop: LvsGlobals['flushOnStop'] = false;
  if (onStop === null || onStop === true || (typeof onStop === 'string' && /^(on|yes|true)$/i.test(onStop)))
    flushOnStop = 'all';
  else if (typeof onStop === 'string' && onStop.toUpperCase() === 'VS') flushOnStop = 'vs';
  else if (typeof onStop === 'string' && !/^(off|no|false)$/i.test(onStop)) {
    report.error(at(onStopKey), 'value', `${onStopKey} must be true, false or VS, got ${JSON.stringify(onStop)}`);
  }
  let timeouts: LvsGlobals['timeouts'];
  if (g.lvs_timeouts !== undefined) {
    const words = g.lvs_timeouts.trim().split(/\s+/);
    timeouts = {};
    const names = { tcp: 'tcp', tcpfin: 'tcpFin', tcp_fin: 'tcpFin', udp: 'udp' } as const;
    for (let i = 0; i < words.length; i += 2) {
      const name = names[words[i] as keyof typeof names];
      const secs = Number(words[i + 1]);
      if (!name || !Number.isInteger(secs) || secs < 1 || secs > 2147483) {
        report.error(
          at('lvs_timeouts'),
          'value',
          `lvs_timeouts must be [tcp SECS] [tcpfin SECS] [udp SECS], got ${JSON.stringify(g.lvs_timeouts)}`,
        );
        timeouts = undefined;
        break;
      }
      timeouts[name] = secs;
    }
  }
  return {
    flushAtStart: g.lvs_flush ?? false,
    rsInitNotifies: g.rs_init_notifies ?? false,
    flushOnStop,
    checkerLogAllFailures: g.checker_log_all_failures,
    timeouts,
    syncDaemon:
      g.lvs_sync_daemon !== undefined ? parseSyncDaemon(g.lvs_sync_daemon, at('lvs_sync_daemon'), report) : undefined,
    groupMarking: groupMarkingOf(g, report),
  };
}

/** keepalived 2.2.7's defaults: the input chain at priority −1, marks from 1000. */
const GROUP_MARKING_DEFAULTS = { priority: -1, startFwmark: 1000 };

function groupMarkingOf(g: RawLvsGlobals, report: Reporter): LvsGlobals['groupMarking'] {
  if (g.nftables_ipvs === undefined) return undefined;
  const at = (k: string) => ['global_defs', k];
  // keepalived reads global_defs line by line, and its nftables_ipvs sets the other two back to their defaults:
  // one written above it has no effect there, nor here.
  const tableLine = report.at(at('nftables_ipvs'), 'key').line;
  const effective = (key: 'nftables_ipvs_priority' | 'nftables_ipvs_start_fwmark', fallback: number): number => {
    const value = g[key];
    if (value === undefined) return fallback;
    if (report.keepalived && report.at(at(key), 'key').line < tableLine) {
      report.lenient(
        at(key),
        'key',
        `${key} above nftables_ipvs has no effect: keepalived 2.2.7's nftables_ipvs sets it back to ${fallback} ` +
          '(vipd does the same); write it below nftables_ipvs',
      );
      return fallback;
    }
    return value;
  };
  return {
    table: g.nftables_ipvs,
    priority: effective('nftables_ipvs_priority', GROUP_MARKING_DEFAULTS.priority),
    startFwmark: effective('nftables_ipvs_start_fwmark', GROUP_MARKING_DEFAULTS.startFwmark),
    counters: g.nftables_counters ?? false,
  };
}

function parseSyncDaemon(line: string, at: PathSegment[], report: Reporter): LvsSyncDaemonConfig | undefined {
  const words = line.trim().split(/\s+/);
  const bad = (why: string) => {
    report.error(
      at,
      'value',
      `lvs_sync_daemon: ${why} (write INTERFACE [inst] VRRP_INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR])`,
    );
    return undefined;
  };
  const ifname = words.shift() as string;
  if (!ifName.safeParse(ifname).success) return bad(`${ifname} is not an interface name`);
  const out: LvsSyncDaemonConfig = { interface: ifname, syncId: 0, source: report.at(at, 'key') };
  const numbers = { id: [0, 255], maxlen: [1, 65507], port: [1, 65535], ttl: [1, 255] } as const;
  while (words.length > 0) {
    const w = words.shift() as string;
    if (w === 'inst') {
      out.instance = words.shift();
      if (!out.instance) return bad('inst needs an instance name');
    } else if (w in numbers) {
      const [lo, hi] = numbers[w as keyof typeof numbers];
      const n = Number(words.shift());
      if (!Number.isInteger(n) || n < lo || n > hi) return bad(`${w} must be a whole number from ${lo} to ${hi}`);
      if (w === 'id') out.syncId = n;
      else out[w as 'maxlen' | 'port' | 'ttl'] = n;
    } else if (w === 'group') {
      const g = words.shift() ?? '';
      if (addressFamily(g) === undefined) return bad(`group ${g} is not an IP address`);
      out.group = canonicalAddress(g);
    } else if (out.instance === undefined) out.instance = w;
    else return bad(`unexpected ${w}`);
  }
  return out;
}

/** Two virtual_server blocks for the same service would fight over it: refused. */
export function checkUniqueServices(servers: readonly VirtualServerConfig[], report: Reporter): void {
  const seen = new Map<string, VirtualServerConfig>();
  for (const vs of servers) {
    const t = vs.target;
    const id =
      t.kind === 'address'
        ? `${vs.protocol} ${t.address} ${t.port}`
        : t.kind === 'fwmark'
          ? `fwmark ${t.fwmark} ${vs.family}`
          : `group ${t.group} ${vs.protocol} ${vs.family}`;
    const first = seen.get(id);
    if (first) {
      report.error(
        ['virtual_server', vs.name],
        'key',
        `virtual_server ${splitKeyProtocol(vs.name).protocol ? vs.name : `${vs.name} (${vs.protocol})`} is the same ` +
          `service as the one at line ${first.source.line}`,
      );
    } else seen.set(id, vs);
  }
}
