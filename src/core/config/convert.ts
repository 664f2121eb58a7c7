/**
 * `convert`: configuration → vipd YAML (keepalived keyword names, the layout of conf/vipd.example.yaml).
 *
 * Two entry points, by design:
 * - `convertTreeToYaml(tree)` prints a *tree* (the plain shape of schema/'s contract, e.g. what the
 *   keepalived.conf reader produces). It needs no validation, so a file with errors, unknown keywords or
 *   not-supported-yet ones converts as written: convert first, fix with check-config later. This is what the
 *   CLI's `convert` uses.
 * - `toYaml(config)` prints a *model*: `modelToTree` maps it back to keepalived keywords, writing a keyword only
 *   where the value differs from what the loader would derive anyway (the default, or the global_defs value an
 *   instance inherits). `parseYamlConfig(toYaml(c))` gives back `c` (modulo `source` positions); for a model
 *   holding not-supported-yet features (ParseResult.model) it comes back as `model` again.
 *
 * Both print with the `yaml` package, which quotes any text YAML would read as something else (`"1111"`).
 */

import { stringify } from 'yaml';
import { CHECKER_DEFAULTS, defaultConnectPort, defaultDelayBeforeRetryMs } from '../checks/spec.js';
import type { AddressSpec } from '../net.js';
import { DEFAULT_PROCESS_SETTINGS } from '../process/priority.js';
import type { GarpParams } from '../vrrp/types.js';
import type { CheckConfig, InstanceConfig, NotifyScripts, ScriptUser, VipdConfig } from './model.js';
import { routeLine, ruleLine } from './routing.js';
import { DEFAULT_AGENTX_SOCKET } from './schema/global.js';
import { DEFAULTS } from './schema/index.js';

type Tree = Record<string, unknown>;

/** Prints a configuration tree as vipd YAML. Block maps are written in block style, lines as YAML lists. */
export function convertTreeToYaml(tree: unknown): string {
  return stringify(tree, { lineWidth: 0, indent: 2, nullStr: '' });
}

/** The vipd YAML of a model (see the module comment for the round-trip guarantee). */
export function toYaml(config: VipdConfig): string {
  return convertTreeToYaml(modelToTree(config));
}

