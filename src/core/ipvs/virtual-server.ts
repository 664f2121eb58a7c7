/**
 * One virtual server's health, as keepalived's checker process keeps it, and the IPVS services it wants:
 *
 * - a real server is alive while every one of its checkers is up; it starts alive (before any check has run),
 *   or down with `alpha`; a real server without checkers is always alive;
 * - its weight is the configured one, adjusted by MISC_CHECK misc_dynamic (exit status − 2 replaces it) and
 *   FILE_CHECK dynamic (value × weight added), never below 0;
 * - quorum: the sum of the alive real servers' weights; lost when it falls below quorum − hysteresis (or to 0),
 *   gained again at quorum + hysteresis;
 * - in the table: an alive real server at its weight; a dead one at weight 0 with inhibit_on_failure or under the
 *   `mh` scheduler (whose table depends on the order of its destinations: see reconcile.ts), else absent;
 *   with the quorum lost and a sorry server: the sorry server at weight 1 (the virtual server's forwarding method
 *   unless sorry_server_lvs_method) and the real servers out, except the inhibited ones at weight 0;
 *   sorry_server_inhibit keeps the sorry server at weight 0 while it is not needed.
 *
 * Pure: results in, the new state and the notifications out; desiredServices() gives the table rows.
 */
import type { RealServerConfig, VirtualServerConfig, VirtualServerGroupConfig } from '../config/model.js';
import type { Family } from '../net.js';
import { type GroupMarks, markedServiceKeys, markOf, NO_GROUP_MARKS } from './group-marks.js';
import { defaultNetmask, destIn, type IpvsDest, type IpvsService, type ServiceKey } from './table.js';

export interface CheckerState {
  up: boolean;
  /** Weight adjustment this checker makes (misc_dynamic, FILE_CHECK dynamic); 0 otherwise. */
  adjust: number;
}

export interface RealServerState {
  checkers: CheckerState[];
}

export interface VirtualServerState {
  reals: RealServerState[];
  quorumUp: boolean;
}

/** What a result changed, for notify_up / notify_down / quorum_up / quorum_down. */
export type VirtualServerEvent = { kind: 'real-server'; index: number; up: boolean } | { kind: 'quorum'; up: boolean };

/** A checker's verdict: up or down, and a weight adjustment (see CheckerState.adjust). */
export interface CheckerVerdict {
  up: boolean;
  adjust?: number | undefined;
}

export function isAlive(rs: RealServerState): boolean {
  return rs.checkers.every((c) => c.up);
}

export function effectiveWeight(cfg: RealServerConfig, rs: RealServerState): number {
  return Math.max(0, cfg.weight + rs.checkers.reduce((sum, c) => sum + c.adjust, 0));
}

export function weightSum(vs: VirtualServerConfig, state: VirtualServerState): number {
  return state.reals.reduce((sum, rs, i) => {
    const cfg = vs.realServers[i] as RealServerConfig;
    return isAlive(rs) ? sum + effectiveWeight(cfg, rs) : sum;
  }, 0);
}

export function initialState(vs: VirtualServerConfig): VirtualServerState {
  const reals = vs.realServers.map((rs) => ({
    checkers: rs.checkers.map((c) => ({ up: !(c.kind === 'file' ? rs.alpha : c.alpha), adjust: 0 })),
  }));
  // keepalived's set_quorum_states: up at start when the live weight reaches quorum + hysteresis.
  const sum = weightSum(vs, { reals, quorumUp: true });
  return { reals, quorumUp: sum > 0 && sum >= vs.quorum + vs.hysteresis };
}

/** A checker result: the new state and what it changed (real server up/down, then quorum). */
export function applyVerdict(
  vs: VirtualServerConfig,
  state: VirtualServerState,
  realIndex: number,
  checkerIndex: number,
  verdict: CheckerVerdict,
): { state: VirtualServerState; events: VirtualServerEvent[] } {
  const rs = state.reals[realIndex];
  const checker = rs?.checkers[checkerIndex];
  if (!rs || !checker) return { state, events: [] };
  const next: CheckerState = {
    up: verdict.up,
    adjust: verdict.up ? (verdict.adjust ?? checker.adjust) : checker.adjust,
  };
  if (next.up === checker.up && next.adjust === checker.adjust) return { state, events: [] };
  const checkers = rs.checkers.map((c, i) => (i === checkerIndex ? next : c));
  const reals = state.reals.map((r, i) => (i === realIndex ? { checkers } : r));
  const events: VirtualServerEvent[] = [];
  const wasAlive = isAlive(rs);
  const alive = checkers.every((c) => c.up);
  if (wasAlive !== alive) events.push({ kind: 'real-server', index: realIndex, up: alive });
  const quorumUp = nextQuorum(vs, state.quorumUp, weightSum(vs, { reals, quorumUp: state.quorumUp }));
  if (quorumUp !== state.quorumUp) events.push({ kind: 'quorum', up: quorumUp });
  return { state: { reals, quorumUp }, events };
}

