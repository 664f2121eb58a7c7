/**
 * vipd's VRRP state as the MIBs keepalived serves (keepalived.conf(5) `enable_snmp_vrrp`, `enable_snmp_rfcv2`,
 * `enable_snmp_rfcv3`): KEEPALIVED-MIB's vrrpInstanceTable and vrrpAddressTable, RFC 2787's VRRP-MIB and RFC 6527's
 * VRRPv3-MIB. Values and their encodings follow what keepalived 2.2.7 answers for the same configuration (its
 * vrrp_snmp.c, checked by walking both under one snmpd), including where keepalived departs from the RFC (an
 * InetAddress index without its length; the interface's MAC where no VMAC is used). Pure: a view in, the objects
 * sorted by OID out, rebuilt per request.
 */
import { parseAddress } from '../codec/ip-address.js';
import type { DropReason } from '../codec/reasons.js';
import type { InstanceConfig, NotifyScripts, SyncGroupConfig } from '../config/model.js';
import type { AddressSpec } from '../net.js';
import type { VrrpState } from '../vrrp/types.js';
import { compareOids, type Oid, oid, TYPE, type VarBind } from './agentx.js';
import { CHECK_SUBTREE, type CheckView, checkMibObjects } from './check-mib.js';
import { commandText, counter, counter64, gauge, inetType, int, ipAddress, octets, ticks, truth } from './values.js';

export const SUBTREES = {
  keepalivedGlobal: oid('1.3.6.1.4.1.9586.100.5.1'),
  keepalivedVrrp: oid('1.3.6.1.4.1.9586.100.5.2'),
  rfcv2: oid('1.3.6.1.2.1.68'),
  rfcv3: oid('1.3.6.1.2.1.207'),
} as const;

export interface MibParts {
  /** enable_snmp_vrrp (enable_snmp_keepalived): KEEPALIVED-MIB's global and VRRP parts. */
  keepalived: boolean;
  /** enable_snmp_checker: KEEPALIVED-MIB's global and checker parts (check-mib.ts). */
  checker: boolean;
  /** enable_snmp_rfcv2 (or enable_snmp_rfc): VRRP-MIB, RFC 2787, IPv4 instances. */
  rfcv2: boolean;
  /** enable_snmp_rfcv3 (or enable_snmp_rfc): VRRPv3-MIB, RFC 6527. */
  rfcv3: boolean;
}

/** Why the router is master (RFC 6527 vrrpv3StatisticsNewMasterReason). */
export type NewMasterReason = 'notMaster' | 'priority' | 'preempted' | 'masterNoResponse';

export interface SnmpInstance {
  config: InstanceConfig;
  state: VrrpState;
  effectivePriority: number;
  /** The master's address: its own while master, the last accepted advert's source as backup. */
  masterAddress: string | undefined;
  primaryAddress: string;
  /** The interface the instance sends on (0 while it does not exist). */
  ifindex: number;
  /** The MAC its VIPs answer with: the VMAC's, else the interface's. */
  mac: Uint8Array;
  /** Whether its VIPs are on the interface now. */
  vipsSet: boolean;
  /** TimeTicks (centiseconds since the agent started) when it left INIT; 0 while in it. */
  upTicks: number;
  newMasterReason: NewMasterReason;
  /** The last protocol error dropped (RFC 6527 ProtoErrReason), if any. */
  lastProtocolError?: DropReason | undefined;
  counters: {
    becomeMaster: number;
    advertsReceived: number;
    intervalErrors: number;
    ttlErrors: number;
    priorityZeroReceived: number;
    priorityZeroSent: number;
    invalidType: number;
    addressListErrors: number;
    lengthErrors: number;
    authFailures: number;
    authTypeInvalid: number;
    authTypeMismatch: number;
  };
}