/** A model as a configuration tree (the inverse of validateConfig, up to defaults and positions). */
export function modelToTree(config: VipdConfig): Tree {
  const g = config.globalDefs;
  const tree: Tree = {};
  const gd: Tree = {};
  put(gd, 'router_id', g.routerId);
  if (g.vrrpVersion !== DEFAULTS.vrrpVersion) gd.vrrp_version = g.vrrpVersion;
  const dg = defaultGarp();
  putGarp(gd, 'vrrp_', g.garp, dg);
  if (g.garp.lowerPrioDelayMs !== g.garp.masterDelayMs) gd.vrrp_garp_lower_prio_delay = s(g.garp.lowerPrioDelayMs);
  if (g.garp.lowerPrioRepeat !== g.garp.masterRepeat) gd.vrrp_garp_lower_prio_repeat = g.garp.lowerPrioRepeat;
  if (g.netNamespace !== undefined) gd.net_namespace = g.netNamespace;
  if (g.garpIntervalMs !== 0) gd.vrrp_garp_interval = s(g.garpIntervalMs);
  if (g.gnaIntervalMs !== 0) gd.vrrp_gna_interval = s(g.gnaIntervalMs);
  if (g.downTimerAdverts !== DEFAULTS.downTimerAdverts) gd.vrrp_down_timer_adverts = g.downTimerAdverts;
  if (g.lowerPrioNoAdvert) gd.vrrp_lower_prio_no_advert = true;
  if (g.higherPrioSendAdvert) gd.vrrp_higher_prio_send_advert = true;
  if (!g.checkUnicastSrc) gd.vrrp_check_unicast_src = false;
  if (g.ownerIgnoreAdverts) gd.vrrp_owner_ignore_adverts = true;
  if (g.defaultInterface) gd.default_interface = g.defaultInterface;
  if (g.firewall.table !== 'vipd') gd.nftables = g.firewall.table;
  if (g.firewall.priority !== (g.firewall.table !== 'vipd' ? -1 : 0)) gd.nftables_priority = g.firewall.priority;
  if (g.firewall.counters) gd.nftables_counters = true;
  put(gd, 'vrrp_mcast_group4', g.mcastGroups[4]);
  put(gd, 'vrrp_mcast_group6', g.mcastGroups[6]);
  if (g.logUnknownVrids) gd.log_unknown_vrids = true;
  put(gd, 'reload_file', g.reloadFile);
  put(gd, 'reload_time_file', g.reloadTimeFile);
  if (g.reloadRepeat) gd.reload_repeat = true;
  if (g.disableLocalIgmp) gd.disable_local_igmp = true;
  if (g.snmp?.keepalived) gd.enable_snmp_vrrp = true;
  if (g.snmp?.checker) gd.enable_snmp_checker = true;
  if (g.snmp?.rfcv2) gd.enable_snmp_rfcv2 = true;
  if (g.snmp?.rfcv3) gd.enable_snmp_rfcv3 = true;
  if (g.snmp?.traps) gd.enable_traps = true;
  if (g.snmp && g.snmp.socket !== DEFAULT_AGENTX_SOCKET) gd.snmp_socket = g.snmp.socket;
  if (g.dynamicInterfaces) gd.dynamic_interfaces = true;
  if (g.fifoWriteStatesOnReload) gd.fifo_write_vrrp_states_on_reload = true;
  if (g.vmacPrefix !== 'vrrp') gd.vmac_prefix = g.vmacPrefix;
  if (g.addressVmacPrefix !== g.vmacPrefix) gd.vmac_addr_prefix = g.addressVmacPrefix;
  put(gd, 'state_dump_file', g.dumpFiles.state);
  put(gd, 'stats_dump_file', g.dumpFiles.stats);
  put(gd, 'json_dump_file', g.dumpFiles.json);
  for (const [key, script] of [
    ['startup_script', g.startupScript],
    ['shutdown_script', g.shutdownScript],
  ] as const) {
    if (!script) continue;
    gd[key] = script.user
      ? { command: joinCommand(script.argv), user: userText(script.user, ' ') }
      : joinCommand(script.argv);
    if (script.timeoutMs !== 10_000) gd[`${key}_timeout`] = script.timeoutMs / 1000;
  }
  if (g.umask !== undefined) gd.umask = `0${g.umask.toString(8)}`;
  if (g.startupDelayMs > 0) gd.vrrp_startup_delay = s(g.startupDelayMs);
  if (g.delayAfterBootMs > 0) gd.vrrp_delay_after_boot = s(g.delayAfterBootMs);
  if (g.notifyPriorityChanges) gd.vrrp_notify_priority_changes = true;
  const proc = g.process;
  if (proc.niceness !== undefined) gd.vrrp_priority = proc.niceness;
  if (proc.realtimePriority !== undefined) gd.vrrp_rt_priority = proc.realtimePriority;
  if (proc.rlimitRttimeUs !== DEFAULT_PROCESS_SETTINGS.rlimitRttimeUs) gd.vrrp_rlimit_rttime = proc.rlimitRttimeUs;
  if (proc.noSwap) gd.vrrp_no_swap = true;
  if (proc.cpuAffinity) gd.vrrp_cpu_affinity = proc.cpuAffinity.join(' ');
  if (proc.maxAutoPriority !== 0) gd.max_auto_priority = proc.maxAutoPriority;
  if (proc.minAutoPriorityDelayMs !== DEFAULT_PROCESS_SETTINGS.minAutoPriorityDelayMs) {
    gd.min_auto_priority_delay = Math.round(proc.minAutoPriorityDelayMs * 1000);
  }
  if (g.skipCheckAdvAddr) gd.vrrp_skip_check_adv_addr = true;
  if (g.v3ChecksumAsV2) gd.v3_checksum_as_v2 = true;
  if (g.scriptUser) gd.script_user = userText(g.scriptUser, ':');
  if (g.enableScriptSecurity) gd.enable_script_security = true;
  if (g.vrrpStrict) gd.vrrp_strict = true;
  for (const f of g.notifyFifos) {
    gd[f.keyword] = [f.path, ...(f.owner ? [f.owner.user, ...(f.owner.group ? [f.owner.group] : [])] : [])].join(' ');
    if (f.script) gd[`${f.keyword}_script`] = joinCommand(f.script);
  }
  if (Object.keys(gd).length > 0) tree.global_defs = gd;

  if (config.scripts.length > 0) {
    tree.vrrp_script = Object.fromEntries(
      config.scripts.map((sc) => {
        const b: Tree = { script: joinCommand(sc.command) };
        if (sc.intervalMs !== DEFAULTS.scriptIntervalSeconds * 1000) b.interval = s(sc.intervalMs);
        if (sc.timeoutMs !== sc.intervalMs) b.timeout = s(sc.timeoutMs);
        if (sc.weight !== DEFAULTS.scriptWeight || sc.reverse) b.weight = weightText(sc.weight, sc.reverse);
        if (sc.rise !== DEFAULTS.scriptRise) b.rise = sc.rise;
        if (sc.fall !== DEFAULTS.scriptFall) b.fall = sc.fall;
        if (sc.user) b.user = userText(sc.user, ' ');
        if (sc.initFail) b.init_fail = true;
        return [sc.name, b];
      }),
    );
  }
  if (config.trackFiles.length > 0) {
    tree.track_file = Object.fromEntries(
      config.trackFiles.map((tf) => {
        const b: Tree = { file: tf.path };
        if (tf.weight !== DEFAULTS.trackFileWeight || tf.reverse) b.weight = weightText(tf.weight, tf.reverse);
        if (tf.initFile) {
          const { value, overwrite } = tf.initFile;
          b.init_file = overwrite ? `${value} overwrite` : value === 0 ? true : value;
        }
        return [tf.name, b];
      }),
    );
  }

  if (config.checks.length > 0) {
    tree.vrrp_check = Object.fromEntries(config.checks.map((c) => [c.name, checkTree(c)]));
  }

  if (config.staticAddresses.length > 0) tree.static_ipaddress = config.staticAddresses.map((a) => vipLine(a, ''));
  const trackGroups = Object.entries(config.trackGroups ?? {});
  if (trackGroups.length > 0) {
    tree.track_group = Object.fromEntries(trackGroups.map(([name, group]) => [name, { group: [group.join(' ')] }]));
  }
  const delays = Object.entries(g.linkDelays);
  if (delays.length > 0) {
    tree.interface_up_down_delays = delays.map(([name, d]) => `${name} ${s(d.downMs)} ${s(d.upMs)}`);
  }
  if (g.garpGroups.length > 0) {
    tree.garp_group = g.garpGroups.map((x) => {
      const b: Tree = { interfaces: x.interfaces };
      if (x.garpIntervalMs !== undefined) b.garp_interval = s(x.garpIntervalMs);
      if (x.gnaIntervalMs !== undefined) b.gna_interval = s(x.gnaIntervalMs);
      return b;
    });
  }
  if (config.staticRoutes.length > 0) tree.static_routes = config.staticRoutes.map(routeLine);
  if (config.staticRules.length > 0) tree.static_rules = config.staticRules.map(ruleLine);
  tree.vrrp_instance = Object.fromEntries(config.instances.map((i) => [i.name, instanceTree(i, config)]));

  if (config.syncGroups.length > 0) {
    tree.vrrp_sync_group = Object.fromEntries(
      config.syncGroups.map((sg) => {
        const b: Tree = { group: [...sg.instances] };
        putNotify(b, sg.notify);
        if (sg.trackingWeight) b.sync_group_tracking_weight = true;
        return [sg.name, b];
      }),
    );
  }
  return tree;
}