/** keepalived's quorum with hysteresis: lost below quorum − hysteresis (or at 0), gained at quorum + hysteresis. */
export function nextQuorum(vs: Pick<VirtualServerConfig, 'quorum' | 'hysteresis'>, up: boolean, sum: number): boolean {
  if (up) return !(sum === 0 || sum < vs.quorum - vs.hysteresis);
  return sum >= vs.quorum + vs.hysteresis;
}

/** The state for a new configuration of the same virtual server: real servers and checkers kept by identity. */
export function carryState(
  before: VirtualServerConfig,
  state: VirtualServerState,
  after: VirtualServerConfig,
): VirtualServerState {
  const fresh = initialState(after);
  const old = new Map(before.realServers.map((rs, i) => [realServerId(rs), { cfg: rs, st: state.reals[i] }]));
  const reals = after.realServers.map((rs, i) => {
    const prev = old.get(realServerId(rs));
    if (!prev?.st) return fresh.reals[i] as RealServerState;
    const prevCheckers = new Map(prev.cfg.checkers.map((c, j) => [checkerId(c), prev.st?.checkers[j]]));
    return {
      checkers: rs.checkers.map(
        (c, j) => prevCheckers.get(checkerId(c)) ?? (fresh.reals[i]?.checkers[j] as CheckerState),
      ),
    };
  });
  const sum = weightSum(after, { reals, quorumUp: state.quorumUp });
  return { reals, quorumUp: nextQuorum(after, state.quorumUp, sum) };
}

export function realServerId(rs: Pick<RealServerConfig, 'address' | 'port'>): string {
  return `${rs.address} ${rs.port}`;
}

/** checkerId's text of each checker definition: a configuration is never changed once made. */
const checkerIds = new WeakMap<RealServerConfig['checkers'][number], string>();

/**
 * A checker's identity across reloads: its whole definition (a changed checker is a new checker). Computed once per
 * definition: a reload asks it of every checker of thousands of real servers, more than once.
 */
export function checkerId(c: RealServerConfig['checkers'][number]): string {
  let id = checkerIds.get(c);
  if (id === undefined) {
    id = JSON.stringify(c, (k, v) => (k === 'source' ? undefined : v instanceof Uint8Array ? [...v] : v));
    checkerIds.set(c, id);
  }
  return id;
}

/**
 * The services a virtual server is (one, or one per group entry, or with nftables_ipvs one per family of its
 * group), without destinations.
 */
export function serviceKeys(
  vs: VirtualServerConfig,
  groups: ReadonlyMap<string, VirtualServerGroupConfig>,
  marks: GroupMarks = NO_GROUP_MARKS,
): ServiceKey[] {
  const t = vs.target;
  if (t.kind === 'address') return [{ family: vs.family, protocol: vs.protocol, address: t.address, port: t.port }];
  if (t.kind === 'fwmark') return [{ family: vs.family, fwmark: t.fwmark }];
  const mark = markOf(vs, marks);
  if (mark !== undefined) return markedServiceKeys(groups.get(t.group), mark);
  const keys: ServiceKey[] = [];
  for (const e of groups.get(t.group)?.entries ?? []) {
    if (e.kind === 'fwmark') keys.push({ family: e.family ?? vs.family, fwmark: e.fwmark });
    else {
      for (const address of expandRange(e.first, e.last)) {
        keys.push({ family: address.includes(':') ? 6 : 4, protocol: vs.protocol, address, port: e.port });
      }
    }
  }
  return keys;
}

/** Every address from first to last (IPv4: any span; IPv6: the last 16-bit group varies). */
export function expandRange(first: string, last: string): string[] {
  if (first === last) return [first];
  if (!first.includes(':')) {
    const n = (a: string) => a.split('.').reduce((x, p) => ((x << 8) | Number(p)) >>> 0, 0);
    const out: string[] = [];
    for (let i = n(first); i <= n(last) && out.length < 65536; i++) {
      out.push([24, 16, 8, 0].map((s) => (i >>> s) & 255).join('.'));
    }
    return out;
  }
  const head = first.slice(0, first.lastIndexOf(':') + 1);
  const lo = Number.parseInt(first.slice(head.length) || '0', 16);
  const hi = Number.parseInt(last.slice(last.lastIndexOf(':') + 1) || '0', 16);
  const out: string[] = [];
  for (let i = lo; i <= hi; i++) out.push(`${head}${i.toString(16)}`);
  return out;
}