export interface SnmpView {
  /** KEEPALIVED-MIB version text. */
  version: string;
  routerId: string;
  instances: readonly SnmpInstance[];
  staticAddresses: readonly AddressSpec[];
  syncGroups: readonly { config: SyncGroupConfig; state: VrrpState | 'STOP' }[];
  /** enable_traps: notifications are sent. */
  traps: boolean;
  /** An interface's index by name (0 when it does not exist). */
  ifindexOf: (ifname: string) => number;
  /** Adverts dropped before any instance: bad checksum, version, unknown VRID (RFC router statistics). */
  routerDrops: { checksum: number; version: number; vrid: number };
  /** The load balancer, when the checker part is served. */
  check?: CheckView | undefined;
  /** The global_defs settings KEEPALIVED-MIB's global part shows. */
  globals: {
    lvsFlush: boolean;
    lvsFlushOnStop: false | 'all' | 'vs';
    netNamespace?: string | undefined;
    dynamicInterfaces: boolean;
  };
}

const KEEPALIVED_STATE: Readonly<Record<VrrpState, number>> = { INIT: 0, BACKUP: 1, MASTER: 2, FAULT: 3 };
/** RFC 2787 / 6527 status: initialize(1), backup(2), master(3). */
const RFC_STATE: Readonly<Record<VrrpState, number>> = { INIT: 1, BACKUP: 2, MASTER: 3, FAULT: 1 };
const NEW_MASTER_REASON: Readonly<Record<NewMasterReason, number>> = {
  notMaster: 0,
  priority: 1,
  preempted: 2,
  masterNoResponse: 3,
};
/** RFC 6527 vrrpv3StatisticsProtoErrReason: noError(0), ipTtlError(1), versionError(2), checksumError(3), vrIdError(4). */
const PROTO_ERROR: Readonly<Record<string, number>> = { ip_ttl: 1, version: 2, checksum: 3, vrid: 4 };
/** RFC 2787 vrrpTrapAuthErrorType: invalidAuthType(1), authTypeMismatch(2), authFailure(3). */
const AUTH_ERROR: Readonly<Record<string, number>> = { auth_unsupported: 1, auth_type_mismatch: 2, auth_failure: 3 };
const ZERO_ADDRESS = { 4: '0.0.0.0', 6: '::' } as const;
/** InetScopeType: global(14), link(2), host(1) as keepalived maps the kernel's scopes. */
const SCOPE: Readonly<Record<string, number>> = { global: 14, site: 5, link: 2, host: 1, nowhere: 0 };

/**
 * KEEPALIVED-MIB's global part as keepalived answers it. vipd sends no e-mail: the mail objects are those of a
 * keepalived without smtp_server (no address: type 2 and four zero octets, as keepalived answers then; alerts unset).
 */
function keepalivedGlobal(view: SnmpView): VarBind[] {
  const g = SUBTREES.keepalivedGlobal;
  const at = (...leaf: number[]) => [...g, ...leaf, 0];
  const s = view.globals;
  const UNSET = 3;
  return [
    octets(at(1), view.version),
    octets(at(2), view.routerId),
    int(at(3, 1), 2),
    octets(at(3, 2), new Uint8Array(4)),
    gauge(at(3, 3), 0),
    gauge(at(3, 6), 0),
    truth(at(3, 7), true),
    int(at(3, 8), UNSET),
    int(at(3, 9), UNSET),
    int(at(3, 10), UNSET),
    truth(at(4), view.traps),
    int(at(5), 1), // linkBeat: netlink (vipd follows links by netlink; keepalived's polling is 2)
    truth(at(6), s.lvsFlush),
    truth(at(7), true), // ipvs64BitStats: vipd reads the 64-bit counters
    octets(at(8), s.netNamespace ?? ''),
    truth(at(9), false), // D-Bus
    truth(at(10), s.dynamicInterfaces),
    int(at(11), s.lvsFlushOnStop === 'all' ? 1 : s.lvsFlushOnStop === 'vs' ? 3 : 2),
  ];
}

