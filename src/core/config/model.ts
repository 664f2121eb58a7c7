/**
 * The typed configuration model: what the YAML loader (yaml.ts + schema.ts) produces and the daemon consumes.
 * Every default is already applied here (keepalived's defaults; see the table in conf/README.md), every time is
 * in milliseconds, every address is in canonical text, and every command is an argv array. Nothing downstream
 * needs to know a keepalived keyword.
 */
import type { AddressSpec, Family } from '../ports.js';
import type { GarpParams } from '../vrrp/types.js';

/** Where something was written: 1-based line and column of the YAML key. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** One configuration error or warning, always with a position a person can jump to. */
export interface ConfigIssue extends SourceLocation {
  message: string;
}

export interface ScriptUser {
  user: string;
  group?: string | undefined;
}

export interface GlobalDefs {
  /** `router_id` (keepalived's default is the host name, resolved by whoever needs it). */
  routerId?: string | undefined;
  /** `vrrp_version`: the default version of every instance (2). */
  vrrpVersion: 2 | 3;
  /** The global GARP settings (`vrrp_garp_*`), already defaulted; instances start from these. */
  garp: GarpParams;
  /** `vrrp_down_timer_adverts` (3). */
  downTimerAdverts: number;
  /** `vrrp_lower_prio_no_advert` (false). */
  lowerPrioNoAdvert: boolean;
  /** `vrrp_higher_prio_send_advert` (false). */
  higherPrioSendAdvert: boolean;
  /** `vrrp_check_unicast_src` (false). */
  checkUnicastSrc: boolean;
  /** `v3_checksum_as_v2` (false). */
  v3ChecksumAsV2: boolean;
  /** `script_user USER[:GROUP]`: parsed; applied by the script runner in a later issue. */
  scriptUser?: ScriptUser | undefined;
  /** `enable_script_security`: parsed; enforced in a later issue. */
  enableScriptSecurity: boolean;
}

/**
 * Notify commands, each already split into argv the way keepalived splits them. The state-specific ones run as
 * given; `generic` (keepalived `notify`) gets `INSTANCE <name> <STATE> <priority>` appended.
 */
export interface NotifyScripts {
  master?: string[] | undefined;
  backup?: string[] | undefined;
  fault?: string[] | undefined;
  stop?: string[] | undefined;
  generic?: string[] | undefined;
}

export interface PassAuth {
  type: 'PASS';
  /** At most 8 bytes (keepalived truncates longer passwords; the loader warns). */
  password: string;
}

export interface InstanceConfig {
  /** The vrrp_instance name (the YAML key). */
  name: string;
  /** Desired initial state; every instance still starts in BACKUP unless it is the owner (priority 255). */
  state: 'MASTER' | 'BACKUP';
  interface: string;
  vrid: number;
  /** Base priority 1..255 (255 = address owner). */
  priority: number;
  /** v3: a multiple of 10 ms, 10..40950; v2: a multiple of 1000 ms, 1000..255000. */
  advertIntervalMs: number;
  version: 2 | 3;
  /** The family of every VIP (and of the unicast source and peers). */
  family: Family;
  preempt: boolean;
  preemptDelayMs: number;
  /** Advert source in unicast mode; otherwise the interface's primary address is used. */
  unicastSrcIp?: string | undefined;
  /** Empty for multicast. */
  unicastPeers: string[];
  /** v2 only. */
  auth?: PassAuth | undefined;
  vips: AddressSpec[];
  notify: NotifyScripts;
  garp: GarpParams;
  downTimerAdverts: number;
  lowerPrioNoAdvert: boolean;
  higherPrioSendAdvert: boolean;
  /** v3 over IPv4: checksum without the pseudo-header (RFC 9568 / Cisco form). */
  v3ChecksumAsV2: boolean;
  /** In unicast mode, drop adverts whose source is not a listed peer. */
  checkUnicastSrc: boolean;
  /** Where the instance is defined (its name key). */
  source: SourceLocation;
}

export interface VipdConfig {
  globalDefs: GlobalDefs;
  instances: InstanceConfig[];
}