/** The row real server `index` has in the table in `state` (undefined: not in it). */
export function realServerRow(vs: VirtualServerConfig, state: VirtualServerState, index: number): IpvsDest | undefined {
  const cfg = vs.realServers[index];
  const rs = state.reals[index];
  if (!cfg || !rs) return undefined;
  const sorryActive = vs.sorryServer !== undefined && !state.quorumUp;
  // mh: out of the table would change the order its Maglev table is built in; at weight 0 it gets no slot.
  const inhibit = cfg.inhibitOnFailure || vs.scheduler === 'mh';
  let weight: number | undefined;
  if (sorryActive) weight = inhibit ? 0 : undefined;
  else if (isAlive(rs)) weight = effectiveWeight(cfg, rs);
  else weight = inhibit ? 0 : undefined;
  if (weight === undefined) return undefined;
  return destOf(cfg.address, cfg.port, cfg.method, weight, cfg.upperThreshold, cfg.lowerThreshold);
}

/** The IPVS rows this virtual server wants in its current state. */
export function desiredServices(
  vs: VirtualServerConfig,
  state: VirtualServerState,
  groups: ReadonlyMap<string, VirtualServerGroupConfig>,
  marks: GroupMarks = NO_GROUP_MARKS,
): IpvsService[] {
  const sorryActive = vs.sorryServer !== undefined && !state.quorumUp;
  const dests: IpvsDest[] = [];
  for (let i = 0; i < vs.realServers.length; i++) {
    const row = realServerRow(vs, state, i);
    if (row) dests.push(row);
  }
  const sorry = vs.sorryServer;
  if (sorry && (sorryActive || sorry.inhibit)) {
    // The sorry server replaces a real server of the same address and port if one is listed.
    const at = dests.findIndex((d) => d.address === sorry.address && d.port === sorry.port);
    const row = destOf(sorry.address, sorry.port, sorry.method, sorryActive ? 1 : 0, 0, 0);
    if (at >= 0) dests[at] = row;
    else dests.push(row);
  }
  return serviceKeys(vs, groups, marks).map((key) => ({
    key,
    scheduler: vs.scheduler,
    flags: vs.flags,
    timeoutS: vs.persistenceTimeoutS,
    netmask: vs.persistenceGranularity ?? defaultNetmask(key.family),
    pe: vs.persistenceEngine,
    dests: dests.map((d) => destIn(key, d)),
  }));
}

function destOf(
  address: string,
  port: number,
  method: RealServerConfig['method'],
  weight: number,
  upperThreshold: number,
  lowerThreshold: number,
): IpvsDest {
  const family: Family = address.includes(':') ? 6 : 4;
  return {
    address,
    port,
    family,
    method: method.method,
    tunnel: method.method === 'TUN' ? (method.tunnel ?? { type: 'ipip' }) : undefined,
    weight,
    upperThreshold,
    lowerThreshold,
  };
}

/**
 * keepalived's notify FIFO lines: `VS [10.0.0.100]:tcp:80 UP`, `RS [10.0.0.11]:tcp:80 [10.0.0.100]:tcp:80 DOWN`;
 * a fwmark service is `FWM 5`, a group `[NAME]:0`.
 */
export function fifoLine(vs: VirtualServerConfig, e: VirtualServerEvent): string {
  const proto = vs.protocol.toLowerCase();
  const trio = (address: string, port: number) => `[${address}]:${proto}:${port}`;
  const t = vs.target;
  const vsText =
    t.kind === 'address' ? trio(t.address, t.port) : t.kind === 'fwmark' ? `FWM ${t.fwmark}` : `[${t.group}]:0`;
  const state = e.up ? 'UP' : 'DOWN';
  if (e.kind === 'quorum') return `VS ${vsText} ${state}\n`;
  const rs = vs.realServers[e.index] as RealServerConfig;
  return `RS ${trio(rs.address, rs.port)} ${vsText} ${state}\n`;
}

/** A virtual server's identity across reloads: what it balances (a changed target is another server). */
export function virtualServerId(vs: VirtualServerConfig): string {
  const t = vs.target;
  if (t.kind === 'address') return `${vs.protocol} ${t.address} ${t.port}`;
  if (t.kind === 'fwmark') return `fwmark ${t.fwmark} ${vs.family}`;
  return `group ${t.group} ${vs.protocol} ${vs.family}`;
}