function keepalivedVrrp(view: SnmpView): VarBind[] {
  const out: VarBind[] = [];
  // vrrpSyncGroupTable and vrrpSyncGroupMemberTable.
  view.syncGroups.forEach(({ config: g, state }, i) => {
    const col = (n: number): Oid => [...SUBTREES.keepalivedVrrp, 1, 1, n, i + 1];
    const scripts = notifies(g.notify, { master: 6, backup: 7, fault: 8, generic: 9, stop: 11 });
    out.push(
      octets(col(2), g.name),
      int(col(3), state === 'STOP' ? 5 : KEEPALIVED_STATE[state]),
      truth(col(4), false),
      truth(col(5), scripts.length > 0),
      truth(col(10), g.trackingWeight),
    );
    for (const [n, command] of scripts) out.push(octets(col(n), command));
    g.instances.forEach((m, j) => {
      out.push(octets([...SUBTREES.keepalivedVrrp, 2, 1, 2, i + 1, j + 1], m));
    });
  });
  const table = [...SUBTREES.keepalivedVrrp, 3, 1];
  view.instances.forEach((x, i) => {
    const c = x.config;
    const col = (n: number): Oid => [...table, n, i + 1];
    const intervalUnits = c.version === 2 ? c.advertIntervalMs / 1000 : c.advertIntervalMs / 10;
    out.push(
      octets(col(2), c.name),
      gauge(col(3), c.vrid),
      int(col(4), KEEPALIVED_STATE[x.state]),
      int(col(5), KEEPALIVED_STATE[c.state]),
      int(col(6), x.state === 'FAULT' ? KEEPALIVED_STATE.FAULT : x.vipsSet ? 2 : 1),
      int(col(7), c.priority),
      int(col(8), x.effectivePriority),
      truth(col(9), x.vipsSet),
      octets(col(10), c.interface),
      truth(col(11), c.trackInterfaces.length > 0),
      gauge(col(12), Math.floor(intervalUnits)),
      truth(col(13), c.preempt),
      gauge(col(14), Math.floor(c.preemptDelayMs / 1000)),
      int(col(15), c.version === 2 ? authType(c) : 0),
      truth(col(16), false),
    );
    if (c.syncGroup !== undefined) out.push(octets(col(18), c.syncGroup));
    out.push(gauge(col(19), Math.floor(c.garp.masterDelayMs / 1000)), truth(col(20), false));
    const scripts = notifies(c.notify, INSTANCE_SCRIPTS);
    out.push(truth(col(21), scripts.length > 0));
    for (const [n, command] of scripts) out.push(octets(col(n), command));
    out.push(
      int(col(27), c.version === 3 ? (c.accept ? 1 : 2) : 0),
      truth(col(28), c.promoteSecondaries ?? false),
      truth(col(29), false),
      int(col(30), c.version),
      truth(col(33), c.notify.deleted !== undefined),
    );
    if (c.unicastPeers.length === 0) {
      const group = c.mcastGroup ?? (c.family === 4 ? '224.0.0.18' : 'ff02::12');
      out.push(int(col(34), inetType(c.family)), octets(col(35), parseAddress(group)));
    }
  });
  // vrrpAddressTable: the static addresses (instance index 0), then each instance's VIPs (advertised) and excluded
  // VIPs (not), numbered on across both. keepalived 2.2.7 marks every VIP after its first instance's as not
  // advertised (it does not reset its flag per instance); vipd says what the MIB means.
  const rows = (
    instance: number,
    list: readonly { spec: AddressSpec; advertised: boolean }[],
    set: boolean,
    ifindex: (a: AddressSpec) => number,
  ) =>
    list.forEach(({ spec: v, advertised }, j) => {
      const col = (n: number): Oid => [...SUBTREES.keepalivedVrrp, 6, 1, n, instance, j + 1];
      out.push(
        int(col(2), inetType(v.family)),
        octets(col(3), parseAddress(v.address)),
        octets(col(4), parseAddress(v.broadcast ?? ZERO_ADDRESS[v.family])),
        gauge(col(5), v.prefix),
        int(col(6), SCOPE[v.scope ?? 'global'] ?? 14),
        int(col(7), ifindex(v)),
        octets(col(8), v.dev),
        truth(col(10), set),
        truth(col(11), advertised),
      );
    });
  const statics = view.staticAddresses.map((spec) => ({ spec, advertised: false }));
  rows(0, statics, true, (a) => view.ifindexOf(a.dev));
  view.instances.forEach((x, i) => {
    const vips = [
      ...x.config.vips.map((spec) => ({ spec, advertised: true })),
      ...x.config.excludedVips.map((spec) => ({ spec, advertised: false })),
    ];
    rows(i + 1, vips, x.vipsSet, (a) => view.ifindexOf(a.dev));
  });
  return out;
}

