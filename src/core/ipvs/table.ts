/**
 * The IPVS table as the kernel holds it: services (by address, port and protocol, or by firewall mark) and their
 * destinations. Both the table vipd wants (desired.ts) and the one the kernel reports (the IPVS netlink edge)
 * are in this shape, so reconcile.ts can compare them field by field.
 */
import type { Family } from '../net.js';

export type IpvsProtocol = 'TCP' | 'UDP' | 'SCTP';
export type ForwardMethod = 'NAT' | 'DR' | 'TUN';

/** IP_VS_SVC_F_* service flags (include/uapi/linux/ip_vs.h). */
export const SERVICE_FLAGS = {
  persistent: 0x0001,
  hashed: 0x0002,
  onePacket: 0x0004,
  sched1: 0x0008,
  sched2: 0x0010,
  sched3: 0x0020,
} as const;
/** The flags vipd sets; the kernel adds `hashed` on its own. */
export const SETTABLE_FLAGS = 0x003d;

export type ServiceKey =
  | { family: Family; protocol: IpvsProtocol; address: string; port: number; fwmark?: undefined }
  | { family: Family; fwmark: number; protocol?: undefined; address?: undefined; port?: undefined };

export interface TunnelOptions {
  type: 'ipip' | 'gue' | 'gre';
  /** GUE destination port. */
  port?: number | undefined;
  csum?: 'nocsum' | 'csum' | 'remcsum' | undefined;
}

export interface IpvsDest {
  address: string;
  port: number;
  /** A tunnelled destination may be of the other family than its service. */
  family: Family;
  method: ForwardMethod;
  tunnel?: TunnelOptions | undefined;
  weight: number;
  /** uthreshold / lthreshold (0 = none). */
  upperThreshold: number;
  lowerThreshold: number;
  /** Read from the kernel only. */
  counters?: IpvsCounters | undefined;
}

/** Traffic counters the kernel keeps per service and destination (listing only). */
export interface IpvsCounters {
  connections: number;
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** The kernel's rate estimates (per second): connections, packets and bytes in and out. */
  rates?: { connections: number; packetsIn: number; packetsOut: number; bytesIn: number; bytesOut: number } | undefined;
  /** Destinations only: current connections. */
  activeConnections?: number | undefined;
  inactiveConnections?: number | undefined;
  persistentConnections?: number | undefined;
}

export interface IpvsService {
  key: ServiceKey;
  scheduler: string;
  /** SERVICE_FLAGS bits (without `hashed`). */
  flags: number;
  /** Persistence timeout in seconds (0 unless persistent). */
  timeoutS: number;
  /** Persistence granularity: an IPv4 netmask as a 32-bit number, or an IPv6 prefix length. */
  netmask: number;
  /** Persistence engine ("sip"), if any. */
  pe?: string | undefined;
  dests: IpvsDest[];
  /** Read from the kernel only. */
  counters?: IpvsCounters | undefined;
}

/** The IPVS sync daemon (connection synchronisation between directors). */
export interface SyncDaemonSpec {
  state: 'master' | 'backup';
  interface: string;
  syncId: number;
  maxlen?: number | undefined;
  port?: number | undefined;
  ttl?: number | undefined;
  group?: string | undefined;
}

/** lvs_timeouts, in seconds (0 = leave as is). */
export interface IpvsTimeouts {
  tcp: number;
  tcpFin: number;
  udp: number;
}

/** A destination's identity within its service. */
export interface DestKey {
  address: string;
  port: number;
}

/** "TCP 10.0.0.1:80", "UDP [2001:db8::1]:53", "FWM 1 inet6": unique per service, stable, readable. */
export function serviceId(key: ServiceKey): string {
  if (key.fwmark !== undefined) return `FWM ${key.fwmark} ${key.family === 6 ? 'inet6' : 'inet'}`;
  return `${key.protocol} ${hostPort(key.address, key.port)}`;
}

export function destId(dest: DestKey): string {
  return hostPort(dest.address, dest.port);
}

export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** The netmask of a service without persistence granularity (what ipvsadm and keepalived send). */
export function defaultNetmask(family: Family): number {
  return family === 6 ? 128 : 0xffffffff;
}

/**
 * A destination as it is in a given service: DR and TUN take the service's port, 0 in a fwmark service (as
 * ipvsadm and keepalived send them).
 */
export function destIn(key: ServiceKey, d: IpvsDest): IpvsDest {
  return d.method !== 'NAT' ? { ...d, port: key.port ?? 0 } : { ...d };
}

/** nftables_ipvs: one element of nftables' maps: packets of `protocol` to an address in first..last and to `port` get `mark`. */
export interface MarkElement {
  family: Family;
  protocol: IpvsProtocol;
  first: string;
  last: string;
  port: number;
  mark: number;
}
