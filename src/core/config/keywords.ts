/**
 * keepalived keywords vipd recognises but whose behaviour is not built yet: THE central list. Using one is an
 * error ("X is not supported yet", at the keyword), never a silent no-op: a failover agent that quietly drops a
 * track_script or a use_vmac runs a different failover than the one its operator wrote. Anything neither
 * supported nor listed here is an "unknown keyword". Sources: keepalived.conf(5) and vrrp_parser.c /
 * global_parser.c at 9cbce3e2.
 *
 * Two kinds of entries (schema/ tells them apart by whether its schema has the keyword):
 * - *modelled*: the schema parses and checks the value into the model anyway (so check-config reports errors
 *   inside it and convert round-trips), then refuses it. When a feature lands, delete its keyword here and the
 *   daemon reads the model field.
 * - *not modelled*: refused without looking at the value.
 */

/** The top-level blocks vipd runs (besides global_defs and vrrp_instance). */
export const TOP_LEVEL_BLOCKS: readonly string[] = [
  'vrrp_sync_group',
  'vrrp_script',
  'track_file',
  'vrrp_track_file',
  'vrrp_check',
  'virtual_server',
  'virtual_server_group',
  'static_ipaddress',
  'static_routes',
  'static_rules',
  'vrrp_track_process',
  'net_namespace',
  'garp_group',
  'SSL',
  'interface_up_down_delays',
  'track_group',
  'announce',
];

/** Top-level blocks. */
export const UNSUPPORTED_TOP_LEVEL: ReadonlySet<string> = new Set([]);

/** keepalived's top-level blocks that vipd does another way on purpose: the error says which. */
export const REPLACED_TOP_LEVEL: ReadonlyMap<string, string> = new Map([
  [
    'bfd_instance',
    "bfd_instance: vipd runs no BFD of its own; configure the session in FRR's bfdd (frr.conf: bfd / peer " +
      'ADDRESS) and track it with track_bfd ADDRESS',
  ],
]);

/** global_defs keywords (VRRP, process and notification side). */
export const UNSUPPORTED_GLOBAL: ReadonlySet<string> = new Set(['json_version']);

/**
 * keepalived 2.2.7's deprecated names, by context: read as the current keyword, with a lenient warning (keepalived
 * says "deprecated - please use ..." and reads them so).
 */
export const DEPRECATED_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  global_defs: {
    vrrp_rlimit_rtime: 'vrrp_rlimit_rttime',
    checker_rlimit_rtime: 'checker_rlimit_rttime',
    bfd_rlimit_rtime: 'bfd_rlimit_rttime',
    lvs_process_name: 'checker_process_name',
    vrrp_vmac_garp_intvl: 'vrrp_garp_extra_if',
  },
  vrrp_instance: { vmac_garp_intvl: 'garp_extra_if' },
};

/** keepalived keywords newer than 2.2.7 (2.2.7 itself says "Unknown keyword"): refused with that said. */
export const NEWER_THAN_2_2_7: ReadonlySet<string> = new Set(['timer_expired_backup', 'auth_hmac', 'json_version']);

/** vrrp_instance keywords. */
export const UNSUPPORTED_INSTANCE: ReadonlySet<string> = new Set(['auth_hmac', 'timer_expired_backup']);

/** vrrp_sync_group keywords not built yet. */
export const UNSUPPORTED_SYNC_GROUP: ReadonlySet<string> = new Set([]);

/** keepalived checker options a vrrp_check's checker block does not have (yet). */
export const UNSUPPORTED_CHECKER: ReadonlySet<string> = new Set(['alpha']);

/** keepalived `url { }` options vipd does not have (yet). */
export const UNSUPPORTED_URL: ReadonlySet<string> = new Set([]);

/**
 * Flags keepalived reads a true/false word after (check_true_false: true/on/yes, false/off/no); any other word is
 * an error there, as in vipd. keepalived's other flags read no value at all: `nopreempt 0` sets nopreempt.
 */
export const KEEPALIVED_BOOLEAN_FLAGS: ReadonlySet<string> = new Set([
  'higher_prio_send_advert',
  'vrrp_higher_prio_send_advert',
  'lower_prio_no_advert',
  'vrrp_lower_prio_no_advert',
  'vrrp_min_garp',
  'notify_priority_changes',
  'vrrp_notify_priority_changes',
  'owner_ignore_adverts',
  'vrrp_owner_ignore_adverts',
  'skip_check_adv_addr',
  'vrrp_skip_check_adv_addr',
  'strict_mode',
  'smtp_alert',
  'alpha',
  'inhibit_on_failure',
  'log_all_failures',
  'checker_log_all_failures',
]);

/** Keywords keepalived once had and 2.2.7 ignores as unknown, wherever they are written: why. */
export const OBSOLETE_KEYWORDS: ReadonlyMap<string, string> = new Map([
  ['nat_mask', 'an LVS keyword of keepalived 1.x, without effect since'],
]);

/** Instance keyword → its global_defs form, for "belongs in global_defs" hints (and the reverse). */
export const INSTANCE_TO_GLOBAL: Readonly<Record<string, string>> = {
  garp_master_delay: 'vrrp_garp_master_delay',
  garp_master_repeat: 'vrrp_garp_master_repeat',
  garp_master_refresh: 'vrrp_garp_master_refresh',
  garp_master_refresh_repeat: 'vrrp_garp_master_refresh_repeat',
  garp_lower_prio_delay: 'vrrp_garp_lower_prio_delay',
  garp_lower_prio_repeat: 'vrrp_garp_lower_prio_repeat',
  lower_prio_no_advert: 'vrrp_lower_prio_no_advert',
  higher_prio_send_advert: 'vrrp_higher_prio_send_advert',
  check_unicast_src: 'vrrp_check_unicast_src',
  down_timer_adverts: 'vrrp_down_timer_adverts',
  version: 'vrrp_version',
  strict_mode: 'vrrp_strict',
};

