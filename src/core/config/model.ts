/**
 * The typed configuration model: what the YAML loader (yaml.ts + schema/) produces and the daemon consumes.
 * Every default is already applied here (keepalived's defaults; see the table in conf/README.md), every time is
 * in milliseconds, every address is in canonical text, and every command is an argv array. Nothing downstream
 * needs to know a keepalived keyword.
 */
import type { ResolvedCheckSpec, ScriptUser } from '../checks/spec.js';
import type { ForwardMethod, IpvsProtocol, TunnelOptions } from '../ipvs/table.js';
import type { AddressSpec, Family, FirewallSettings, RouteSpec, RuleSpec } from '../net.js';
import type { ProcessMatch } from '../tracking/process.js';
import type { GarpParams } from '../vrrp/types.js';

/** A VMAC for addresses: its name is given once every instance is known (until then, address-vmacs' `vmacKey`). */
export interface AddressVmac {
  name: string;
  base: string;
  family: Family;
  mac: Buffer;
}

/** keepalived's `use_ipvlan`: the flags of the L2 ipvlan, and the address it holds. */
export interface IpvlanConfig {
  flags: 'bridge' | 'private' | 'vepa';
  address?: { family: Family; address: string; prefix: number } | undefined;
}

/** Where something was written: 1-based line and column of the YAML key (or keepalived.conf keyword). */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** One configuration error or warning, always with a position a person can jump to. */
export interface ConfigIssue extends SourceLocation {
  message: string;
  /**
   * A warning about keepalived's leniency: something keepalived 2.2.7 accepts (silently, with a warning, or by
   * ignoring it) that vipd accepts too, with keepalived's interpretation or a stated better one. `check-config
   * --strict` makes these errors.
   */
  lenient?: true;
}

export type { ScriptUser } from '../checks/spec.js';

import type { ProcessSettings } from '../process/priority.js';

/** `garp_group`: interfaces whose GARPs / NAs share one pace (each interval, else global_defs'). */
export interface GarpGroup {
  interfaces: string[];
  garpIntervalMs?: number | undefined;
  gnaIntervalMs?: number | undefined;
}