function instanceTree(i: InstanceConfig, config: VipdConfig): Tree {
  const g = config.globalDefs;
  const b: Tree = {
    state: i.state,
    interface: i.interface,
    virtual_router_id: i.vrid,
    priority: i.priority,
  };
  // IPv6 forces version 3 whatever global_defs says.
  const derivedVersion = i.family === 6 ? 3 : g.vrrpVersion;
  if (i.version !== derivedVersion) b.version = i.version;
  if (i.advertIntervalMs !== DEFAULTS.advertIntSeconds * 1000) b.advert_int = s(i.advertIntervalMs);
  if (!i.preempt) b.nopreempt = true;
  if (i.preemptDelayMs !== 0) b.preempt_delay = s(i.preemptDelayMs);
  put(b, i.unicastPeers.length > 0 ? 'unicast_src_ip' : 'mcast_src_ip', i.unicastSrcIp);
  if (i.unicastPeers.length > 0) b.unicast_peer = [...i.unicastPeers];
  if (i.auth) b.authentication = { auth_type: i.auth.type, auth_pass: i.auth.password };
  if (i.vips.length > 0) b.virtual_ipaddress = i.vips.map((v) => instanceVipLine(v, i));
  else b.no_virtual_ipaddress = true;
  if (i.excludedVips.length > 0) b.virtual_ipaddress_excluded = i.excludedVips.map((v) => instanceVipLine(v, i));
  if (i.virtualRoutes.length > 0) b.virtual_routes = i.virtualRoutes.map(routeLine);
  if (i.virtualRules.length > 0) b.virtual_rules = i.virtualRules.map(ruleLine);
  if (i.trackInterfaces.length > 0) {
    b.track_interface = i.trackInterfaces.map((t) => trackLine(t.interface, t.weight, t.reverse, 0));
  }
  if (i.trackScripts.length > 0) {
    b.track_script = i.trackScripts.map((t) => trackLine(t.script, t.weight, t.reverse));
  }
  if (i.trackFiles.length > 0) b.track_file = i.trackFiles.map((t) => trackLine(t.file, t.weight, t.reverse));
  if (i.trackChecks.length > 0) b.track_check = i.trackChecks.map((t) => trackLine(t.name, t.weight, t.reverse));
  putNotify(b, i.notify);
  putGarp(b, '', i.garp, g.garp);
  if (i.garp.lowerPrioDelayMs !== g.garp.lowerPrioDelayMs) b.garp_lower_prio_delay = s(i.garp.lowerPrioDelayMs);
  if (i.garp.lowerPrioRepeat !== g.garp.lowerPrioRepeat) b.garp_lower_prio_repeat = i.garp.lowerPrioRepeat;
  if (i.downTimerAdverts !== g.downTimerAdverts) b.down_timer_adverts = i.downTimerAdverts;
  if (i.lowerPrioNoAdvert !== g.lowerPrioNoAdvert) b.lower_prio_no_advert = i.lowerPrioNoAdvert;
  if (i.higherPrioSendAdvert !== g.higherPrioSendAdvert) b.higher_prio_send_advert = i.higherPrioSendAdvert;
  if (i.checkUnicastSrc !== g.checkUnicastSrc) b.check_unicast_src = i.checkUnicastSrc;
  if ((i.ownerIgnoreAdverts ?? false) !== g.ownerIgnoreAdverts) b.owner_ignore_adverts = i.ownerIgnoreAdverts;
  put(b, 'unicast_ttl', i.unicastTtl);
  if (i.mcastGroup !== g.mcastGroups[i.family]) put(b, 'mcast_dst_ip', i.mcastGroup);
  if (i.noPeerFault) {
    b.unicast_peer = [];
    b.unicast_fault_no_peer = true;
  }
  if ((i.notifyPriorityChanges ?? false) !== g.notifyPriorityChanges) {
    b.notify_priority_changes = i.notifyPriorityChanges;
  }
  if ((i.skipCheckAdvAddr ?? false) !== g.skipCheckAdvAddr) b.skip_check_adv_addr = i.skipCheckAdvAddr;
  if (i.v3ChecksumAsV2 !== g.v3ChecksumAsV2) b.v3_checksum_as_v2 = i.v3ChecksumAsV2;
  if (!i.accept) b.no_accept = true;
  if (i.dontTrackPrimary) b.dont_track_primary = true;
  if (i.promoteSecondaries) b.promote_secondaries = true;
  if (i.trackSrcIp) b.track_src_ip = true;
  if (i.oldUnicastChecksum) b.old_unicast_checksum = i.oldUnicastChecksum === 'never' ? 'never' : true;
  if (i.strictMode !== g.vrrpStrict) b.strict_mode = i.strictMode;
  const ipvlan = i.useVmac?.ipvlan;
  if (i.useVmac && ipvlan) {
    const address = ipvlan.address ? ` ${ipvlan.address.address}/${ipvlan.address.prefix}` : '';
    b.use_ipvlan = `${i.useVmac.ifname}${address} ${ipvlan.flags}`;
  } else if (i.useVmac) {
    const mac = i.useVmac.mac ? ` ${[...i.useVmac.mac].map((o) => o.toString(16).padStart(2, '0')).join(':')}` : '';
    b.use_vmac = `${i.useVmac.ifname}${mac}`;
  }
  if (i.vmacXmitBase) b.vmac_xmit_base = true;
  return b;
}