type ScriptColumns = Partial<
  Record<'master' | 'backup' | 'fault' | 'stop' | 'generic' | 'masterRxLowerPri' | 'deleted', number>
>;
const INSTANCE_SCRIPTS: ScriptColumns = {
  master: 22,
  backup: 23,
  fault: 24,
  stop: 25,
  generic: 26,
  masterRxLowerPri: 31,
  deleted: 32,
};

/** The notify commands set, with their columns, as keepalived prints a command: each word in single quotes. */
function notifies(n: NotifyScripts, columns: ScriptColumns): [number, string][] {
  const out: [number, string][] = [];
  for (const [key, column] of Object.entries(columns) as [keyof ScriptColumns, number][]) {
    const argv = key === 'deleted' ? n.deleted?.argv : n[key];
    if (argv) out.push([column, commandText(argv)]);
  }
  return out;
}

function authType(c: InstanceConfig): number {
  if (c.auth?.type === 'PASS') return 1;
  if (c.auth?.type === 'AH') return 2;
  return 0;
}

function rfcv2(view: SnmpView): VarBind[] {
  const base = SUBTREES.rfcv2;
  // vrrpNodeVersion 2; vrrpNotificationCntl enabled(1) with enable_traps, else disabled(2).
  const out: VarBind[] = [int([...base, 1, 1, 0], 2), int([...base, 1, 2, 0], view.traps ? 1 : 2)];
  // RFC 2787 describes VRRPv2 over IPv4: keepalived lists those instances only.
  const v4 = view.instances.filter((x) => x.config.family === 4 && x.config.version === 2);
  for (const x of v4) {
    const c = x.config;
    const col = (n: number): Oid => [...base, 1, 3, 1, n, x.ifindex, c.vrid];
    out.push(
      octets(col(2), x.mac),
      int(col(3), RFC_STATE[x.state]),
      int(col(4), 1),
      int(col(5), x.effectivePriority),
      int(col(6), c.vips.length),
      ipAddress(col(7), x.state === 'MASTER' ? ZERO_ADDRESS[4] : (x.masterAddress ?? ZERO_ADDRESS[4])),
      ipAddress(col(8), x.primaryAddress),
      int(col(9), authType(c) + 1),
      int(col(11), Math.floor(c.advertIntervalMs / 1000)),
      truth(col(12), c.preempt),
      ticks(col(13), x.upTicks),
      int(col(14), 1),
      int(col(15), 1),
    );
    for (const v of c.vips) out.push(int([...base, 1, 4, 1, 2, x.ifindex, c.vrid, ...parseAddress(v.address)], 1));
  }
  out.push(
    counter([...base, 2, 1, 0], view.routerDrops.checksum),
    counter([...base, 2, 2, 0], view.routerDrops.version),
    counter([...base, 2, 3, 0], view.routerDrops.vrid),
  );
  for (const x of v4) {
    const n = x.counters;
    const col = (k: number): Oid => [...base, 2, 4, 1, k, x.ifindex, x.config.vrid];
    out.push(
      counter(col(1), n.becomeMaster),
      counter(col(2), n.advertsReceived),
      counter(col(3), n.intervalErrors),
      counter(col(4), n.authFailures),
      counter(col(5), n.ttlErrors),
      counter(col(6), n.priorityZeroReceived),
      counter(col(7), n.priorityZeroSent),
      counter(col(8), n.invalidType),
      counter(col(9), n.addressListErrors),
      counter(col(10), n.authTypeInvalid),
      counter(col(11), n.authTypeMismatch),
      counter(col(12), n.lengthErrors),
    );
  }
  return out;
}