/** A script vipd runs around its own life (startup_script, shutdown_script). */
export interface ProcessScript {
  argv: string[];
  user?: ScriptUser | undefined;
  timeoutMs: number;
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
  /** keepalived's VRRP process settings (vrrp_priority, vrrp_rt_priority, max_auto_priority...). */
  process: ProcessSettings;
  /** `vrrp_startup_delay` (0): the VRRP instances start this long after vipd. */
  startupDelayMs: number;
  /**
   * `vrrp_delay_after_boot` (0): the VRRP instances start no sooner than this long after the system booted (the
   * longer of the two delays wins, as in keepalived).
   */
  delayAfterBootMs: number;
  /**
   * `startup_script` / `shutdown_script [USER [GROUP]]` and their `_timeout` (10 s): run once before anything
   * starts and once after everything stopped; killed at the timeout.
   */
  startupScript?: ProcessScript | undefined;
  shutdownScript?: ProcessScript | undefined;
  /**
   * `state_dump_file` (SIGUSR1's status JSON; vipd.data beside the pid file by default), `stats_dump_file`
   * (SIGUSR2's keepalived.stats blocks), `json_dump_file` (the status JSON again, at SIGUSR1: vipd has no separate
   * JSON signal).
   */
  dumpFiles: { state?: string | undefined; stats?: string | undefined; json?: string | undefined };
  /** `bfdd_socket` (vipd): FRR bfdd's control socket, for track_bfd (undefined: FRR's default). */
  bfddSocket?: string | undefined;
  /** `umask`: the process's umask for the files it creates (undefined: as started). */
  umask?: number | undefined;
  /** `vmac_prefix` ('vrrp'): a use_vmac without a name makes PREFIX.VRID. */
  vmacPrefix: string;
  /** `vmac_addr_prefix` (else vmac_prefix, else 'vrrp'): the names of VMACs for addresses (address-vmacs.ts). */
  addressVmacPrefix: string;
  /** `fifo_write_vrrp_states_on_reload`: a reload writes every instance's state to the FIFOs. */
  fifoWriteStatesOnReload: boolean;
  /**
   * `dynamic_interfaces`: an instance whose interface does not exist starts (and reloads) in FAULT and runs once
   * it appears, rather than vipd refusing to start.
   */
  dynamicInterfaces: boolean;
  /** `disable_local_igmp`: net.ipv4.igmp_link_local_mcast_reports 0 while vipd runs. */
  disableLocalIgmp: boolean;
  /**
   * `enable_snmp_vrrp` (`enable_snmp_keepalived`), `enable_snmp_checker`, `enable_snmp_rfc`/`_rfcv2`/`_rfcv3`: the
   * MIBs vipd serves as an AgentX subagent of the master at `snmp_socket` (default /var/agentx/master). Absent: no
   * SNMP.
   */
  snmp?:
    | { keepalived: boolean; checker: boolean; rfcv2: boolean; rfcv3: boolean; traps: boolean; socket: string }
    | undefined;
  /** `reload_time_file PATH`: a reload at the time the file says (reload-time.ts), the file deleted after. */
  reloadTimeFile?: string | undefined;
  /** `reload_repeat`: the file is kept (a time without a date reloads every day). */
  reloadRepeat: boolean;
  /** `reload_file [PATH]`: made empty while a reload reads the files, removed after (true: vipd.reload by the pid file). */
  reloadFile?: string | true | undefined;
  /** `log_unknown_vrids`: log each advert for a VRID not configured on the interface it arrived on. */
  logUnknownVrids: boolean;
  /** `vrrp_mcast_group4` / `vrrp_mcast_group6` when not the VRRP group: every multicast instance's default. */
  mcastGroups: { 4?: string | undefined; 6?: string | undefined };
  /** `nftables [NAME]`, `nftables_priority`, `nftables_counters`: where no_accept's rules go (table `vipd`). */
  firewall: FirewallSettings;
  /** `interface_up_down_delays { IF DOWN [UP] }`: how long a link must stay down (up) before vipd acts, by name. */
  linkDelays: Record<string, { downMs: number; upMs: number }>;
  /** `garp_group` blocks (top level in keepalived.conf). */
  garpGroups: GarpGroup[];
  /** `default_interface`: the interface of static addresses written without dev. */
  defaultInterface?: string | undefined;
  /** `vrrp_notify_priority_changes` (false): the default of every instance's notify_priority_changes. */
  notifyPriorityChanges: boolean;
  /** `vrrp_owner_ignore_adverts` (false): the default of every instance's owner_ignore_adverts. */
  ownerIgnoreAdverts: boolean;
  /** `vrrp_skip_check_adv_addr` (false): the default of every instance's skip_check_adv_addr. */
  skipCheckAdvAddr: boolean;
  /** `v3_checksum_as_v2` (false). */
  v3ChecksumAsV2: boolean;
  /** `script_user USER[:GROUP]`: parsed; applied by the script runner in a later issue. */
  scriptUser?: ScriptUser | undefined;
  /** `enable_script_security`: parsed; enforced in a later issue. */
  enableScriptSecurity: boolean;
  /** `vrrp_garp_interval` (0 = no pacing): the least time between two GARPs on one interface, in ms (µs resolution). */
  garpIntervalMs: number;
  /** `vrrp_gna_interval` (0 = no pacing): the same for unsolicited NAs. */
  gnaIntervalMs: number;
  /** `vrrp_strict` (false): keepalived's strict mode for every instance (schema/strict.ts). */
  vrrpStrict: boolean;
  /** `vrrp_garp_extra_if [all] SECONDS`: the default of every instance's garp_extra_if. */
  garpExtraIf?: { intervalMs: number; all: boolean } | undefined;
  /** `net_namespace NAME`: vipd runs in the network namespace /run/netns/NAME (made by `ip netns add`). */
  netNamespace?: string | undefined;
  /**
   * `notify_fifo` and `vrrp_notify_fifo` (vipd has only VRRP events: both get every line), each with its
   * `_script` reader and the owner the FIFO is given.
   */
  notifyFifos: NotifyFifoConfig[];
  /** The LVS keywords (lvs_flush, lvs_flush_onstop, lvs_timeouts, lvs_sync_daemon). */
  lvs: LvsGlobals;
}

