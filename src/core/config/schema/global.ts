/** `global_defs`: its schema and the GlobalDefs it builds. */
import * as z from 'zod';
import { addressFamily } from '../../codec/ip-address.js';
import { VRRP_MULTICAST_GROUP } from '../../codec/vrrp-wire.js';
import { DEFAULT_PROCESS_SETTINGS, REALTIME_MAX } from '../../process/priority.js';
import { INSTANCE_TO_GLOBAL, NOT_USED_BY_VIPD, UNSUPPORTED_GLOBAL } from '../keywords.js';
import type { GlobalDefs } from '../model.js';
import { DEFAULTS } from './defaults.js';
import {
  absolutePath,
  command,
  cpuList,
  flag,
  garpDelay,
  garpExtraIf,
  garpLowerRepeat,
  garpRefresh,
  garpRepeat,
  ifName,
  multicastAddress,
  notifyCommand,
  pacing,
  seconds,
  text,
  toMs,
  umask,
  userSpec,
  version,
  wholeNumber,
} from './fields.js';
import { isMap, parseSection, type Reporter } from './report.js';
import { userOf } from './users.js';
import { buildLvsGlobals, lvsGlobalFields } from './virtual-server.js';

/** net-snmp's (and so keepalived's and snmpd's) AgentX socket. */
export const DEFAULT_AGENTX_SOCKET = '/var/agentx/master';

/** `PATH [USER [GROUP]]`: an absolute path, then the FIFO's owner. */
const fifoSpec = z
  .string({ error: 'must be PATH [USER [GROUP]]' })
  .regex(/^\/\S+(\s+[^\s:]+){0,2}$/, { error: 'must be an absolute PATH, optionally followed by USER and GROUP' })
  .transform((v) => {
    const [path = '', user, group] = v.trim().split(/\s+/);
    return { path, owner: user ? { user, group } : undefined };
  });

/** global_defs as its schema gives it, before the model is built. */
export type RawGlobal = z.output<typeof globalDefsSchema>;

