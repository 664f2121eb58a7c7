/**
 * The generic netlink family "IPVS" (include/uapi/linux/ip_vs.h): commands and attributes, encoded from and
 * decoded to core/ipvs/table.ts's shapes. Pure: no socket here (ipvs.ts sends what this builds). Decoding never
 * throws: a row it cannot read is reported as a reason string.
 */
import { isIPv4 } from 'node:net';
import type {
  DestKey,
  ForwardMethod,
  IpvsCounters,
  IpvsDest,
  IpvsProtocol,
  IpvsService,
  IpvsTimeouts,
  ServiceKey,
  SyncDaemonSpec,
  TunnelOptions,
} from '../../core/ipvs/table.js';
import type { Family } from '../../core/net.js';
import { AttrReader, AttrWriter } from './attributes.js';

export const IPVS_GENL_VERSION = 1;

export const CMD = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  NEW_DAEMON: 9,
  DEL_DAEMON: 10,
  GET_DAEMON: 11,
  SET_CONFIG: 12,
  GET_CONFIG: 13,
  GET_INFO: 15,
  FLUSH: 17,
} as const;

const CMD_ATTR = { SERVICE: 1, DEST: 2, DAEMON: 3, TIMEOUT_TCP: 4, TIMEOUT_TCP_FIN: 5, TIMEOUT_UDP: 6 } as const;
const SVC = {
  AF: 1,
  PROTOCOL: 2,
  ADDR: 3,
  PORT: 4,
  FWMARK: 5,
  SCHED: 6,
  FLAGS: 7,
  TIMEOUT: 8,
  NETMASK: 9,
  STATS: 10,
  PE: 11,
  STATS64: 12,
} as const;
const DEST = {
  ADDR: 1,
  PORT: 2,
  FWD: 3,
  WEIGHT: 4,
  U_THRESH: 5,
  L_THRESH: 6,
  ACTIVE: 7,
  INACTIVE: 8,
  PERSIST: 9,
  STATS: 10,
  AF: 11,
  STATS64: 12,
  TUN_TYPE: 13,
  TUN_PORT: 14,
  TUN_FLAGS: 15,
} as const;
const DAEMON = { STATE: 1, IFN: 2, SYNC_ID: 3, MAXLEN: 4, GROUP: 5, GROUP6: 6, PORT: 7, TTL: 8 } as const;
const STATS = {
  CONNS: 1,
  INPKTS: 2,
  OUTPKTS: 3,
  INBYTES: 4,
  OUTBYTES: 5,
  CPS: 6,
  INPPS: 7,
  OUTPPS: 8,
  INBPS: 9,
  OUTBPS: 10,
} as const;
const INFO = { VERSION: 1 } as const;