/** `notify_fifo PATH [USER [GROUP]]` with `notify_fifo_script CMD` (or their `vrrp_` forms). */
export interface NotifyFifoConfig {
  /** notify_fifo gets every line; vrrp_notify_fifo the VRRP ones; lvs_notify_fifo the virtual/real server ones. */
  keyword: 'notify_fifo' | 'vrrp_notify_fifo' | 'lvs_notify_fifo';
  path: string;
  /** Owner of the FIFO (keepalived: the words after the path). */
  owner?: ScriptUser | undefined;
  /** The reader keepalived starts, with the FIFO's path appended. */
  script?: string[] | undefined;
}

/**
 * One `track_interface` line `IF [weight ±N [reverse]]`. Weight 0 (the default): IF down → FAULT; otherwise
 * the weight is added while IF is up (positive) or while it is down (negative); `reverse` flips both.
 */
export interface TrackInterface {
  interface: string;
  /** −253..253. */
  weight: number;
  reverse: boolean;
  source: SourceLocation;
}

/** One `track_script` line, resolved: the weight and reverse default to the vrrp_script's. */
export interface TrackScriptRef {
  /** The vrrp_script name (it exists: the loader checks the reference). */
  script: string;
  /** −253..253. */
  weight: number;
  reverse: boolean;
  source: SourceLocation;
}

/** One `track_file` line, resolved: the weight and reverse default to the track_file's. */
export interface TrackFileRef {
  /** The track_file name (it exists). */
  file: string;
  /** −254..254. */
  weight: number;
  reverse: boolean;
  source: SourceLocation;
}

/** One `track_process` line, resolved: the weight and reverse default to the vrrp_track_process's. */
export interface TrackProcessRef {
  /** The vrrp_track_process name (it exists). */
  process: string;
  /** −254..254. */
  weight: number;
  reverse: boolean;
  source: SourceLocation;
}

/**
 * One `track_bfd` line: a BFD session run by FRR's bfdd, named by its peer address (frr.conf `bfd` / `peer ADDRESS`),
 * or by its label where it has one (a session made through bfdd's control socket). Weight 0 (the default) is FAULT
 * while the session is not up.
 */
export interface TrackBfdRef {
  session: string;
  /** −253..253. */
  weight: number;
  reverse: boolean;
  source: SourceLocation;
}

/** `vrrp_track_process NAME { ... }`: up while the number of matching processes is within its quorum. */
export interface TrackProcessConfig {
  name: string;
  match: ProcessMatch;
  /** `weight N [reverse]` (1), −254..254. */
  weight: number;
  reverse: boolean;
  /** `quorum` (1) and `quorum_max` (no bound). */
  quorum: number;
  quorumMax: number;
  /** `fork_delay` / `terminate_delay` (or `delay` for both), ms: how long a change must last before it counts. */
  forkDelayMs: number;
  terminateDelayMs: number;
  source: SourceLocation;
}

/** `vrrp_script NAME { ... }`, with keepalived's defaults. */
export interface VrrpScriptConfig {
  name: string;
  /** `script`, split into argv as keepalived splits it. */
  command: string[];
  /** `interval` (1 s). */
  intervalMs: number;
  /** `timeout` (= the interval). */
  timeoutMs: number;
  /** `weight` (0: fall failures → FAULT), −253..253. */
  weight: number;
  /** `weight N reverse`. */
  reverse: boolean;
  /** `rise` (1). */
  rise: number;
  /** `fall` (1). */
  fall: number;
  /** `user USER[:GROUP]`; unset = global_defs script_user. */
  user?: ScriptUser | undefined;
  /** `init_fail`: start in the failed state (false). */
  initFail: boolean;
  source: SourceLocation;
}