/** A close known keyword for a typo (edit distance ≤ 2, a prefix of 5+ characters, vrrp_ left out), or undefined. */
export function suggest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    // keepalived's vrrp_ prefix forgotten or added counts as close, as a prefix of 5+ characters does.
    const prefix =
      Math.min(word.length, k.length) >= 5 &&
      (k.startsWith(word) || word.startsWith(k) || k === `vrrp_${word}` || word === `vrrp_${k}`);
    const d = prefix ? 1.5 : distance(word, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD <= 2 ? best : undefined;
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] as number;
      prev[j] = Math.min(up + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] as number;
}

/**
 * Parts of keepalived that are not VRRP (LVS, SMTP, SNMP, D-Bus, BFD, keepalived's process settings): vipd reads
 * past them with a warning "keyword X is not used by vipd (WHY)", in keepalived.conf and YAML alike, so a converted
 * configuration keeps working. VRRP behaviour that is not built yet is refused instead (the UNSUPPORTED_* sets).
 */
export type KeywordContext = 'top' | 'global_defs' | 'vrrp_instance' | 'vrrp_sync_group';

const why = (reason: string, ...keywords: string[]): [string, string][] => keywords.map((k) => [k, reason]);
const PROCESS = 'keepalived process settings';
const LINKS = 'vipd follows every link by netlink events, which keepalived polls only with linkbeat';
const RX_BUFFERS = 'vipd gives each VRRP socket a 1 MiB receive buffer, forced, and counts what overflows it';

export const NOT_USED_BY_VIPD: Readonly<Record<KeywordContext, ReadonlyMap<string, string>>> = {
  top: new Map([
    ...why('LVS', 'net_namespace_ipvs'),
    ...why(PROCESS, 'namespace_with_ipsets', 'use_pid_dir', 'instance', 'child_wait_time'),
    ...why(LINKS, 'linkbeat_interfaces', 'linkbeat_use_polling'),
  ]),
  global_defs: new Map([
    ...why(
      'SMTP',
      'notification_email',
      'notification_email_from',
      'smtp_server',
      'smtp_helo_name',
      'smtp_connect_timeout',
      'smtp_alert',
      'smtp_alert_vrrp',
      'smtp_alert_checker',
      'no_email_faults',
      'no_checker_emails',
    ),
    ...why(
      'LVS',
      'lvs_id',
      'checker_process_name',
      'checker_priority',
      'checker_rt_priority',
      'checker_no_swap',
      'checker_cpu_affinity',
      'checker_rlimit_rttime',
      'net_namespace_ipvs',
    ),
    ...why('D-Bus', 'enable_dbus', 'dbus_service_name', 'enable_dbus_create_instance'),
    ...why(
      'BFD',
      'bfd_process_name',
      'bfd_priority',
      'bfd_rt_priority',
      'bfd_no_swap',
      'bfd_cpu_affinity',
      'bfd_rlimit_rttime',
    ),
    ...why(
      PROCESS,
      'process_names',
      'process_name',
      'vrrp_process_name',
      'tmp_config_directory',
      'config_save_dir',
      'namespace_with_ipsets',
      'use_pid_dir',
      'child_wait_time',
      'instance',
      'data_use_instance',
    ),
    ...why(LINKS, 'linkbeat_use_polling', 'linkbeat_interfaces'),
    ...why(RX_BUFFERS, 'vrrp_rx_bufs_policy', 'vrrp_rx_bufs_multiplier'),
    ...why(
      'vipd sizes its netlink sockets itself',
      'vrrp_netlink_cmd_rcv_bufs',
      'vrrp_netlink_cmd_rcv_bufs_force',
      'vrrp_netlink_monitor_rcv_bufs',
      'vrrp_netlink_monitor_rcv_bufs_force',
      'lvs_netlink_cmd_rcv_bufs',
      'lvs_netlink_cmd_rcv_bufs_force',
      'lvs_netlink_monitor_rcv_bufs',
      'lvs_netlink_monitor_rcv_bufs_force',
      'process_monitor_rcv_bufs',
      'process_monitor_rcv_bufs_force',
    ),
    ...why(
      'vipd always checks a configuration before a reload, and keeps the running one when it is broken',
      'reload_check_config',
    ),
    ...why(
      'vipd reads route tables and protocols by number or by iproute2 built-in name',
      'iproute_usr_dir',
      'iproute_etc_dir',
    ),
  ]),
  vrrp_instance: new Map([
    ...why('SMTP', 'smtp_alert'),
    ...why('deprecated in keepalived: the addresses decide the family', 'native_ipv6'),
    ...why("vipd's --log-level sets how much it logs", 'debug'),
    ...why(RX_BUFFERS, 'kernel_rx_buf_size'),
    ...why(LINKS, 'linkbeat_use_polling'),
  ]),
  vrrp_sync_group: new Map(why('SMTP', 'smtp_alert')),
};

/** The warning for a keyword in NOT_USED_BY_VIPD, the same text in both formats. */
export const notUsedMessage = (keyword: string, reason: string): string =>
  `keyword ${keyword} is not used by vipd (${reason})`;
