/**
 * The reload plan: everything a reload changes between the running configuration and a new one, pure and
 * source-position blind (moving a block in the file changes nothing), and applied as given: the daemon, the
 * instances, the static entries and the load balancer each take their part of it rather than comparing again.
 *
 * keepalived matches instances on their identity (VRID, family, interface, unicast or not and its source); vipd
 * matches them by name and then compares that identity: an instance whose identity changed leaves and starts again,
 * any other change is made in place, keeping its state, timers and VIPs.
 */
import { canonicalAddress } from '../codec/ip-address.js';
import { virtualServerId } from '../ipvs/virtual-server.js';
import type { AddressSpec, Family, RouteSpec, RuleSpec } from '../net.js';
import { type InstanceVmac, vmacsOf } from '../vrrp/vmac.js';
import type { InstanceConfig, VipdConfig } from './model.js';
import { noAcceptAddresses } from './no-accept.js';
import { routeKey, routeLine, ruleKey, ruleLine } from './routing.js';
import { addressKey } from './vip.js';

/** What a reload adds and removes of one kind of kernel entry. */
export interface Changes<T> {
  added: T[];
  removed: T[];
}

/** Addresses, routes and rules: what a reload adds and removes of each. */
export interface RoutingChanges {
  addresses: Changes<AddressSpec>;
  routes: Changes<RouteSpec>;
  rules: Changes<RuleSpec>;
}

/** An instance changed in place: which settings, and what its master adds and removes in the kernel. */
export interface InstanceUpdate extends RoutingChanges {
  name: string;
  changes: string[];
}

export interface ReloadPlan {
  /** Same configuration: nothing is touched. */
  unchanged: string[];
  /** Changed in place (priority, advert_int, preemption, VIPs, trackers, notify...). */
  updated: InstanceUpdate[];
  /** Identity changed: leaves as on shutdown and starts again. */
  restarted: { name: string; changes: string[] }[];
  removed: string[];
  added: string[];
  /** Trackers (scripts, checks, files) by key (`check:web`): an unchanged one keeps its state. */
  trackers: { unchanged: string[]; changed: string[]; removed: string[]; added: string[] };
  /** global_defs settings that changed (their effect reaches instances through their own settings). */
  global: string[];
  /** static_ipaddress, static_routes, static_rules. */
  statics: RoutingChanges;
  /** VMAC interfaces of leaving instances that the new configuration does not have (a kept one is taken over). */
  vmacsRemoved: InstanceVmac[];
  /** no_accept: the addresses input is dropped to, when they or the firewall settings changed. */
  noAccept: { family: Family; address: string }[] | undefined;
  /** GARP/NA pacing (vrrp_garp_interval, vrrp_gna_interval, garp_group) changed: the pacers start again. */
  pacingChanged: boolean;
  /** Virtual servers by identity (`tcp 192.0.2.1 80`): an unchanged or changed one keeps its health. */
  virtualServers: { unchanged: string[]; changed: string[]; removed: string[]; added: string[] };
  /** `announce` blocks by name: a changed one stays announced where it was (only the routes that differ change). */
  announces: { unchanged: string[]; changed: string[]; removed: string[]; added: string[] };
}

/** What makes an instance the same VRRP router to its peers (keepalived's matching on reload). */
const IDENTITY: readonly (keyof InstanceConfig)[] = [
  'vrid',
  'interface',
  'family',
  'version',
  'unicastSrcIp',
  'mcastGroup',
  'useVmac',
  'vmacXmitBase',
  'addressVmacs',
];

/** The global_defs settings of GARP/NA pacing. */
const PACING = ['garpIntervalMs', 'gnaIntervalMs', 'garpGroups'];