/** `track_file NAME { ... }` (or the deprecated `vrrp_track_file NAME`). */
export interface TrackFileConfig {
  name: string;
  /** `file PATH`. */
  path: string;
  /** `weight N [reverse]` (1), −254..254. */
  weight: number;
  reverse: boolean;
  /** `init_file [VALUE] [overwrite]`: create (or with overwrite, always write) the file with VALUE (0). */
  initFile?: { value: number; overwrite: boolean } | undefined;
  source: SourceLocation;
}

/** One `track_check` line (vipd): the weight and reverse default to the vrrp_check's. */
export interface TrackCheckRef {
  /** The vrrp_check name (it exists). */
  name: string;
  /** −253..253. */
  weight: number;
  reverse: boolean;
  source: SourceLocation;
}

/** `vrrp_check NAME { <one checker> ... }` (vipd): a keepalived checker used as a VRRP tracker. */
export interface CheckConfig {
  name: string;
  /**
   * The checker with every default applied, its timing included: delay_loop (2 s for a vrrp_check), retry,
   * delay_before_retry, warmup (0: at once), as keepalived's checker block or the vrrp_check block sets them.
   */
  spec: ResolvedCheckSpec;
  /** `weight N [reverse]` (0: fall failed runs → FAULT), −253..253. */
  weight: number;
  reverse: boolean;
  /** `rise` (1). */
  rise: number;
  /** `fall` (1). */
  fall: number;
  /** `init_fail`: start in the failed state (false). */
  initFail: boolean;
  /** `log_all_failures` in its checker: every failed run is logged, not only changes. */
  logAllFailures?: boolean | undefined;
  source: SourceLocation;
}

/** `vrrp_sync_group NAME { group { VI_1 VI_2 } notify_* track_* }`. */
export interface SyncGroupConfig {
  name: string;
  /** Member instance names (they exist, and each is in one group only). */
  instances: string[];
  /** Group notifies; the generic one gets `GROUP <name> <STATE> 0` appended. */
  notify: NotifyScripts;
  /** `sync_group_tracking_weight` (or the deprecated `global_tracking`): members' tracker weights count. */
  trackingWeight: boolean;
  /** `notify_priority_changes`: the default of its members' (undefined: global_defs'). */
  notifyPriorityChanges?: boolean | undefined;
  /** The group's own trackers, as written; the loader has merged them into every member's lists. */
  trackers: TrackerLists;
  source: SourceLocation;
}

/** The tracker lists of an instance or a sync group. */
export interface TrackerLists {
  trackInterfaces: TrackInterface[];
  trackScripts: TrackScriptRef[];
  trackFiles: TrackFileRef[];
  trackChecks: TrackCheckRef[];
  trackProcesses: TrackProcessRef[];
  trackBfds: TrackBfdRef[];
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
  /** `notify_master_rx_lower_pri`: run (without arguments) each time a master hears a lower-priority advert. */
  masterRxLowerPri?: string[] | undefined;
  /**
   * `notify_deleted [CMD]`: an instance a reload removes notifies DELETED (running CMD if given) where keepalived's
   * default is FAULT (and notify_fault). Absent: FAULT.
   */
  deleted?: { argv?: string[] | undefined } | undefined;
  /** keepalived's `notify_* CMD USER [GROUP]`: who each one runs as (else global_defs script_user). */
  users?:
    | Partial<Record<'master' | 'backup' | 'fault' | 'stop' | 'generic' | 'masterRxLowerPri' | 'deleted', ScriptUser>>
    | undefined;
}

