/**
 * How each keepalived keyword maps onto the plain tree that schema/ validates (the same tree the YAML front
 * end produces). Per block kind: which keywords open named blocks, plain sections, or list blocks; which are
 * commands; which keepalived features vipd leaves out on purpose (warned, never silently dropped). Any other
 * keyword goes into the tree as written, so the schema can call it unknown or "not supported yet".
 */

import { type KeywordContext, NOT_USED_BY_VIPD } from '../keywords.js';

export type Context =
  | 'top'
  | 'global_defs'
  | 'vrrp_instance'
  | 'vrrp_sync_group'
  | 'vrrp_script'
  | 'vrrp_check'
  | 'checker'
  | 'virtual_server'
  | 'real_server'
  | 'section'
  | 'garp_group'
  | 'track_group'
  | 'announce';

export type Rule =
  /** `KW NAME { ... }` → tree[KW][NAME] = map (in context `ctx`); `multiWord`: NAME is every word (`10.0.0.1 80`). */
  | { kind: 'named'; ctx: Context; multiWord?: boolean }
  /** `KW NAME { line \n line }` → tree[KW][NAME] = ["line", "line"] (virtual_server_group). */
  | { kind: 'namedList' }
  /** `KW { ... }` → tree[KW] = map. */
  | { kind: 'section'; ctx: Context }
  /** `KW { ... }`, repeatable → tree[KW] = [map, map] (a checker's `url { }` blocks). */
  | { kind: 'sectionList'; ctx: Context }
  /** `KW { line \n line }` → tree[KW] = ["line", "line"]; `inline`: `KW line` appends one line too (repeatable). */
  | { kind: 'list'; inline?: boolean }
  /** Left out of the tree with a warning "keyword KW is not used by vipd (WHY)". */
  | { kind: 'ignored'; why: string };

/** keywords.ts's NOT_USED_BY_VIPD for one context, as rules that leave them out of the tree with a warning. */
const notUsed = (ctx: KeywordContext): [string, Rule][] =>
  [...NOT_USED_BY_VIPD[ctx]].map(([k, why]): [string, Rule] => [k, { kind: 'ignored', why }]);
const lists = (...kws: string[]): [string, Rule][] => kws.map((k) => [k, { kind: 'list' }]);

const TOP: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['global_defs', { kind: 'section', ctx: 'global_defs' }],
  ['vrrp_instance', { kind: 'named', ctx: 'vrrp_instance' }],
  ['vrrp_sync_group', { kind: 'named', ctx: 'vrrp_sync_group' }],
  ['vrrp_script', { kind: 'named', ctx: 'vrrp_script' }],
  ['track_file', { kind: 'named', ctx: 'section' }],
  ['vrrp_track_file', { kind: 'named', ctx: 'section' }],
  ['vrrp_check', { kind: 'named', ctx: 'vrrp_check' }],
  ['virtual_server', { kind: 'named', ctx: 'virtual_server', multiWord: true }],
  ['virtual_server_group', { kind: 'namedList' }],
  ['static_ipaddress', { kind: 'list' }],
  ['static_routes', { kind: 'list' }],
  ['vrrp_track_process', { kind: 'named', ctx: 'section' }],
  ['static_rules', { kind: 'list' }],
  ['garp_group', { kind: 'sectionList', ctx: 'garp_group' }],
  ['interface_up_down_delays', { kind: 'list' }],
  ['track_group', { kind: 'named', ctx: 'track_group' }],
  ['announce', { kind: 'named', ctx: 'announce' }],
  ...notUsed('top'),
  // VRRP-side features vipd does not have yet (static_*, track_group, linkbeat, garp_group, bfd_instance,
  // vrrp_track_process) are not ignored: they reach the tree and the schema refuses them as "not supported yet".
]);

const GLOBAL: ReadonlyMap<string, Rule> = new Map<string, Rule>(notUsed('global_defs'));

const TRACKERS = ['track_interface', 'track_script', 'track_file', 'track_process', 'track_bfd'];

const INSTANCE: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['authentication', { kind: 'section', ctx: 'section' }],
  ['auth_hmac', { kind: 'section', ctx: 'section' }],
  ...lists(
    'virtual_ipaddress',
    'virtual_ipaddress_excluded',
    'unicast_peer',
    'virtual_routes',
    'virtual_rules',
    ...TRACKERS,
    'track_check',
  ),
  ...notUsed('vrrp_instance'),
]);

/** vipd's `vrrp_check NAME { HTTP_GET { ... url { ... } url { ... } } delay_loop 2 ... }`. */
const VRRP_CHECK: ReadonlyMap<string, Rule> = new Map<string, Rule>(
  ['TCP_CHECK', 'HTTP_GET', 'SSL_GET', 'MISC_CHECK'].map((k) => [k, { kind: 'section', ctx: 'checker' }]),
);

const CHECKER: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['url', { kind: 'sectionList', ctx: 'section' }],
  // SMTP_CHECK's legacy host { connect_ip ... } blocks.
  ['host', { kind: 'sectionList', ctx: 'section' }],
]);

const VIRTUAL_SERVER: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ['real_server', { kind: 'named', ctx: 'real_server', multiWord: true }],
]);

