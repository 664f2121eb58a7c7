/**
 * The daemon's side of SNMP: the view the MIBs are built from (core/snmp/vrrp-mibs.ts, check-mib.ts), read from the
 * running instances and load balancer at each request, and the agent started when global_defs enables a MIB.
 */

import { existsSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { canonicalAddress } from '../../core/codec/ip-address.js';
import type { DropReason } from '../../core/codec/reasons.js';
import type { GlobalDefs, VipdConfig, VirtualServerConfig } from '../../core/config/model.js';
import type { IpvsCounters } from '../../core/ipvs/table.js';
import type { VirtualServerEvent } from '../../core/ipvs/virtual-server.js';
import type { Logger } from '../../core/log.js';
import type { AddressSpec } from '../../core/net.js';
import type { VarBind } from '../../core/snmp/agentx.js';
import {
  type CheckView,
  checkNotification,
  type SnmpRealServer,
  type SnmpVirtualServer,
} from '../../core/snmp/check-mib.js';
import {
  dropNotifications,
  groupStateNotification,
  type NewMasterReason,
  type SnmpInstance,
  type SnmpView,
  stateChangeNotifications,
  subtreesOf,
  vrrpMibObjects,
} from '../../core/snmp/vrrp-mibs.js';
import type { SyncGroupState } from '../../core/vrrp/sync-group.js';
import { vmacAddress } from '../../core/vrrp/vmac.js';
import { type SnmpAgent, startSnmpAgent } from '../../edges/snmp-agent.js';
import type { VirtualServerReport } from '../ipvs/load-balancer.js';
import type { InstanceRunner, Transition } from '../vrrp/instance.js';
import type { Receiver } from '../vrrp/receiver.js';

/** One instance with what the daemon knows of its interface and history. */
export interface SnmpSource {
  runner: InstanceRunner;
  /** The interface it sends on (its VMAC's with use_vmac), while it exists. */
  ifindex: number | undefined;
  interfaceMac: Buffer | undefined;
  last: Transition | undefined;
  /** When it left INIT (monotonic ms), if it has. */
  upSince: number | undefined;
}

function newMasterReason(r: InstanceRunner, last: Transition | undefined): NewMasterReason {
  if (r.machine.state !== 'MASTER') return 'notMaster';
  // The owner takes over at start-up for its priority; every other way in is its down timer running out.
  return last?.cause === 'startup' ? 'priority' : 'masterNoResponse';
}

function snmpInstance(s: SnmpSource, startedAt: number): SnmpInstance {
  const { runner: r } = s;
  const c = r.config;
  const snap = r.machine.snapshot();
  const n = r.counters;
  const drop = (reason: Parameters<typeof n.drops.get>[0]) => n.drops.get(reason) ?? 0;
  return {
    config: c,
    state: snap.state,
    effectivePriority: snap.effectivePriority,
    masterAddress: snap.masterAddress,
    primaryAddress: r.primaryAddress,
    ifindex: s.ifindex ?? 0,
    mac: vmacAddress(c) ?? s.interfaceMac ?? Buffer.alloc(6),
    vipsSet: snap.state === 'MASTER',
    upTicks: s.upSince === undefined ? 0 : Math.max(0, Math.round((s.upSince - startedAt) / 10)),
    newMasterReason: newMasterReason(r, s.last),
    lastProtocolError: n.lastProtocolError,
    counters: {
      becomeMaster: n.becomeMaster,
      advertsReceived: n.advertRcvd,
      intervalErrors: drop('interval'),
      ttlErrors: drop('ip_ttl'),
      priorityZeroReceived: n.priZeroRcvd,
      priorityZeroSent: n.priZeroSent,
      invalidType: drop('invalid_type'),
      addressListErrors: n.notes.get('address_list') ?? 0,
      lengthErrors: drop('packet_length'),
      authFailures: drop('auth_failure'),
      authTypeInvalid: drop('auth_unsupported'),
      authTypeMismatch: drop('auth_type_mismatch'),
    },
  };
}

export function snmpView(
  sources: readonly SnmpSource[],
  receivers: readonly Receiver[],
  o: {
    version: string;
    routerId: string;
    startedAt: number;
    staticAddresses: readonly AddressSpec[];
    syncGroups: SnmpView['syncGroups'];
    traps: boolean;
    ifindexOf: (ifname: string) => number;
    check?: CheckView | undefined;
    globals: SnmpView['globals'];
  },
): SnmpView {
  const routerDrop = (reason: 'checksum' | 'version' | 'vrid') =>
    receivers.reduce((sum, r) => sum + (r.routerCounters.drops.get(reason) ?? 0), 0);
  return {
    version: o.version,
    routerId: o.routerId,
    instances: sources.map((s) => snmpInstance(s, o.startedAt)),
    staticAddresses: o.staticAddresses,
    syncGroups: o.syncGroups,
    traps: o.traps,
    ifindexOf: o.ifindexOf,
    routerDrops: { checksum: routerDrop('checksum'), version: routerDrop('version'), vrid: routerDrop('vrid') },
    check: o.check,
    globals: o.globals,
  };
}

/** Counters of several services (a group's) as one. */
function sum(all: readonly (IpvsCounters | undefined)[]): IpvsCounters | undefined {
  const present = all.filter((c): c is IpvsCounters => c !== undefined);
  if (present.length === 0) return undefined;
  const add = (pick: (c: IpvsCounters) => number | undefined) => present.reduce((s, c) => s + (pick(c) ?? 0), 0);
  return {
    connections: add((c) => c.connections),
    packetsIn: add((c) => c.packetsIn),
    packetsOut: add((c) => c.packetsOut),
    bytesIn: add((c) => c.bytesIn),
    bytesOut: add((c) => c.bytesOut),
    rates: {
      connections: add((c) => c.rates?.connections),
      packetsIn: add((c) => c.rates?.packetsIn),
      packetsOut: add((c) => c.rates?.packetsOut),
      bytesIn: add((c) => c.rates?.bytesIn),
      bytesOut: add((c) => c.rates?.bytesOut),
    },
    activeConnections: add((c) => c.activeConnections),
    inactiveConnections: add((c) => c.inactiveConnections),
    persistentConnections: add((c) => c.persistentConnections),
  };
}

/**
 * A command as keepalived shows it: its program by the real path it runs (found on PATH, links resolved), as
 * keepalived resolves a script when it loads it.
 */
function realCommand(argv: string[] | undefined): string[] | undefined {
  const [program, ...rest] = argv ?? [];
  if (program === undefined) return argv;
  let found = program;
  if (!program.includes('/')) {
    const dirs = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':');
    found = dirs.map((d) => path.join(d, program)).find((p) => existsSync(p)) ?? program;
  }
  try {
    found = realpathSync(found);
  } catch {
    // not there (yet): shown as written
  }
  return [found, ...rest];
}