/** VRRPv2 authentication: PASS (the password in clear in each advert) or AH (an HMAC-MD5-96 keyed with it). */
export interface PassAuth {
  type: 'PASS' | 'AH';
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
  /**
   * `notify_priority_changes`: FIFO lines MASTER_PRIORITY / BACKUP_PRIORITY when the effective priority changes.
   * The loader resolves it: the instance's, else its sync group's, else global_defs'.
   */
  notifyPriorityChanges?: boolean | undefined;
  /**
   * The multicast group of its adverts when not the VRRP group: `mcast_dst_ip`, else global_defs
   * `vrrp_mcast_group4` / `vrrp_mcast_group6`.
   */
  mcastGroup?: string | undefined;
  /** `unicast_ttl`: the TTL / hop limit of unicast adverts (255). */
  unicastTtl?: number | undefined;
  /**
   * `unicast_fault_no_peer` with a unicast keyword but no peer: the instance stays in FAULT (keepalived) rather
   * than multicast.
   */
  noPeerFault?: boolean | undefined;
  /** `owner_ignore_adverts`: as the address owner (priority 255), ignore every advert. */
  ownerIgnoreAdverts?: boolean | undefined;
  /**
   * `skip_check_adv_addr`: do not compare a received advert's addresses with ours. vipd never drops on that
   * comparison; it counts and logs a difference, which this silences.
   */
  skipCheckAdvAddr?: boolean | undefined;
  /** `accept` (true) / `no_accept`: without it, input to the VIPs is dropped while not master (non-owners). */
  accept: boolean;
  /**
   * `old_unicast_checksum [never]`: VRRPv3 unicast adverts with keepalived's pre-1.3.6 checksum (taken over
   * 224.0.0.18): 'always' sends it; by default it is sent once a peer is heard using it; 'never' neither accepts nor
   * sends it.
   */
  oldUnicastChecksum?: 'always' | 'never' | undefined;
  /** `track_src_ip`: FAULT while the configured unicast_src_ip / mcast_src_ip is not on the interface. */
  trackSrcIp?: boolean | undefined;
  /** `promote_secondaries`: net.ipv4.conf.IF.promote_secondaries set while it runs (IPv4). */
  promoteSecondaries?: boolean | undefined;
  /** `dont_track_primary` (false): the instance interface going down is not a fault. */
  dontTrackPrimary: boolean;
  /** `strict_mode`, defaulting to global_defs `vrrp_strict` (false). Not supported yet when true. */
  strictMode: boolean;
  /** `track_interface`. */
  trackInterfaces: TrackInterface[];
  /** `track_script`. */
  trackScripts: TrackScriptRef[];
  /** `track_file`. */
  trackFiles: TrackFileRef[];
  /** `track_check` (vipd). */
  trackChecks: TrackCheckRef[];
  /** `track_process`. */
  trackProcesses: TrackProcessRef[];
  /** `track_bfd`: sessions of FRR's bfdd. */
  trackBfds: TrackBfdRef[];
  /** `virtual_ipaddress_excluded`: held with the VIPs by a master, never in adverts; any family. */
  excludedVips: AddressSpec[];
  /** `virtual_routes`: added by a master after its VIPs, removed before them. */
  virtualRoutes: RouteSpec[];
  /** `virtual_rules`: added by a master after its routes, removed first. */
  virtualRules: RuleSpec[];
  /**
   * `use_vmac [NAME]`: a macvlan with the virtual MAC on the interface, holding the VIPs that name no dev,
   * sending the adverts and GARPs; the name defaults to `vrrp.<vrid>`.
   */
  /**
   * use_vmac: the macvlan's name and MAC (keepalived's `use_vmac NAME MAC`; absent: the RFC 5798 virtual MAC). Or
   * use_ipvlan (`ipvlan`): an L2 ipvlan instead, with the base's MAC, its flags and the address put on it (the
   * advert source unless unicast_src_ip says otherwise).
   */
  useVmac?: { ifname: string; mac?: Buffer | undefined; ipvlan?: IpvlanConfig | undefined } | undefined;
  /** `vmac_xmit_base` (false): adverts leave by the base interface, GARPs still by the VMAC. */
  vmacXmitBase: boolean;
  /**
   * VMACs for addresses (`use_vmac_addr`, an address line's `use_vmac`): a private macvlan with the virtual MAC on an
   * address's own interface; the (e)VIPs that go there have its name as their dev.
   */
  addressVmacs: AddressVmac[];
  /**
   * `garp_extra_if [all] SECONDS`: while master, GARP/NA every SECONDS for the (e)VIPs on other interfaces than the
   * one it sends from, so switches keep their MACs (keepalived sends on VMACs only unless `all`; vipd's VIPs on
   * another interface are never on a VMAC, so only `all` sends).
   */
  garpExtraIf?: { intervalMs: number; all: boolean } | undefined;
  /**
   * The vrrp_sync_group this instance is in (set by the loader, which also merges the group's trackers into the
   * instance's lists and, unless the group has sync_group_tracking_weight, takes the weights off).
   */
  syncGroup?: string | undefined;
  /** `lvs_sync_daemon_interface` (deprecated): global_defs `lvs_sync_daemon IF NAME` for this instance. */
  lvsSyncDaemonInterface?: string | undefined;
  /** Where the instance is defined (its name key). */
  source: SourceLocation;
}