function rfcv3(view: SnmpView): VarBind[] {
  const base = SUBTREES.rfcv3;
  const out: VarBind[] = [];
  for (const x of view.instances) {
    const c = x.config;
    const index = [x.ifindex, c.vrid, inetType(c.family)];
    const col = (n: number): Oid => [...base, 1, 1, 1, 1, n, ...index];
    const master = x.state === 'MASTER' ? x.primaryAddress : (x.masterAddress ?? ZERO_ADDRESS[c.family]);
    out.push(
      octets(col(3), parseAddress(master)),
      octets(col(4), parseAddress(x.primaryAddress)),
      octets(col(5), x.mac),
      int(col(6), RFC_STATE[x.state]),
      gauge(col(7), x.effectivePriority),
      int(col(8), c.vips.length),
      int(col(9), Math.floor(c.advertIntervalMs / 10)),
      truth(col(10), c.preempt),
      truth(col(11), c.accept),
      ticks(col(12), x.upTicks),
      int(col(13), 1),
    );
    for (const v of c.vips) {
      out.push(int([...base, 1, 1, 2, 1, 2, ...index, ...parseAddress(v.address)], 1));
    }
  }
  out.push(
    counter64([...base, 1, 2, 1, 0], view.routerDrops.checksum),
    counter64([...base, 1, 2, 2, 0], view.routerDrops.version),
    counter64([...base, 1, 2, 3, 0], view.routerDrops.vrid),
    ticks([...base, 1, 2, 4, 0], 0),
  );
  for (const x of view.instances) {
    const n = x.counters;
    const col = (k: number): Oid => [...base, 1, 2, 5, 1, k, x.ifindex, x.config.vrid, inetType(x.config.family)];
    out.push(
      counter(col(1), n.becomeMaster),
      int(col(2), NEW_MASTER_REASON[x.newMasterReason]),
      counter64(col(3), n.advertsReceived),
      counter64(col(4), n.intervalErrors),
      counter64(col(5), n.ttlErrors),
      int(col(6), PROTO_ERROR[x.lastProtocolError ?? ''] ?? 0),
      counter64(col(7), n.priorityZeroReceived),
      counter64(col(8), n.priorityZeroSent),
      counter64(col(9), n.invalidType),
      counter64(col(10), n.addressListErrors),
      counter64(col(11), n.lengthErrors),
      ticks(col(12), 0),
      gauge(col(13), x.config.advertIntervalMs),
    );
  }
  return out;
}

/** The objects of the enabled MIBs, sorted by OID (what a walk returns, in its order). */
export function vrrpMibObjects(view: SnmpView, parts: MibParts): VarBind[] {
  const out = [
    ...(parts.keepalived || parts.checker ? keepalivedGlobal(view) : []),
    ...(parts.keepalived ? keepalivedVrrp(view) : []),
    ...(parts.checker && view.check ? checkMibObjects(view.check) : []),
    ...(parts.rfcv2 ? rfcv2(view) : []),
    ...(parts.rfcv3 ? rfcv3(view) : []),
  ];
  return out.sort((a, b) => compareOids(a.oid, b.oid));
}

/** The subtrees to register with the master for `parts`. */
export function subtreesOf(parts: MibParts): Oid[] {
  return [
    ...(parts.keepalived || parts.checker ? [SUBTREES.keepalivedGlobal] : []),
    ...(parts.keepalived ? [SUBTREES.keepalivedVrrp] : []),
    ...(parts.checker ? [CHECK_SUBTREE] : []),
    ...(parts.rfcv2 ? [SUBTREES.rfcv2] : []),
    ...(parts.rfcv3 ? [SUBTREES.rfcv3] : []),
  ];
}

/** SNMPv2-MIB snmpTrapOID.0: the first varbind of every notification (RFC 2741 §6.2.10). */
const SNMP_TRAP_OID = oid('1.3.6.1.6.3.1.1.4.1.0');
const notification = (id: Oid, vbs: VarBind[]): VarBind[] => [
  { oid: SNMP_TRAP_OID, type: TYPE.oid, value: id },
  ...vbs,
];