/** A real server may hold several checkers, of any types (each a list in the tree). */
const REAL_SERVER: ReadonlyMap<string, Rule> = new Map<string, Rule>(
  [
    'TCP_CHECK',
    'HTTP_GET',
    'SSL_GET',
    'MISC_CHECK',
    'DNS_CHECK',
    'SMTP_CHECK',
    'UDP_CHECK',
    'PING_CHECK',
    'FILE_CHECK',
    'BFD_CHECK',
  ].map((k) => [k, { kind: 'sectionList', ctx: 'checker' }]),
);

/** Flag keywords of a sync group: written bare, like the legacy bare member names they must not be taken for. */
export const SYNC_GROUP_FLAGS: ReadonlySet<string> = new Set([
  'sync_group_tracking_weight',
  'global_tracking',
  'notify_priority_changes',
]);

const SYNC_GROUP: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ...lists('group', ...TRACKERS, 'track_check'),
  ...notUsed('vrrp_sync_group'),
]);

/** `garp_group { garp_interval S  gna_interval S  interface IF | interfaces { IF IF } }`, repeatable. */
const GARP_GROUP: ReadonlyMap<string, Rule> = new Map<string, Rule>(lists('interfaces'));

/** `track_group NAME { group { VI_1 VI_2 } }`. */
const TRACK_GROUP: ReadonlyMap<string, Rule> = new Map<string, Rule>(lists('group'));

/**
 * vipd's `announce NAME { prefix P ... track_virtual_server ADDR PORT ... track_check NAME ... }`: each list is
 * written a line at a time (`prefix 192.0.2.10/32`, repeatable) or as a block, like the instance's trackers.
 */
const ANNOUNCE: ReadonlyMap<string, Rule> = new Map<string, Rule>(
  ['prefix', 'track_virtual_server', ...TRACKERS, 'track_check'].map((k) => [k, { kind: 'list', inline: true }]),
);

const NONE: ReadonlyMap<string, Rule> = new Map();

export function ruleFor(ctx: Context, keyword: string): Rule | undefined {
  const table =
    ctx === 'top'
      ? TOP
      : ctx === 'global_defs'
        ? GLOBAL
        : ctx === 'vrrp_instance'
          ? INSTANCE
          : ctx === 'vrrp_sync_group'
            ? SYNC_GROUP
            : ctx === 'vrrp_check'
              ? VRRP_CHECK
              : ctx === 'checker'
                ? CHECKER
                : ctx === 'virtual_server'
                  ? VIRTUAL_SERVER
                  : ctx === 'real_server'
                    ? REAL_SERVER
                    : ctx === 'garp_group'
                      ? GARP_GROUP
                      : ctx === 'track_group'
                        ? TRACK_GROUP
                        : ctx === 'announce'
                          ? ANNOUNCE
                          : NONE;
  return table.get(keyword);
}

/**
 * Commands (`notify_master "/path/x.sh arg"`, `script "..."`): the first word, without its double quotes and
 * with its backslash escapes left for command.ts's splitter, which splits it into argv as keepalived does.
 * Words after it are keepalived's `[username [groupname]]`.
 */
export const COMMANDS: ReadonlySet<string> = new Set([
  'notify',
  'notify_master',
  'notify_backup',
  'notify_fault',
  'notify_stop',
  'notify_deleted',
  'notify_master_rx_lower_pri',
  'script',
  'startup_script',
  'shutdown_script',
  'notify_fifo_script',
  'vrrp_notify_fifo_script',
  'lvs_notify_fifo_script',
  'misc_path',
  'notify_up',
  'notify_down',
  'quorum_up',
  'quorum_down',
]);

/** Keywords whose single value stays text even when it looks like a number (`auth_pass 1111`). */
export const TEXT_VALUES: ReadonlySet<string> = new Set([
  'auth_pass',
  'umask',
  'auth_type',
  'router_id',
  'interface',
  'state',
  'unicast_src_ip',
  'mcast_src_ip',
  'mcast_dst_ip',
  'script_user',
  'user',
  'use_vmac',
  'vrf',
  'file',
  'net_namespace',
  'default_interface',
  'vrrp_mcast_group4',
  'vrrp_mcast_group6',
  'vmac_prefix',
  'vmac_addr_prefix',
  'notify_fifo',
  'lvs_notify_fifo',
  'vrrp_notify_fifo',
  'connect_ip',
  'bindto',
  'bind_if',
  'path',
  'digest',
  'regex',
  'virtualhost',
  'sni_name',
  'lb_algo',
  'lvs_sched',
  'lb_kind',
  'lvs_method',
  'sorry_server_lvs_method',
  'persistence_granularity',
  'payload',
  'require_reply',
  'name',
  'helo_name',
  'type',
  'track_file',
  'lvs_sync_daemon',
  'lvs_timeouts',
]);

/** Top-level keywords that only keepalived.conf has: used by looksLikeKeepalivedConf. */
export const TOP_LEVEL_WORDS: ReadonlySet<string> = new Set([
  'global_defs',
  'vrrp_instance',
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
  'bfd_instance',
  'linkbeat_interfaces',
  'garp_group',
  'net_namespace',
  'include',
]);