export interface VipdConfig {
  /** `track_group NAME { group { ... } }`: name → instance names (static_ipaddress `track_group NAME`). */
  trackGroups?: Readonly<Record<string, string[]>> | undefined;
  globalDefs: GlobalDefs;
  instances: InstanceConfig[];
  /** `vrrp_sync_group` blocks, in file order. */
  syncGroups: SyncGroupConfig[];
  /** `vrrp_script` blocks, in file order. */
  scripts: VrrpScriptConfig[];
  /**
   * `track_file` / `vrrp_track_file` blocks, in file order, then one per file path that a
   * `track_file` line names directly (vipd: `/run/x weight 1`), named by the path.
   */
  trackFiles: TrackFileConfig[];
  /** `vrrp_check` blocks (vipd), in file order. */
  checks: CheckConfig[];
  /** `vrrp_track_process` blocks, in file order. */
  trackProcesses: TrackProcessConfig[];
  /** `virtual_server` blocks, in file order. */
  virtualServers: VirtualServerConfig[];
  /** `virtual_server_group` blocks, in file order. */
  virtualServerGroups: VirtualServerGroupConfig[];
  /** `static_ipaddress`: addresses vipd holds for its whole life, whatever the VRRP states (dev is required). */
  staticAddresses: AddressSpec[];
  /** `static_routes`: held for vipd's whole life, after the static addresses. */
  staticRoutes: RouteSpec[];
  /** `static_rules`: held for vipd's whole life. */
  staticRules: RuleSpec[];
  /** `announce` blocks (vipd), in file order. */
  announces: AnnounceConfig[];
}

/**
 * `announce NAME { prefix ... track_* ... }` (vipd): host routes announced through the host's routing daemon (FRR's
 * `redistribute kernel`) while every tracker is up and every tracked virtual server has quorum.
 */
export interface AnnounceConfig {
  name: string;
  /** Host routes (/32, /128), canonical; no two announces share one. */
  prefixes: { family: Family; address: string }[];
  /** `track_virtual_server`: the virtualServerId of each (it exists); announced while each has quorum. */
  trackVirtualServers: string[];
  /** The trackers, each with weight 0: one down (or up, with reverse) withdraws. */
  trackers: TrackerLists;
  /** `announce_delay` (0): healthy this long before announcing, at start and after a recovery. */
  announceDelayMs: number;
  /** `withdraw_delay` (0): after withdrawing, the address is still accepted locally this long. */
  withdrawDelayMs: number;
  /** `metric` (4242): the announcing route's metric, the marker FRR's route-map matches. */
  metric: number;
  source: SourceLocation;
}

/** `lvs_method NAT|DR|TUN [type ipip|gue port N|gre] [nocsum|csum|remcsum]`. */
export interface LvsMethod {
  method: ForwardMethod;
  tunnel?: TunnelOptions | undefined;
}