/** A vrrp_check block: the checker's options, then the block's timing, each only where not the default. */
function checkTree(c: CheckConfig): Tree {
  const sp = c.spec;
  const k: Tree = {};
  if (sp.type === 'MISC_CHECK') {
    k.misc_path = joinCommand(sp.miscPath);
    if (sp.miscTimeoutMs !== sp.delayLoopMs) k.misc_timeout = s(sp.miscTimeoutMs);
    if (sp.miscDynamic) k.misc_dynamic = true;
    if (sp.user) k.user = userText(sp.user, ' ');
  } else {
    if (sp.connectIp !== DEFAULTS.checkConnectIp) k.connect_ip = sp.connectIp;
    if (sp.connectPort !== defaultConnectPort(sp.type)) k.connect_port = sp.connectPort;
    put(k, 'bindto', sp.bindto);
    put(k, 'bind_port', sp.bindPort);
    put(k, 'bind_if', sp.bindIf);
    put(k, 'fwmark', sp.fwmark);
    if (sp.connectTimeoutMs !== CHECKER_DEFAULTS.connectTimeoutMs) k.connect_timeout = s(sp.connectTimeoutMs);
  }
  if (sp.type === 'HTTP_GET' || sp.type === 'SSL_GET') {
    k.url = sp.urls.map((u) => {
      const ut: Tree = { path: u.path };
      const codes = (u.statusCode ?? CHECKER_DEFAULTS.statusCode)
        .map((c) => (typeof c === 'number' ? [c, c] : c))
        .map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`))
        .join(' ');
      if (codes !== '200-299') ut.status_code = /^\d+$/.test(codes) ? Number(codes) : codes;
      put(ut, 'digest', u.digest);
      put(ut, 'regex', u.regex);
      put(ut, 'virtualhost', u.virtualhost);
      return ut;
    });
    put(k, 'virtualhost', sp.virtualhost);
    if (sp.enableSni) k.enable_sni = true;
    put(k, 'sni_name', sp.sniName);
    if (sp.verifyCert) k.verify_cert = true;
  }
  const b: Tree = { [sp.type]: k };
  if (sp.delayLoopMs !== CHECKER_DEFAULTS.vrrpCheckDelayLoopMs) b.delay_loop = s(sp.delayLoopMs);
  if (c.weight !== DEFAULTS.checkWeight || c.reverse) b.weight = weightText(c.weight, c.reverse);
  if (c.rise !== DEFAULTS.checkRise) b.rise = c.rise;
  if (c.fall !== DEFAULTS.checkFall) b.fall = c.fall;
  if (sp.retry !== CHECKER_DEFAULTS.retry[sp.type]) b.retry = sp.retry;
  if (sp.delayBeforeRetryMs !== defaultDelayBeforeRetryMs(sp.type, sp.delayLoopMs)) {
    b.delay_before_retry = s(sp.delayBeforeRetryMs);
  }
  if (sp.warmupMs !== DEFAULTS.checkWarmupSeconds * 1000) b.warmup = s(sp.warmupMs);
  if (c.initFail) b.init_fail = true;
  return b;
}

function defaultGarp(): GarpParams {
  const masterDelayMs = DEFAULTS.garpMasterDelaySeconds * 1000;
  return {
    masterDelayMs,
    masterRepeat: DEFAULTS.garpMasterRepeat,
    masterRefreshMs: DEFAULTS.garpMasterRefreshSeconds * 1000,
    masterRefreshRepeat: DEFAULTS.garpMasterRefreshRepeat,
    lowerPrioDelayMs: masterDelayMs,
    lowerPrioRepeat: DEFAULTS.garpMasterRepeat,
  };
}

/** The four master GARP keywords (`garp_master_*` or `vrrp_garp_master_*`) that differ from `base`. */
function putGarp(b: Tree, prefix: string, garp: GarpParams, base: GarpParams): void {
  if (garp.masterDelayMs !== base.masterDelayMs) b[`${prefix}garp_master_delay`] = s(garp.masterDelayMs);
  if (garp.masterRepeat !== base.masterRepeat) b[`${prefix}garp_master_repeat`] = garp.masterRepeat;
  if (garp.masterRefreshMs !== base.masterRefreshMs) b[`${prefix}garp_master_refresh`] = s(garp.masterRefreshMs);
  if (garp.masterRefreshRepeat !== base.masterRefreshRepeat) {
    b[`${prefix}garp_master_refresh_repeat`] = garp.masterRefreshRepeat;
  }
}

function putNotify(b: Tree, n: NotifyScripts): void {
  const keys = [
    ['notify_master', n.master],
    ['notify_backup', n.backup],
    ['notify_fault', n.fault],
    ['notify_stop', n.stop],
    ['notify', n.generic],
    ['notify_master_rx_lower_pri', n.masterRxLowerPri],
  ] as const;
  for (const [k, argv] of keys) if (argv) b[k] = joinCommand(argv);
  if (n.deleted) b.notify_deleted = n.deleted.argv ? joinCommand(n.deleted.argv) : true;
}

function put(b: Tree, key: string, value: unknown): void {
  if (value !== undefined) b[key] = value;
}

/** Milliseconds → seconds, dropping float noise below the µs. */
function s(ms: number): number {
  return Math.round(ms * 1000) / 1e6;
}

function userText(u: ScriptUser, sep: string): string {
  return u.group !== undefined ? `${u.user}${sep}${u.group}` : u.user;
}

function weightText(weight: number, reverse: boolean): number | string {
  return reverse ? `${weight} reverse` : weight;
}

function trackLine(name: string, weight: number, reverse: boolean, defaultWeight?: number): string {
  // Tracker lines always spell out the resolved weight (the block default is already folded into the model),
  // except a track_interface with weight 0 and no reverse, which is the bare interface.
  if (defaultWeight !== undefined && weight === defaultWeight && !reverse) return name;
  return `${name} weight ${weight}${reverse ? ' reverse' : ''}`;
}

/**
 * An instance's (e)VIP line: one on the instance's VMAC is written without dev (it goes there by default), one on an
 * address VMAC as its interface and `use_vmac` (which reads back the same as the instance's use_vmac_addr).
 */
function instanceVipLine(v: AddressSpec, i: InstanceConfig): string {
  if (!i.useVmac?.ipvlan && v.dev === i.useVmac?.ifname) return vipLine({ ...v, dev: i.interface }, i.interface);
  const vmac = i.addressVmacs.find((a) => a.name === v.dev);
  return vmac ? `${vipLine({ ...v, dev: vmac.base }, i.interface)} use_vmac` : vipLine(v, i.interface);
}

/** One virtual_ipaddress line for an AddressSpec; `dev` only when it is not the instance interface. */
export function vipLine(v: AddressSpec, instanceInterface: string): string {
  // With a peer, the address takes no prefix (keepalived's rule); the peer's /32 or /128 is implied.
  let line = v.peer ? `${v.address} peer ${v.peer.address}` : `${v.address}/${v.prefix}`;
  if (v.broadcast !== undefined) line += ` brd ${v.broadcast}`;
  if (v.dev !== instanceInterface) line += ` dev ${v.dev}`;
  if (v.scope !== undefined) line += ` scope ${v.scope}`;
  if (v.label !== undefined) line += ` label ${v.label}`;
  if (v.noTrack) line += ' no_track';
  if (v.flags?.home) line += ' home';
  if (v.flags?.manageTempAddr) line += ' mngtmpaddr';
  if (v.flags?.noPrefixRoute) line += ' noprefixroute';
  if (v.flags?.autoJoin) line += ' autojoin';
  if (v.preferredLifetimeS !== undefined) line += ` preferred_lft ${v.preferredLifetimeS}`;
  if (v.trackGroup !== undefined) line += ` track_group ${v.trackGroup}`;
  return line;
}

const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * argv → a command line that command.ts's splitCommand (keepalived's splitting) turns back into the same argv.
 * Plain words stay bare; others are double-quoted with `\` escapes, control characters as 3-digit octal.
 */
export function joinCommand(argv: readonly string[]): string {
  return argv
    .map((w) => {
      if (PLAIN_WORD.test(w)) return w;
      let out = '"';
      for (const ch of w) {
        const c = ch.codePointAt(0) as number;
        if (ch === '\\' || ch === '"') out += `\\${ch}`;
        else if (c < 0x20 || c === 0x7f) out += `\\${c.toString(8).padStart(3, '0')}`;
        else out += ch;
      }
      return `${out}"`;
    })
    .join(' ');
}