export const globalDefsSchema = z
  .object({
    router_id: text,
    vrrp_version: version,
    vrrp_garp_master_delay: garpDelay,
    vrrp_garp_master_repeat: garpRepeat,
    vrrp_garp_master_refresh: garpRefresh,
    vrrp_garp_master_refresh_repeat: garpRepeat,
    vrrp_garp_extra_if: garpExtraIf,
    vrrp_garp_lower_prio_delay: garpDelay,
    vrrp_garp_lower_prio_repeat: garpLowerRepeat,
    vrrp_lower_prio_no_advert: flag,
    vrrp_higher_prio_send_advert: flag,
    vrrp_check_unicast_src: flag,
    vrrp_owner_ignore_adverts: flag,
    default_interface: ifName,
    // Bare: keepalived's table name.
    nftables: z.union(
      [z.literal(true).transform(() => 'keepalived'), z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/)],
      {
        error: 'must be an nftables table name (letters, digits, _ . -)',
      },
    ),
    nftables_priority: wholeNumber(-1000, 1000),
    nftables_counters: flag,
    nftables_ifindex: flag,
    vrrp_iptables: z.unknown(),
    vrrp_ipsets: z.unknown(),
    vrrp_mcast_group4: multicastAddress,
    vrrp_mcast_group6: multicastAddress,
    log_unknown_vrids: flag,
    // Bare: vipd.reload beside the pid file.
    reload_file: z.union([z.literal(true), absolutePath], { error: 'must be an absolute file path, or nothing' }),
    reload_time_file: absolutePath,
    reload_repeat: flag,
    disable_local_igmp: flag,
    enable_snmp_vrrp: flag,
    enable_snmp_keepalived: flag,
    enable_snmp_checker: flag,
    enable_snmp_rfc: flag,
    enable_snmp_rfcv2: flag,
    enable_snmp_rfcv3: flag,
    enable_traps: flag,
    snmp_socket: z
      .string({ error: 'must be a socket path or tcp:HOST:PORT' })
      .regex(/^(unix:)?\/\S+$|^tcp:\S+:\d+$/, { error: 'must be a socket path or tcp:HOST:PORT' }),
    dynamic_interfaces: z.union([flag, z.literal('allow_if_changes')], {
      error: 'must be true, false or allow_if_changes',
    }),
    fifo_write_vrrp_states_on_reload: flag,
    vmac_prefix: z.string().regex(/^[^\s/:]{1,11}$/, { error: 'must be an interface name prefix (1-11 characters)' }),
    vmac_addr_prefix: z
      .string()
      .regex(/^[^\s/:]{1,11}$/, { error: 'must be an interface name prefix (1-11 characters)' }),
    // Read by the keepalived reader (its ${_RANDOM}s); nothing else in vipd draws random numbers a user sees.
    random_seed: wholeNumber(0, 4_294_967_295),
    state_dump_file: absolutePath,
    bfdd_socket: absolutePath,
    stats_dump_file: absolutePath,
    json_dump_file: absolutePath,
    startup_script: notifyCommand,
    startup_script_timeout: wholeNumber(1, 1000),
    shutdown_script: notifyCommand,
    shutdown_script_timeout: wholeNumber(1, 1000),
    umask,
    vrrp_min_garp: flag,
    vrrp_startup_delay: seconds(0, 4_294_967),
    vrrp_delay_after_boot: seconds(0, 4_294_967),
    vrrp_notify_priority_changes: flag,
    vrrp_priority: wholeNumber(-20, 19),
    vrrp_rt_priority: wholeNumber(1, REALTIME_MAX),
    vrrp_rlimit_rttime: wholeNumber(2, 4_294_967_295),
    vrrp_no_swap: flag,
    vrrp_cpu_affinity: cpuList,
    // Bare: the highest priority there is; -1 is keepalived's "off, and no start-up notice".
    max_auto_priority: z.union([z.literal(true).transform(() => REALTIME_MAX), wholeNumber(-1, REALTIME_MAX)], {
      error: `must be a realtime priority from -1 to ${REALTIME_MAX} (or nothing: ${REALTIME_MAX})`,
    }),
    min_auto_priority_delay: wholeNumber(1, 10_000_000),
    vrrp_skip_check_adv_addr: flag,
    v3_checksum_as_v2: flag,
    vrrp_down_timer_adverts: wholeNumber(1, 100),
    script_user: userSpec,
    enable_script_security: flag,
    vrrp_strict: flag,
    net_namespace: z
      .string({ error: 'must be the name of a network namespace (ip netns)' })
      .regex(/^[^/\s.][^/\s]*$/, { error: 'must be the name of a network namespace (ip netns), not a path' }),
    vrrp_garp_interval: pacing,
    vrrp_gna_interval: pacing,
    notify_fifo: fifoSpec,
    notify_fifo_script: command,
    vrrp_notify_fifo: fifoSpec,
    vrrp_notify_fifo_script: command,
    lvs_notify_fifo: fifoSpec,
    lvs_notify_fifo_script: command,
    ...lvsGlobalFields,
  })
  .partial();