/** What a virtual server is written as: `IP [PORT]`, `fwmark N`, or `group NAME`. */
export type VirtualServerTarget =
  | { kind: 'address'; address: string; port: number }
  | { kind: 'fwmark'; fwmark: number }
  | { kind: 'group'; group: string };

/** One entry of a `virtual_server_group`: an address range (first..last, one address when equal) or a fwmark. */
export type VirtualServerGroupEntry =
  | { kind: 'range'; first: string; last: string; port: number; source: SourceLocation }
  | { kind: 'fwmark'; fwmark: number; family?: Family | undefined; source: SourceLocation };

export interface VirtualServerGroupConfig {
  name: string;
  entries: VirtualServerGroupEntry[];
  source: SourceLocation;
}

/**
 * One checker of a real server: a probe on the shared engine, a FILE_CHECK on a track_file, or a BFD_CHECK on a
 * session of FRR's bfdd (by label or peer address; keepalived names its own bfd_instance there).
 */
export type RealServerChecker =
  | {
      kind: 'probe';
      spec: ResolvedCheckSpec;
      alpha: boolean;
      /** `log_all_failures` (else global_defs checker_log_all_failures): every failed run is logged. */
      logAllFailures?: boolean | undefined;
      source: SourceLocation;
    }
  | {
      kind: 'file';
      /** The track_file name (it exists). */
      trackFile: string;
      /** `dynamic`: the file's value × weight is the real server's weight. */
      dynamic: boolean;
      weight: number;
      reverse: boolean;
      source: SourceLocation;
    }
  | {
      kind: 'bfd';
      /** `name`: the session's label or peer address (canonical). */
      session: string;
      /** `alpha`: down until the session is first seen up (else up until bfdd says otherwise). */
      alpha: boolean;
      source: SourceLocation;
    };

/**
 * The checker timing of a virtual or real server as written there or inherited (a real server's from its virtual
 * server's; keepalived's SNMP MIB reports them): connect_timeout (5 s), delay_loop (60 s); retry, delay_before_retry
 * and warmup only where written.
 */
export interface CheckerTiming {
  delayLoopMs: number;
  connectTimeoutMs: number;
  retry?: number | undefined;
  delayBeforeRetryMs?: number | undefined;
  warmupMs?: number | undefined;
}

export interface RealServerConfig {
  address: string;
  port: number;
  /** `weight` (1). */
  weight: number;
  /** `lvs_method`, else the virtual server's. */
  method: LvsMethod;
  notifyUp?: string[] | undefined;
  notifyDown?: string[] | undefined;
  /** `uthreshold` / `lthreshold` (0 = none). */
  upperThreshold: number;
  lowerThreshold: number;
  /** `inhibit_on_failure`, else the virtual server's: down = weight 0 rather than out of the table. */
  inhibitOnFailure: boolean;
  /** `alpha`, else the virtual server's: starts down until its checkers pass. */
  alpha: boolean;
  checkers: RealServerChecker[];
  /** Its checkers' timing, as written here or on its virtual server. */
  timing: CheckerTiming;
  /** `virtualhost` written on the real server itself (its HTTP checkers' default). */
  virtualhost?: string | undefined;
  /** `snmp_name`: its name in KEEPALIVED-MIB's realServerTable. */
  snmpName?: string | undefined;
  source: SourceLocation;
}