/** KEEPALIVED-MIB's vrrpSyncGroupStateChange (keepalived's: objects named by column, without the row index). */
export function groupStateNotification(view: SnmpView, group: string, state: VrrpState | 'STOP'): VarBind[] {
  const k = SUBTREES.keepalivedVrrp;
  return notification(
    [...k, 10, 0, 1],
    [
      octets([...k, 1, 1, 2], group),
      int([...k, 1, 1, 3], state === 'STOP' ? 5 : KEEPALIVED_STATE[state]),
      octets([...SUBTREES.keepalivedGlobal, 2, 0], view.routerId),
    ],
  );
}

/**
 * The notifications keepalived sends (enable_traps) when an instance changes state: KEEPALIVED-MIB's
 * vrrpInstanceStateChange (its objects named by column, without the row index, as keepalived names them), and on
 * becoming master RFC 2787's vrrpTrapNewMaster (VRRPv2 over IPv4) and RFC 6527's vrrpv3NewMaster.
 */
export function stateChangeNotifications(view: SnmpView, x: SnmpInstance, parts: MibParts): VarBind[][] {
  const c = x.config;
  const out: VarBind[][] = [];
  const k = SUBTREES.keepalivedVrrp;
  if (parts.keepalived) {
    out.push(
      notification(
        [...k, 10, 0, 2],
        [
          octets([...k, 3, 1, 2], c.name),
          int([...k, 3, 1, 4], KEEPALIVED_STATE[x.state]),
          int([...k, 3, 1, 5], KEEPALIVED_STATE[c.state]),
          octets([...SUBTREES.keepalivedGlobal, 2, 0], view.routerId),
        ],
      ),
    );
  }
  if (x.state !== 'MASTER') return out;
  if (parts.rfcv2 && c.family === 4 && c.version === 2) {
    const master = ipAddress([...SUBTREES.rfcv2, 1, 3, 1, 7, x.ifindex, c.vrid], x.primaryAddress);
    out.push(notification([...SUBTREES.rfcv2, 0, 1], [master]));
  }
  if (parts.rfcv3) {
    const index = [x.ifindex, c.vrid, inetType(c.family)];
    out.push(
      notification(
        [...SUBTREES.rfcv3, 0, 1],
        [
          octets([...SUBTREES.rfcv3, 1, 1, 1, 1, 3, ...index], parseAddress(x.primaryAddress)),
          int([...SUBTREES.rfcv3, 1, 2, 5, 1, 2, ...index], NEW_MASTER_REASON[x.newMasterReason]),
        ],
      ),
    );
  }
  return out;
}

/**
 * The notifications keepalived sends (enable_traps) for an advert an instance dropped: RFC 2787's
 * vrrpTrapAuthFailure for an authentication error (VRRPv2 over IPv4), RFC 6527's vrrpv3ProtoError for a protocol
 * error. None for other drops.
 */
export function dropNotifications(x: SnmpInstance, reason: DropReason, src: string, parts: MibParts): VarBind[][] {
  const c = x.config;
  const auth = AUTH_ERROR[reason];
  if (auth !== undefined) {
    if (!parts.rfcv2 || c.family !== 4 || c.version !== 2) return [];
    const base = SUBTREES.rfcv2;
    return [
      notification(
        [...base, 0, 2],
        [ipAddress([...base, 1, 5, x.ifindex, c.vrid], src), int([...base, 1, 6, x.ifindex, c.vrid], auth)],
      ),
    ];
  }
  const proto = PROTO_ERROR[reason];
  if (proto === undefined || !parts.rfcv3) return [];
  const index = [x.ifindex, c.vrid, inetType(c.family)];
  return [notification([...SUBTREES.rfcv3, 0, 2], [int([...SUBTREES.rfcv3, 1, 2, 5, 1, 6, ...index], proto)])];
}