/**
 * The load balancer as KEEPALIVED-MIB's checker part sees it: the virtual servers in the order of the configuration,
 * each with its sorry server first, states from the load balancer and counters from its last read of the kernel
 * (at most its re-check interval old).
 */
export function checkView(config: VipdConfig, reports: readonly VirtualServerReport[]): CheckView {
  const byName = new Map(reports.map((r) => [r.name, r]));
  const lvs = config.globalDefs.lvs;
  return {
    groups: config.virtualServerGroups,
    syncDaemon: lvs.syncDaemon,
    timeouts: lvs.timeouts,
    routerId: config.globalDefs.routerId ?? hostname(),
    virtualServers: config.virtualServers.map((written): SnmpVirtualServer => {
      const r = byName.get(written.name);
      const vs: VirtualServerConfig = {
        ...written,
        quorumUp: realCommand(written.quorumUp),
        quorumDown: realCommand(written.quorumDown),
        realServers: written.realServers.map((rs) => ({
          ...rs,
          notifyUp: realCommand(rs.notifyUp),
          notifyDown: realCommand(rs.notifyDown),
        })),
      };
      const destCounters = (address: string, port: number) =>
        sum(
          (r?.services ?? []).map(
            (s) =>
              s.dests.find((d) => canonicalAddress(d.address) === canonicalAddress(address) && d.port === port)
                ?.counters,
          ),
        );
      const sorry: SnmpRealServer[] = vs.sorryServer
        ? [
            {
              sorry: vs.sorryServer,
              alive: false,
              weight: 0,
              failedChecks: 0,
              counters: destCounters(vs.sorryServer.address, vs.sorryServer.port),
            },
          ]
        : [];
      const reals = vs.realServers.map((rs, i): SnmpRealServer => {
        const st = r?.realServers[i];
        return {
          config: rs,
          alive: st?.alive ?? false,
          weight: st?.weight ?? rs.weight,
          failedChecks: st?.checkers.filter((c) => !c.up).length ?? 0,
          counters: destCounters(rs.address, rs.port),
        };
      });
      return {
        config: vs,
        inTable: r !== undefined && !r.suspended,
        quorumUp: r?.quorumUp ?? false,
        counters: sum((r?.services ?? []).map((s) => s.counters)),
        reals: [...sorry, ...reals],
      };
    }),
  };
}

