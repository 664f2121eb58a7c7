/**
 * The reload plan: what changes between the running configuration and a new one, by instance and by tracker,
 * pure and source-position blind (moving a block in the file changes nothing). keepalived matches instances on
 * their identity (VRID, family, interface, unicast or not and its source); vipd matches them by name and then
 * compares that identity: an instance whose identity changed leaves and starts again, any other change is made
 * in place, keeping its state, timers and VIPs.
 */
import type { InstanceConfig, VipdConfig } from './model.js';

export interface ReloadPlan {
  /** Same configuration: nothing is touched. */
  unchanged: string[];
  /** Changed in place (priority, advert_int, preemption, VIPs, trackers, notify...): which settings. */
  updated: { name: string; changes: string[] }[];
  /** Identity changed: leaves as on shutdown and starts again. */
  restarted: { name: string; changes: string[] }[];
  removed: string[];
  added: string[];
  /** Trackers (scripts, checks, files) by key (`check:web`): an unchanged one keeps its state. */
  trackers: { unchanged: string[]; changed: string[]; removed: string[]; added: string[] };
  /** global_defs settings that changed (their effect reaches instances through their own settings). */
  global: string[];
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
    } else plan.updated.push({ name, changes });
  }
  return plan;
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

/** Deep equality of configuration values, blind to `source` positions and to keys holding undefined. */
export function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (key, value: unknown) => {
    if (key === 'source') return undefined;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)));
    }
    return value;
  });
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
