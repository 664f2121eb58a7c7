/**
 * vipd's vocabulary of the network, shared by core, daemon and edges: address families, addresses, routes, rules
 * and VMAC interfaces as the configuration describes them and the kernel is asked for them. Types only; the ports
 * that act on them are in ports.ts.
 */

export type Family = 4 | 6;

/** One address as keepalived's virtual_ipaddress line describes it. */
export interface AddressSpec {
  family: Family;
  address: string;
  prefix: number;
  dev: string;
  label?: string | undefined;
  scope?: ScopeName | undefined;
  broadcast?: string | undefined;
  /** keepalived `no_track`: not put back when deleted behind vipd's back. */
  noTrack?: boolean | undefined;
  /** `peer ADDR`: a point-to-point address (IFA_ADDRESS is the peer). */
  peer?: { address: string } | undefined;
  /** `home`, `mngtmpaddr`, `noprefixroute`, `autojoin` (IPv6 / any): the kernel's address flags. */
  flags?: { home?: true; manageTempAddr?: true; noPrefixRoute?: true; autoJoin?: true } | undefined;
  /** static_ipaddress `track_group NAME`: while it cannot be put back, that group's instances are in FAULT. */
  trackGroup?: string | undefined;
  /** `preferred_lft N` (seconds; 0: deprecated, never chosen as a source address). Valid forever. */
  preferredLifetimeS?: number | undefined;
}

export type ScopeName = 'global' | 'site' | 'link' | 'host' | 'nowhere';

export type RouteType =
  | 'unicast'
  | 'local'
  | 'broadcast'
  | 'anycast'
  | 'multicast'
  | 'blackhole'
  | 'unreachable'
  | 'prohibit'
  | 'throw'
  | 'nat';

/** One path of a multipath route. */
export interface NextHop {
  via?: string | undefined;
  dev?: string | undefined;
  /** 1..256. */
  weight: number;
  onlink: boolean;
}

/** A route as `ip route` would add it (see core/config/routing.ts for the keepalived line it comes from). */
export interface RouteSpec {
  family: Family;
  type: RouteType;
  /** Destination network (canonical text) and prefix length; 0.0.0.0/0 or ::/0 for a default route. */
  dst: string;
  prefix: number;
  /** Preferred source address (RTA_PREFSRC). */
  src?: string | undefined;
  via?: string | undefined;
  dev?: string | undefined;
  onlink: boolean;
  nexthops: NextHop[];
  scope?: ScopeName | undefined;
  table: number;
  metric?: number | undefined;
  protocol: number;
  tos?: number | undefined;
  metrics: {
    mtu?: number;
    advmss?: number;
    hoplimit?: number;
    window?: number;
    initcwnd?: number;
    initrwnd?: number;
    /** Metrics the kernel must not change (`mtu lock N`). */
    lock?: ('mtu' | 'advmss' | 'hoplimit' | 'window' | 'initcwnd' | 'initrwnd')[];
  };
  /** keepalived's default is prepend (NLM_F_CREATE only); add fails on a matching route; append goes after. */
  mode: 'add' | 'prepend' | 'append';
  /** Not put back when deleted behind vipd's back. */
  noTrack: boolean;
  /** static_routes' track_group: its instances track `dev` and are in FAULT while the route cannot be put back. */
  trackGroup?: string | undefined;
}

export type RuleAction = 'table' | 'goto' | 'blackhole' | 'unreachable' | 'prohibit' | 'nop';

/** A policy-routing rule as `ip rule` would add it. */
export interface RuleSpec {
  family: Family;
  action: RuleAction;
  from?: { address: string; prefix: number } | undefined;
  to?: { address: string; prefix: number } | undefined;
  iif?: string | undefined;
  oif?: string | undefined;
  tos?: number | undefined;
  fwmark?: number | undefined;
  fwmask?: number | undefined;
  /** Always set (keepalived gives one when the line has none). */
  priority: number;
  table?: number | undefined;
  goto?: number | undefined;
  suppressPrefixLength?: number | undefined;
  uidRange?: [number, number] | undefined;
  ipProto?: number | undefined;
  sport?: [number, number] | undefined;
  dport?: [number, number] | undefined;
  l3mdev: boolean;
  invert: boolean;
  protocol: number;
  noTrack: boolean;
  /** static_rules' track_group: its instances track `iif` and are in FAULT while the rule cannot be put back. */
  trackGroup?: string | undefined;
}

/** keepalived's `use_vmac` interface: a private-mode macvlan named `name` on `base` with the virtual MAC. */
export interface VmacSpec {
  name: string;
  base: string;
  /** 00:00:5e:00:01:VRID (IPv6: 00:00:5e:00:02:VRID). An ipvlan has its base's MAC: this is not used. */
  mac: Buffer;
  /** keepalived's use_ipvlan: an L2-mode ipvlan with these flags instead of a private macvlan. */
  ipvlan?: 'bridge' | 'private' | 'vepa' | undefined;
}

/** keepalived's nftables settings: the table vipd's rules live in, its chain's priority, counters on the rules. */
export interface FirewallSettings {
  table: string;
  priority: number;
  counters: boolean;
}