export function planReload(running: VipdConfig, next: VipdConfig): ReloadPlan {
  const before = new Map(running.instances.map((i) => [i.name, i]));
  const after = new Map(next.instances.map((i) => [i.name, i]));
  const plan: ReloadPlan = {
    unchanged: [],
    updated: [],
    restarted: [],
    removed: [...before.keys()].filter((n) => !after.has(n)),
    added: [...after.keys()].filter((n) => !before.has(n)),
    trackers: diffTrackers(running, next),
    global: changedKeys(running.globalDefs, next.globalDefs),
    statics: {
      addresses: diffByKey(running.staticAddresses, next.staticAddresses, addressKey),
      routes: diffByKey(running.staticRoutes, next.staticRoutes, routeKey),
      rules: diffByKey(running.staticRules, next.staticRules, ruleKey),
    },
    vmacsRemoved: [],
    noAccept: undefined,
    pacingChanged: false,
    virtualServers: diffVirtualServers(running, next),
    announces: diffByName(running.announces, next.announces),
  };
  for (const [name, n] of after) {
    const o = before.get(name);
    if (!o) continue;
    const changes = changedKeys(o, n);
    const multicastChanged = (o.unicastPeers.length === 0) !== (n.unicastPeers.length === 0);
    const ownerChanged = (o.priority === 255) !== (n.priority === 255);
    if (changes.length === 0) plan.unchanged.push(name);
    else if (multicastChanged || ownerChanged || changes.some((c) => IDENTITY.includes(c as keyof InstanceConfig))) {
      plan.restarted.push({ name, changes });
    } else plan.updated.push({ name, changes, ...routingChanges(o, n) });
  }
  plan.pacingChanged = PACING.some((k) => plan.global.includes(k));
  const leaving = new Set([...plan.removed, ...plan.restarted.map((r) => r.name)]);
  const kept = new Set(next.instances.flatMap((c) => vmacsOf(c).map((v) => v.spec.name)));
  plan.vmacsRemoved = running.instances
    .filter((c) => leaving.has(c.name))
    .flatMap(vmacsOf)
    .filter((v) => !kept.has(v.spec.name));
  const noAccept = noAcceptAddresses(next);
  if (!same(noAcceptAddresses(running), noAccept) || !same(running.globalDefs.firewall, next.globalDefs.firewall)) {
    plan.noAccept = noAccept;
  }
  return plan;
}

/** What an instance's master adds and removes: VIPs and excluded VIPs, virtual routes and rules. */
function routingChanges(before: InstanceConfig, after: InstanceConfig): RoutingChanges {
  return {
    addresses: diffByKey([...before.vips, ...before.excludedVips], [...after.vips, ...after.excludedVips], addressKey),
    routes: diffByKey(before.virtualRoutes, after.virtualRoutes, routeKey),
    rules: diffByKey(before.virtualRules, after.virtualRules, ruleKey),
  };
}

function diffByName<T extends { name: string }>(running: readonly T[], next: readonly T[]): ReloadPlan['announces'] {
  const before = new Map(running.map((a) => [a.name, a]));
  const out: ReloadPlan['announces'] = { unchanged: [], changed: [], removed: [], added: [] };
  const names = new Set(next.map((a) => a.name));
  for (const name of before.keys()) if (!names.has(name)) out.removed.push(name);
  for (const a of next) {
    const old = before.get(a.name);
    if (!old) out.added.push(a.name);
    else if (same(old, a)) out.unchanged.push(a.name);
    else out.changed.push(a.name);
  }
  return out;
}

function diffVirtualServers(running: VipdConfig, next: VipdConfig): ReloadPlan['virtualServers'] {
  const before = new Map(running.virtualServers.map((v) => [virtualServerId(v), v]));
  const after = new Map(next.virtualServers.map((v) => [virtualServerId(v), v]));
  const out: ReloadPlan['virtualServers'] = { unchanged: [], changed: [], removed: [], added: [] };
  for (const id of before.keys()) if (!after.has(id)) out.removed.push(id);
  for (const [id, vs] of after) {
    const old = before.get(id);
    if (!old) out.added.push(id);
    else if (same(old, vs)) out.unchanged.push(id);
    else out.changed.push(id);
  }
  return out;
}

/**
 * The plan as lines, one per thing it touches (for the log and `vipd reload`): e.g. "instance VI_1: updated
 * (priority); adds 192.0.2.9/24 dev eth0".
 */