export interface VirtualServerConfig {
  /** The virtual_server key as written ("10.0.0.1 80", "fwmark 1", "group web"). */
  name: string;
  target: VirtualServerTarget;
  /** The family of the service (of its address, or of its real servers for a fwmark; `ip_family`). */
  family: Family;
  /** `protocol`; keepalived 2.2.7 uses UDP when none is given (the loader warns). Unused by fwmark services. */
  protocol: IpvsProtocol;
  /** `lb_algo` / `lvs_sched` (wlc, as ipvsadm). */
  scheduler: string;
  /** Scheduler flags (flag-1..3, sh-port, sh-fallback, mh-port, mh-fallback) and `ops`, as SERVICE_FLAGS bits. */
  flags: number;
  /** `lb_kind` / `lvs_method` (NAT). */
  method: LvsMethod;
  /** `persistence_timeout` in seconds (0 = not persistent; 360 when written without a value). */
  persistenceTimeoutS: number;
  /** `persistence_granularity`: IPv4 netmask as a number, or IPv6 prefix length. */
  persistenceGranularity?: number | undefined;
  persistenceEngine?: string | undefined;
  haSuspend: boolean;
  virtualhost?: string | undefined;
  alpha: boolean;
  omega: boolean;
  /** `quorum` (1) and `hysteresis` (0). */
  quorum: number;
  hysteresis: number;
  quorumUp?: string[] | undefined;
  quorumDown?: string[] | undefined;
  sorryServer?: { address: string; port: number; method: LvsMethod; inhibit: boolean } | undefined;
  /** The checker timing written on the virtual server (delay_loop 60 s, connect_timeout 5 s by default). */
  timing: CheckerTiming;
  /** `inhibit_on_failure` on the virtual server: its real servers' default. */
  inhibitOnFailure: boolean;
  /** `weight` on the virtual server: its real servers' default weight (1). */
  weight: number;
  /** `snmp_name`: its name in KEEPALIVED-MIB's virtualServerTable. */
  snmpName?: string | undefined;
  realServers: RealServerConfig[];
  source: SourceLocation;
}

/** `lvs_sync_daemon IF [inst] VI [id N] [maxlen N] [port N] [ttl N] [group ADDR]`. */
export interface LvsSyncDaemonConfig {
  interface: string;
  /** The VRRP instance whose state it follows (master ⇒ master sync daemon, else backup). */
  instance?: string | undefined;
  syncId: number;
  maxlen?: number | undefined;
  port?: number | undefined;
  ttl?: number | undefined;
  group?: string | undefined;
  source: SourceLocation;
}

export interface LvsGlobals {
  /** `lvs_flush`: empty IPVS at start-up. */
  flushAtStart: boolean;
  /** `rs_init_notifies`: each real server up at start-up is notified up (notify_up, FIFO, SNMP), as keepalived. */
  rsInitNotifies: boolean;
  /** `checker_log_all_failures`: the default of every real server checker's log_all_failures. */
  checkerLogAllFailures?: boolean | undefined;
  /** `lvs_flush_onstop [VS]`: flush all of IPVS at stop, or (VS) remove each of vipd's services whole. */
  flushOnStop: false | 'all' | 'vs';
  /** `lvs_timeouts` in seconds; unset ones are left as they are. */
  timeouts?: { tcp?: number | undefined; tcpFin?: number | undefined; udp?: number | undefined } | undefined;
  syncDaemon?: LvsSyncDaemonConfig | undefined;
  /** `nftables_ipvs`: virtual_server_groups of address ranges served as fwmark services, marked by nftables. */
  groupMarking?: GroupMarking | undefined;
}

/**
 * `nftables_ipvs [TABLE]`, `nftables_ipvs_priority N`, `nftables_ipvs_start_fwmark N` (keepalived 2.2.7): a
 * virtual server on a group of address ranges is one fwmark service per family instead of one service per address,
 * and nftables gives each of the group's address-and-port ranges that mark on input (the group's mark, one per
 * protocol, handed out from `startFwmark` in the order of the virtual servers).
 */
export interface GroupMarking {
  /** The table, in the `ip` family for IPv4 ranges and in `ip6` for IPv6 (keepalived: `keepalived_ipvs`). */
  table: string;
  /** The input chain's priority (keepalived: −1). */
  priority: number;
  /** The first mark handed out (keepalived: 1000). */
  startFwmark: number;
  /** global_defs `nftables_counters`: a counter on the rules and on each map element. */
  counters: boolean;
}