export interface Snmp {
  /** A real server or a quorum changed: keepalived's checker notifications, with enable_traps. */
  loadBalancerChanged(virtualServer: string, e: VirtualServerEvent): void;
  /** An instance changed state: keepalived's notifications, with enable_traps. */
  stateChanged(instance: string): void;
  /** An instance dropped an advert: RFC notifications of authentication and protocol errors, with enable_traps. */
  dropped(instance: string, reason: DropReason, src: string): void;
  /** A sync group entered a state: keepalived's notification, with enable_traps. */
  groupEntered(group: string, state: SyncGroupState): void;
  close(): void;
}

/** Starts the subagent when global_defs enables a MIB; `view` builds the view at each request. */
export function startSnmp(g: GlobalDefs, view: () => SnmpView, log: Logger): Snmp | undefined {
  const snmp = g.snmp;
  if (!snmp) return undefined;
  const agent: SnmpAgent = startSnmpAgent({
    socket: snmp.socket,
    subtrees: subtreesOf(snmp),
    view: (): VarBind[] => vrrpMibObjects(view(), snmp),
    log,
  });
  // A notification that cannot be built is a log line: SNMP never takes the VRRP down with it.
  const safely = (what: string, build: () => void) => {
    try {
      build();
    } catch (err) {
      log.error({ err }, `SNMP: cannot send the ${what} notification`);
    }
  };
  return {
    stateChanged(instance) {
      if (!snmp.traps) return;
      safely('state change', () => {
        const v = view();
        const x = v.instances.find((i) => i.config.name === instance);
        if (x) for (const n of stateChangeNotifications(v, x, snmp)) agent.notify(n);
      });
    },
    dropped(instance, reason, src) {
      if (!snmp.traps || (!snmp.rfcv2 && !snmp.rfcv3)) return;
      safely('dropped advert', () => {
        const x = view().instances.find((i) => i.config.name === instance);
        if (x) for (const n of dropNotifications(x, reason, src, snmp)) agent.notify(n);
      });
    },
    loadBalancerChanged(virtualServer, e) {
      if (!snmp.traps || !snmp.checker) return;
      safely('checker', () => {
        const check = view().check;
        const vs = check?.virtualServers.find((v) => v.config.name === virtualServer);
        if (!check || !vs) return;
        const real = e.kind === 'real-server' ? vs.reals.filter((r) => r.config)[e.index] : undefined;
        agent.notify(checkNotification(check, vs, real));
      });
    },
    groupEntered(group, state) {
      if (!snmp.traps || !snmp.keepalived) return;
      safely('sync group', () => agent.notify(groupStateNotification(view(), group, state)));
    },
    close: () => agent.close(),
  };
}