export function describePlan(plan: ReloadPlan): string[] {
  const lines: string[] = [];
  const entries = (what: string, c: RoutingChanges): string[] => [
    ...c.addresses.added.map((a) => `${what} adds address ${addressLine(a)}`),
    ...c.addresses.removed.map((a) => `${what} removes address ${addressLine(a)}`),
    ...c.routes.added.map((r) => `${what} adds route ${routeLine(r)}`),
    ...c.routes.removed.map((r) => `${what} removes route ${routeLine(r)}`),
    ...c.rules.added.map((r) => `${what} adds rule ${ruleLine(r)}`),
    ...c.rules.removed.map((r) => `${what} removes rule ${ruleLine(r)}`),
  ];
  for (const u of plan.updated) {
    lines.push(`instance ${u.name}: updated in place (${u.changes.join(', ')})`);
    lines.push(...entries(`instance ${u.name}: as master`, u));
  }
  for (const r of plan.restarted) lines.push(`instance ${r.name}: restarted (${r.changes.join(', ')})`);
  for (const n of plan.removed) lines.push(`instance ${n}: removed`);
  for (const n of plan.added) lines.push(`instance ${n}: added`);
  for (const [kind, keys] of Object.entries(plan.trackers)) {
    if (kind !== 'unchanged') for (const k of keys) lines.push(`tracker ${k}: ${kind}`);
  }
  if (plan.global.length > 0) lines.push(`global_defs: ${plan.global.join(', ')} changed`);
  lines.push(...entries('static', plan.statics));
  for (const v of plan.vmacsRemoved) lines.push(`vmac ${v.spec.name} on ${v.spec.base}: removed`);
  if (plan.noAccept) lines.push(`no_accept: ${plan.noAccept.length} addresses dropped to while not master`);
  if (plan.pacingChanged) lines.push('GARP/NA pacing: changed');
  for (const [kind, ids] of Object.entries(plan.virtualServers)) {
    if (kind !== 'unchanged') for (const id of ids) lines.push(`virtual_server ${id}: ${kind}`);
  }
  for (const [kind, names] of Object.entries(plan.announces)) {
    if (kind !== 'unchanged') for (const name of names) lines.push(`announce ${name}: ${kind}`);
  }
  return lines;
}

function addressLine(a: AddressSpec): string {
  return `${canonicalAddress(a.address)}/${a.prefix} dev ${a.dev}`;
}

/** Every tracker of a configuration by key, with what defines it. */
function trackersOf(c: VipdConfig): Map<string, unknown> {
  return new Map<string, unknown>([
    ...c.scripts.map((s) => [`script:${s.name}`, s] as const),
    ...c.checks.map((k) => [`check:${k.name}`, k] as const),
    ...c.trackFiles.map((f) => [`file:${f.name}`, f] as const),
    ...c.trackProcesses.map((p) => [`process:${p.name}`, p] as const),
  ]);
}

function diffTrackers(running: VipdConfig, next: VipdConfig): ReloadPlan['trackers'] {
  const before = trackersOf(running);
  const after = trackersOf(next);
  const out: ReloadPlan['trackers'] = { unchanged: [], changed: [], removed: [], added: [] };
  for (const key of before.keys()) if (!after.has(key)) out.removed.push(key);
  for (const [key, t] of after) {
    if (!before.has(key)) out.added.push(key);
    else if (same(before.get(key), t)) out.unchanged.push(key);
    else out.changed.push(key);
  }
  return out;
}

/** Top-level keys whose values differ, ignoring where in the file they were written. */
function changedKeys<T extends object>(a: T, b: T): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter(
    (k) => k !== 'source' && !same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/**
 * Deep equality of configuration values as their JSON would compare (key order, `source` positions and keys
 * holding undefined ignored), walked in place: a reload of thousands of real servers compares them all, and
 * building a sorted copy of each to compare their text was most of planning it.
 */
export function same(a: unknown, b: unknown): boolean {
  const x = asJson(a);
  const y = asJson(b);
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x) || Array.isArray(y)) {
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
    // In an array JSON writes undefined (and a function or a symbol) as null.
    for (let i = 0; i < x.length; i++) if (!same(asJson(x[i]) ?? null, asJson(y[i]) ?? null)) return false;
    return true;
  }
  const xs = x as Record<string, unknown>;
  const ys = y as Record<string, unknown>;
  let count = 0;
  for (const k of Object.keys(xs)) {
    if (k === 'source' || asJson(xs[k]) === undefined) continue;
    count++;
    if (!Object.hasOwn(ys, k) || !same(xs[k], ys[k])) return false;
  }
  for (const k of Object.keys(ys)) if (k !== 'source' && asJson(ys[k]) !== undefined) count--;
  return count === 0;
}

/** A value as JSON.stringify sees it: no functions or symbols, no non-finite numbers (null). */
function asJson(v: unknown): unknown {
  if (typeof v === 'function' || typeof v === 'symbol') return undefined;
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/** What `next` has that `before` had not (added), and what `before` had that `next` has not (removed), by key. */
export function diffByKey<T>(
  before: readonly T[],
  next: readonly T[],
  key: (t: T) => string,
): { added: T[]; removed: T[] } {
  const had = new Set(before.map(key));
  const has = new Set(next.map(key));
  return { added: next.filter((t) => !had.has(key(t))), removed: before.filter((t) => !has.has(key(t))) };
}