const AF = { 4: 2, 6: 10 } as const;
const PROTO: Record<IpvsProtocol, number> = { TCP: 6, UDP: 17, SCTP: 132 };
const PROTO_NAME = new Map<number, IpvsProtocol>([
  [6, 'TCP'],
  [17, 'UDP'],
  [132, 'SCTP'],
]);
const FWD: Record<ForwardMethod, number> = { NAT: 0, TUN: 2, DR: 3 };
const TUN_TYPE = { ipip: 0, gue: 1, gre: 2 } as const;
const TUN_CSUM = { nocsum: 0, csum: 1, remcsum: 2 } as const;
const DAEMON_STATE = { master: 1, backup: 2 } as const;
/** An address as the kernel's union nf_inet_addr (16 bytes), into `out` when given. */
export function inetAddr(address: string, out = Buffer.alloc(16)): Buffer {
  out.fill(0);
  if (isIPv4(address)) {
    for (const [i, p] of address.split('.').entries()) out.writeUInt8(Number(p), i);
    return out;
  }
  const [head = '', tail] = address.split('::');
  const groups = (s: string) => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  for (const [i, g] of all.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}

/** The address at b[at...] (an nf_inet_addr) as canonical text. */
export function addressText(b: Uint8Array, family: Family, at = 0): string {
  if (family === 4) return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  const groups = Array.from({ length: 8 }, (_, i) =>
    (((b[at + i * 2] as number) << 8) | (b[at + i * 2 + 1] as number)).toString(16),
  );
  // Longest run of zero groups (length ≥ 2) becomes "::" (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

// ── encode ──

/** Scratch for an address on its way into an attribute (encoding is synchronous). */
const addressScratch = Buffer.alloc(16);
const writeAddress = (w: AttrWriter, type: number, address: string, bytes = 16) =>
  w.bytes(type, inetAddr(address, addressScratch).subarray(0, bytes));

/** The attributes that name a service (its key). */
function writeServiceKey(w: AttrWriter, key: ServiceKey): void {
  w.u16(SVC.AF, AF[key.family]);
  if (key.fwmark !== undefined) w.u32(SVC.FWMARK, key.fwmark);
  else writeAddress(w.u16(SVC.PROTOCOL, PROTO[key.protocol]), SVC.ADDR, key.address).be16(SVC.PORT, key.port);
}

/** IPVS_CMD_ATTR_SERVICE: the key, and for a new or edited service every parameter (the kernel needs all). */
export function serviceAttr(key: ServiceKey, full?: Omit<IpvsService, 'key' | 'dests'>, into?: AttrWriter): Buffer {
  const w = into ?? new AttrWriter();
  w.nested(CMD_ATTR.SERVICE, () => {
    writeServiceKey(w, key);
    if (!full) return;
    const flags = Buffer.alloc(8);
    flags.writeUInt32LE(full.flags >>> 0, 0);
    flags.writeUInt32LE(0xffffffff, 4);
    w.str(SVC.SCHED, full.scheduler).bytes(SVC.FLAGS, flags).u32(SVC.TIMEOUT, full.timeoutS);
    // IPv4: a netmask in network order; IPv6: a prefix length (ipvsadm sends both this way).
    if (key.family === 4) w.be32(SVC.NETMASK, full.netmask);
    else w.u32(SVC.NETMASK, full.netmask);
    if (full.pe) w.str(SVC.PE, full.pe);
  });
  return w.done();
}

/** IPVS_CMD_ATTR_DEST: the destination's key, and for a new or edited one every parameter. */
export function destAttr(dest: DestKey & { family?: Family | undefined }, full?: IpvsDest, into?: AttrWriter): Buffer {
  const family = full?.family ?? dest.family ?? (isIPv4(dest.address) ? 4 : 6);
  const w = into ?? new AttrWriter();
  w.nested(CMD_ATTR.DEST, () => {
    writeAddress(w, DEST.ADDR, dest.address).be16(DEST.PORT, dest.port).u16(DEST.AF, AF[family]);
    if (!full) return;
    w.u32(DEST.FWD, FWD[full.method])
      .u32(DEST.WEIGHT, full.weight)
      .u32(DEST.U_THRESH, full.upperThreshold)
      .u32(DEST.L_THRESH, full.lowerThreshold);
    if (full.method === 'TUN') {
      const t = full.tunnel ?? { type: 'ipip' };
      w.u8(DEST.TUN_TYPE, TUN_TYPE[t.type]);
      if (t.type !== 'ipip') w.be16(DEST.TUN_PORT, t.port ?? 0).u16(DEST.TUN_FLAGS, TUN_CSUM[t.csum ?? 'nocsum']);
    }
  });
  return w.done();
}

/** A destination operation's attributes: its service's key, then the destination, in one buffer. */
export function serviceDestAttrs(
  key: ServiceKey,
  dest: DestKey & { family?: Family | undefined },
  full?: IpvsDest,
): Buffer {
  const w = new AttrWriter(160);
  serviceAttr(key, undefined, w);
  return destAttr(dest, full, w);
}

export function daemonAttr(d: SyncDaemonSpec): Buffer {
  const w = new AttrWriter();
  w.nested(CMD_ATTR.DAEMON, () => {
    w.u32(DAEMON.STATE, DAEMON_STATE[d.state]).str(DAEMON.IFN, d.interface).u32(DAEMON.SYNC_ID, d.syncId);
    if (d.maxlen !== undefined) w.u16(DAEMON.MAXLEN, d.maxlen);
    if (d.group !== undefined) {
      if (isIPv4(d.group)) writeAddress(w, DAEMON.GROUP, d.group, 4);
      else writeAddress(w, DAEMON.GROUP6, d.group);
    }
    if (d.port !== undefined) w.u16(DAEMON.PORT, d.port);
    if (d.ttl !== undefined) w.u8(DAEMON.TTL, d.ttl);
  });
  return w.done();
}

export function daemonStateAttr(state: SyncDaemonSpec['state']): Buffer {
  const w = new AttrWriter();
  return w.nested(CMD_ATTR.DAEMON, () => w.u32(DAEMON.STATE, DAEMON_STATE[state])).done();
}

export function timeoutAttrs(t: IpvsTimeouts): Buffer {
  return new AttrWriter()
    .u32(CMD_ATTR.TIMEOUT_TCP, t.tcp)
    .u32(CMD_ATTR.TIMEOUT_TCP_FIN, t.tcpFin)
    .u32(CMD_ATTR.TIMEOUT_UDP, t.udp)
    .done();
}

// ── decode ──

const familyOf = (af: number | undefined): Family | undefined => (af === 2 ? 4 : af === 10 ? 6 : undefined);

// One reader per nesting level (message, row, counters), reused: decoding is synchronous.
const message = new AttrReader();
const row = new AttrReader();
const stats = new AttrReader();

/** The STATS64 block (every field 64-bit), else the older STATS one (counts 32-bit, bytes 64-bit). */
function counters(m: AttrReader, stats64: number, stats32: number): IpvsCounters | undefined {
  const wide = m.nested(stats64, stats) !== undefined;
  if (!wide && !m.nested(stats32, stats)) return undefined;
  const count = (t: number) => (wide ? stats.u64(t) : stats.u32(t)) ?? 0;
  const bytes = (t: number) => stats.u64(t) ?? 0;
  return {
    connections: count(STATS.CONNS),
    packetsIn: count(STATS.INPKTS),
    packetsOut: count(STATS.OUTPKTS),
    bytesIn: bytes(STATS.INBYTES),
    bytesOut: bytes(STATS.OUTBYTES),
    rates: {
      connections: count(STATS.CPS),
      packetsIn: count(STATS.INPPS),
      packetsOut: count(STATS.OUTPPS),
      bytesIn: count(STATS.INBPS),
      bytesOut: count(STATS.OUTBPS),
    },
  };
}

/** The address in attribute `type` of `m` as text, when it has the family's length. */
function addressIn(m: AttrReader, type: number, family: Family): string | undefined {
  const at = m.at(type, family === 4 ? 4 : 16);
  return at < 0 ? undefined : addressText(m.buffer, family, at);
}

/** A GET_SERVICE reply (genl header stripped) into a service without destinations, or a reason. */
export function decodeService(payload: Uint8Array): IpvsService | string {
  const m = message.read(payload).nested(CMD_ATTR.SERVICE, row);
  if (!m) return 'no service attribute';
  const family = familyOf(m.u16(SVC.AF));
  if (!family) return 'unknown address family';
  const fwmark = m.u32(SVC.FWMARK) ?? 0;
  let key: ServiceKey;
  if (fwmark !== 0) key = { family, fwmark };
  else {
    const protocol = PROTO_NAME.get(m.u16(SVC.PROTOCOL) ?? -1);
    const address = addressIn(m, SVC.ADDR, family);
    const port = m.be16(SVC.PORT);
    if (!protocol || !address || port === undefined) return 'service without protocol, address or port';
    key = { family, protocol, address, port };
  }
  return {
    key,
    scheduler: m.str(SVC.SCHED) ?? '',
    flags: m.u32(SVC.FLAGS) ?? 0,
    timeoutS: m.u32(SVC.TIMEOUT) ?? 0,
    netmask: (family === 4 ? m.be32(SVC.NETMASK) : m.u32(SVC.NETMASK)) ?? 0,
    pe: m.str(SVC.PE) || undefined,
    dests: [],
    counters: counters(m, SVC.STATS64, SVC.STATS),
  };
}

const METHOD: readonly (ForwardMethod | undefined)[] = ['NAT', undefined, 'TUN', 'DR'];
const TUNNEL_TYPE = ['ipip', 'gue', 'gre'] as const;

/** A GET_DEST reply into a destination, or a reason. `serviceFamily` is used when the kernel gives no AF. */
export function decodeDest(payload: Uint8Array, serviceFamily: Family): IpvsDest | string {
  const m = message.read(payload).nested(CMD_ATTR.DEST, row);
  if (!m) return 'no destination attribute';
  const family = familyOf(m.u16(DEST.AF)) ?? serviceFamily;
  const address = addressIn(m, DEST.ADDR, family);
  const port = m.be16(DEST.PORT);
  if (!address || port === undefined) return 'destination without address or port';
  const fwd = (m.u32(DEST.FWD) ?? 0) & 0x7;
  const method = METHOD[fwd];
  if (!method) return `forwarding method ${fwd} is not one vipd sets`;
  let tunnel: TunnelOptions | undefined;
  if (method === 'TUN') {
    const type = TUNNEL_TYPE[m.u8(DEST.TUN_TYPE) ?? 0] ?? 'ipip';
    const flags = m.u16(DEST.TUN_FLAGS) ?? 0;
    tunnel = { type };
    if (type !== 'ipip') {
      tunnel.port = m.be16(DEST.TUN_PORT) || undefined;
      tunnel.csum = flags & 2 ? 'remcsum' : flags & 1 ? 'csum' : 'nocsum';
    }
  }
  const weight = m.u32(DEST.WEIGHT) ?? 0;
  const upperThreshold = m.u32(DEST.U_THRESH) ?? 0;
  const lowerThreshold = m.u32(DEST.L_THRESH) ?? 0;
  const activeConnections = m.u32(DEST.ACTIVE) ?? 0;
  const inactiveConnections = m.u32(DEST.INACTIVE) ?? 0;
  const persistentConnections = m.u32(DEST.PERSIST) ?? 0;
  const c = counters(m, DEST.STATS64, DEST.STATS);
  return {
    address,
    port,
    family,
    method,
    tunnel,
    weight,
    upperThreshold,
    lowerThreshold,
    counters: c && { ...c, activeConnections, inactiveConnections, persistentConnections },
  };
}

export function decodeDaemon(payload: Uint8Array): SyncDaemonSpec | string {
  const m = message.read(payload).nested(CMD_ATTR.DAEMON, row);
  if (!m) return 'no daemon attribute';
  const st = m.u32(DAEMON.STATE);
  const state = st === 1 ? 'master' : st === 2 ? 'backup' : undefined;
  if (!state) return 'unknown sync daemon state';
  const set = (b: Buffer | undefined) => b?.some((x) => x !== 0) === true;
  const group = set(m.bytes(DAEMON.GROUP6))
    ? addressIn(m, DAEMON.GROUP6, 6)
    : set(m.bytes(DAEMON.GROUP))
      ? addressIn(m, DAEMON.GROUP, 4)
      : undefined;
  return {
    state,
    interface: m.str(DAEMON.IFN) ?? '',
    syncId: m.u32(DAEMON.SYNC_ID) ?? 0,
    maxlen: m.u16(DAEMON.MAXLEN),
    port: m.u16(DAEMON.PORT),
    ttl: m.u8(DAEMON.TTL),
    group,
  };
}

export function decodeTimeouts(payload: Uint8Array): IpvsTimeouts {
  const m = message.read(payload);
  return {
    tcp: m.u32(CMD_ATTR.TIMEOUT_TCP) ?? 0,
    tcpFin: m.u32(CMD_ATTR.TIMEOUT_TCP_FIN) ?? 0,
    udp: m.u32(CMD_ATTR.TIMEOUT_UDP) ?? 0,
  };
}

/** "1.2.1" from GET_INFO. */
export function decodeVersion(payload: Uint8Array): string | undefined {
  const v = message.read(payload).u32(INFO.VERSION);
  return v === undefined ? undefined : `${v >> 16}.${(v >> 8) & 255}.${v & 255}`;
}

/** The generic netlink header (cmd, version) followed by the attributes. */
export function genlBody(cmd: number, attrs: Buffer[]): Uint8Array[] {
  return [Uint8Array.of(cmd, IPVS_GENL_VERSION, 0, 0), ...attrs];
}