export function buildGlobalDefs(node: unknown, report: Reporter): GlobalDefs {
  let g: RawGlobal = {};
  if (node !== undefined && node !== null) {
    if (!isMap(node)) report.error(['global_defs'], 'value', 'global_defs must be a map of keywords');
    else {
      const hints = Object.fromEntries(
        Object.entries(INSTANCE_TO_GLOBAL).map(([inst, glob]) => [inst, `the global_defs form is ${glob}`]),
      );
      g = parseSection(
        node,
        ['global_defs'],
        {
          schema: globalDefsSchema,
          where: 'global_defs',
          unsupported: UNSUPPORTED_GLOBAL,
          notUsed: NOT_USED_BY_VIPD.global_defs,
          hints,
        },
        report,
      ).data;
    }
  }
  // vrrp_min_garp: one GARP/NA, no second block 5 s later, where the file sets neither (keepalived).
  const min = g.vrrp_min_garp === true;
  const masterDelayMs = (g.vrrp_garp_master_delay ?? (min ? 0 : DEFAULTS.garpMasterDelaySeconds)) * 1000;
  const masterRepeat = g.vrrp_garp_master_repeat ?? (min ? 1 : DEFAULTS.garpMasterRepeat);
  // A group of the other family is refused; the VRRP group itself is the default, kept out of the model.
  const family = (group: string | undefined, f: 4 | 6, key: string): string | undefined => {
    if (group === undefined) return undefined;
    if (addressFamily(group) !== f) {
      report.error(['global_defs', key], 'value', `${key} must be an IPv${f} multicast address, got ${group}`);
      return undefined;
    }
    return group === VRRP_MULTICAST_GROUP[f] ? undefined : group;
  };
  for (const key of ['vrrp_iptables', 'vrrp_ipsets'] as const) {
    if (g[key] !== undefined) {
      report.compat(
        ['global_defs', key],
        'key',
        `${key}: vipd's no_accept rules are nftables ones (global_defs nftables NAME names their table), not ` +
          'iptables chains or ipsets; keepalived 2.2.7 built with nftables ignores it too',
        `${key}: vipd's no_accept rules are nftables ones: write nftables NAME for their table`,
      );
    }
  }
  if (g.nftables_ifindex !== undefined) {
    report.warn(
      ['global_defs', 'nftables_ifindex'],
      'key',
      "nftables_ifindex has no effect: vipd's rules name no interface",
    );
  }
  for (const key of ['vrrp_garp_interval', 'vrrp_gna_interval'] as const) {
    if (g[key] === 0 && report.keepalived) {
      report.lenient(
        ['global_defs', key],
        'value',
        `${key} 0: keepalived 2.2.7 calls 0 invalid and ignores the line; its default is 0 as well (no pacing), ` +
          "and so is vipd's: remove the line",
      );
    }
  }
  const { user, group } = userOf(g.script_user, ['global_defs', 'script_user'], report) ?? {};
  return {
    routerId: g.router_id,
    vrrpVersion: g.vrrp_version ?? DEFAULTS.vrrpVersion,
    garp: {
      masterDelayMs,
      masterRepeat,
      masterRefreshMs: (g.vrrp_garp_master_refresh ?? (min ? 0 : DEFAULTS.garpMasterRefreshSeconds)) * 1000,
      masterRefreshRepeat: g.vrrp_garp_master_refresh_repeat ?? DEFAULTS.garpMasterRefreshRepeat,
      // keepalived: the lower-priority values default to the *global* master values.
      lowerPrioDelayMs:
        g.vrrp_garp_lower_prio_delay !== undefined ? g.vrrp_garp_lower_prio_delay * 1000 : masterDelayMs,
      lowerPrioRepeat: g.vrrp_garp_lower_prio_repeat ?? masterRepeat,
    },
    downTimerAdverts: g.vrrp_down_timer_adverts ?? DEFAULTS.downTimerAdverts,
    lowerPrioNoAdvert: g.vrrp_lower_prio_no_advert ?? DEFAULTS.lowerPrioNoAdvert,
    higherPrioSendAdvert: g.vrrp_higher_prio_send_advert ?? DEFAULTS.higherPrioSendAdvert,
    checkUnicastSrc: g.vrrp_check_unicast_src ?? DEFAULTS.checkUnicastSrc,
    ownerIgnoreAdverts: g.vrrp_owner_ignore_adverts ?? false,
    defaultInterface: g.default_interface,
    garpGroups: [],
    linkDelays: {},
    firewall: {
      table: g.nftables ?? 'vipd',
      // keepalived's chain priority is -1 (before filter); vipd's own table keeps filter (0) unless told.
      priority: g.nftables_priority ?? (g.nftables !== undefined ? -1 : 0),
      counters: g.nftables_counters ?? false,
    },
    mcastGroups: {
      4: family(g.vrrp_mcast_group4, 4, 'vrrp_mcast_group4'),
      6: family(g.vrrp_mcast_group6, 6, 'vrrp_mcast_group6'),
    },
    logUnknownVrids: g.log_unknown_vrids ?? false,
    reloadFile: g.reload_file,
    reloadTimeFile: g.reload_time_file,
    reloadRepeat: g.reload_repeat ?? false,
    disableLocalIgmp: g.disable_local_igmp ?? false,
    snmp: snmpOf(g),
    dynamicInterfaces: g.dynamic_interfaces !== undefined && g.dynamic_interfaces !== false,
    fifoWriteStatesOnReload: g.fifo_write_vrrp_states_on_reload ?? false,
    vmacPrefix: g.vmac_prefix ?? 'vrrp',
    addressVmacPrefix: g.vmac_addr_prefix ?? g.vmac_prefix ?? 'vrrp',
    dumpFiles: { state: g.state_dump_file, stats: g.stats_dump_file, json: g.json_dump_file },
    startupScript: g.startup_script && { ...g.startup_script, timeoutMs: (g.startup_script_timeout ?? 10) * 1000 },
    shutdownScript: g.shutdown_script && { ...g.shutdown_script, timeoutMs: (g.shutdown_script_timeout ?? 10) * 1000 },
    umask: g.umask,
    bfddSocket: g.bfdd_socket,
    startupDelayMs: toMs(g.vrrp_startup_delay ?? 0),
    delayAfterBootMs: toMs(g.vrrp_delay_after_boot ?? 0),
    notifyPriorityChanges: g.vrrp_notify_priority_changes ?? false,
    skipCheckAdvAddr: g.vrrp_skip_check_adv_addr ?? false,
    v3ChecksumAsV2: g.v3_checksum_as_v2 ?? DEFAULTS.v3ChecksumAsV2,
    scriptUser: user ? { user, group } : undefined,
    enableScriptSecurity: g.enable_script_security ?? false,
    garpIntervalMs: toMs(g.vrrp_garp_interval ?? 0),
    gnaIntervalMs: toMs(g.vrrp_gna_interval ?? 0),
    vrrpStrict: g.vrrp_strict ?? false,
    garpExtraIf: g.vrrp_garp_extra_if,
    netNamespace: g.net_namespace,
    notifyFifos: (['notify_fifo', 'vrrp_notify_fifo', 'lvs_notify_fifo'] as const).flatMap((keyword) => {
      const fifo = g[keyword];
      const script = g[`${keyword}_script`];
      return fifo ? [{ keyword, ...fifo, script }] : [];
    }),
    lvs: buildLvsGlobals(g, report),
    process: {
      niceness: g.vrrp_priority,
      realtimePriority: g.vrrp_rt_priority,
      rlimitRttimeUs: g.vrrp_rlimit_rttime ?? DEFAULT_PROCESS_SETTINGS.rlimitRttimeUs,
      noSwap: g.vrrp_no_swap ?? false,
      cpuAffinity: g.vrrp_cpu_affinity,
      maxAutoPriority: g.max_auto_priority ?? DEFAULT_PROCESS_SETTINGS.maxAutoPriority,
      minAutoPriorityDelayMs:
        g.min_auto_priority_delay !== undefined
          ? g.min_auto_priority_delay / 1000
          : DEFAULT_PROCESS_SETTINGS.minAutoPriorityDelayMs,
    },
  };
}

/** The SNMP settings, when some MIB is enabled (keepalived: enable_snmp_keepalived is enable_snmp_vrrp's old name). */
function snmpOf(g: {
  enable_snmp_vrrp?: boolean | undefined;
  enable_snmp_keepalived?: boolean | undefined;
  enable_snmp_checker?: boolean | undefined;
  enable_snmp_rfc?: boolean | undefined;
  enable_snmp_rfcv2?: boolean | undefined;
  enable_snmp_rfcv3?: boolean | undefined;
  enable_traps?: boolean | undefined;
  snmp_socket?: string | undefined;
}): GlobalDefs['snmp'] {
  const keepalived = g.enable_snmp_vrrp === true || g.enable_snmp_keepalived === true;
  const rfcv2 = g.enable_snmp_rfcv2 === true || g.enable_snmp_rfc === true;
  const rfcv3 = g.enable_snmp_rfcv3 === true || g.enable_snmp_rfc === true;
  const checker = g.enable_snmp_checker === true;
  if (!keepalived && !checker && !rfcv2 && !rfcv3) return undefined;
  const traps = g.enable_traps === true;
  return { keepalived, checker, rfcv2, rfcv3, traps, socket: g.snmp_socket ?? DEFAULT_AGENTX_SOCKET };
}
