/**
 * Parsers for the tracker lines of a vrrp_instance and for the small multi-word values of the tracker blocks,
 * all in keepalived's syntax (keepalived.conf(5), vrrp_parser.c / vrrp_track.c at 9cbce3e2):
 *
 *   track_interface { IF [weight ±253] [reverse] }
 *   track_script    { NAME [weight ±253] [reverse|noreverse] }
 *   track_file      { NAME [weight ±254] [reverse] }
 *   vrrp_script NAME { weight ±253 [reverse] }     track_file NAME { weight ±254 [reverse]; init_file [N] [overwrite] }
 *
 * Pure: each returns the parsed value or one error message naming the offending word and the whole line.
 */
import { isValidIfName } from './vip.js';

export type LineResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** A tracker line as written: weight and reverse are undefined when the line does not give them. */
export interface TrackLine {
  name: string;
  weight?: number | undefined;
  reverse?: boolean | undefined;
}

export type TrackerKind =
  | 'track_interface'
  | 'track_script'
  | 'track_file'
  | 'track_check'
  | 'track_process'
  | 'track_bfd';

/** The weight bound of each tracker kind (keepalived: ±253 for interfaces and scripts, ±254 for files). */
export const WEIGHT_MAX: Readonly<Record<TrackerKind, number>> = {
  track_interface: 253,
  track_script: 253,
  track_file: 254,
  track_check: 253,
  track_process: 254,
  track_bfd: 253,
};

const INTEGER = /^[+-]?\d+$/;

/**
 * One tracker entry: a keepalived line (`"eth1 weight -20 reverse"`), or vipd's YAML map form with one key, the
 * name: `{ eth1: { weight: -20, reverse: true } }` (`{ eth1: }` / `{ eth1: {} }` give neither). In the map
 * form `reverse: false` is an explicit noreverse, for every kind.
 */
export function parseTrackEntry(kind: TrackerKind, entry: unknown): LineResult<TrackLine> {
  if (typeof entry === 'string') return parseTrackLine(kind, entry);
  const fail = (error: string): LineResult<TrackLine> => ({ ok: false, error });
  const shape = `a line like "NAME weight N" or a map { NAME: { weight: N, reverse: true } }`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return fail(`${kind} entry must be ${shape}`);
  const keys = Object.keys(entry);
  const name = keys[0];
  if (name === undefined || keys.length !== 1) {
    return fail(`${kind} entry must be ${shape}, with exactly one name (got ${keys.length})`);
  }
  if (/\s/.test(name) || name === '') return fail(`${kind} ${JSON.stringify(name)}: the name must be one word`);
  if (kind === 'track_interface' && !isValidIfName(name)) {
    return fail(`${kind} ${name}: "${name}" is not an interface name`);
  }
  const opts = (entry as Record<string, unknown>)[name];
  if (opts === null || opts === true) return { ok: true, value: { name } };
  if (typeof opts !== 'object' || Array.isArray(opts)) {
    return fail(`${kind} ${name}: its options must be a map like { weight: N, reverse: true }`);
  }
  const out: TrackLine = { name };
  const max = WEIGHT_MAX[kind];
  for (const [k, v] of Object.entries(opts as Record<string, unknown>)) {
    if (k === 'weight') {
      if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > max) {
        return fail(`${kind} ${name}: weight must be a whole number from -${max} to ${max}, got ${JSON.stringify(v)}`);
      }
      out.weight = v;
    } else if (k === 'reverse') {
      if (typeof v !== 'boolean' && v !== null) return fail(`${kind} ${name}: reverse must be true or false`);
      out.reverse = v !== false;
    } else {
      return fail(`unknown option "${k}" in ${kind} ${name} (weight and reverse are the options)`);
    }
  }
  return { ok: true, value: out };
}

/** One tracker line. `noreverse` is keepalived's for track_script only (vipd: track_check too). */
export function parseTrackLine(kind: TrackerKind, line: string): LineResult<TrackLine> {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const quoted = `"${line.trim()}"`;
  const fail = (error: string): LineResult<TrackLine> => ({ ok: false, error });
  const name = words[0];
  if (name === undefined) return fail(`empty ${kind} entry`);
  if (kind === 'track_interface' && !isValidIfName(name)) {
    return fail(`${kind} ${quoted}: "${name}" is not an interface name`);
  }
  const out: TrackLine = { name };
  const max = WEIGHT_MAX[kind];
  for (let i = 1; i < words.length; i++) {
    const w = words[i] as string;
    if (w === 'weight') {
      if (out.weight !== undefined) return fail(`${kind} ${quoted}: weight is given twice`);
      const v = words[i + 1];
      if (v === undefined) return fail(`${kind} ${quoted}: weight needs a value`);
      if (!INTEGER.test(v) || Math.abs(Number(v)) > max) {
        return fail(`${kind} ${quoted}: weight must be a whole number from -${max} to ${max}, not "${v}"`);
      }
      out.weight = Number(v);
      i++;
    } else if (w === 'reverse' || (w === 'noreverse' && (kind === 'track_script' || kind === 'track_check'))) {
      if (out.reverse !== undefined) return fail(`${kind} ${quoted}: ${w} is given twice`);
      out.reverse = w === 'reverse';
    } else {
      return fail(`unknown option "${w}" in ${kind} ${quoted}`);
    }
  }
  return { ok: true, value: out };
}

/** `weight N [reverse]` of a vrrp_script or track_file block: a number, or text "N reverse". */
export function parseWeightSpec(value: unknown, max: number): { weight: number; reverse: boolean } | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && Math.abs(value) <= max ? { weight: value, reverse: false } : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const words = value.trim().split(/\s+/);
  const [n, rev, ...rest] = words;
  if (n === undefined || !INTEGER.test(n) || Math.abs(Number(n)) > max || rest.length > 0) return undefined;
  if (rev !== undefined && rev !== 'reverse') return undefined;
  return { weight: Number(n), reverse: rev === 'reverse' };
}

/** `init_file [VALUE] [overwrite]`: bare (`true` / nothing), a number, or text like "5 overwrite"; false = none. */
export function parseInitFile(value: unknown): { value: number; overwrite: boolean } | false | undefined {
  if (value === null || value === true) return { value: 0, overwrite: false };
  if (value === false) return false;
  if (typeof value === 'number') return Number.isInteger(value) ? { value, overwrite: false } : undefined;
  if (typeof value !== 'string') return undefined;
  const out = { value: 0, overwrite: false };
  let seenValue = false;
  for (const w of value.trim().split(/\s+/).filter(Boolean)) {
    if (w === 'overwrite' && !out.overwrite) out.overwrite = true;
    else if (INTEGER.test(w) && !seenValue) {
      out.value = Number(w);
      seenValue = true;
    } else return undefined;
  }
  return out;
}

/** `user USER [GROUP]` / `USER:GROUP` (keepalived writes the group after a space; vipd also takes a colon). */
export function parseUserSpec(value: string): { user: string; group?: string | undefined } | undefined {
  const m = /^([^:\s]+)(?:[:\s]+([^:\s]+))?$/.exec(value.trim());
  if (!m) return undefined;
  return m[2] === undefined ? { user: m[1] as string } : { user: m[1] as string, group: m[2] };
}

/** What names a track_group: static addresses and routes (by `dev`) and static rules (by `iif`). */
interface TrackGroupMembers {
  trackGroups?: Readonly<Record<string, readonly string[]>> | undefined;
  staticAddresses: readonly { dev: string; trackGroup?: string | undefined }[];
  staticRoutes: readonly { dev?: string | undefined; trackGroup?: string | undefined }[];
  staticRules: readonly { iif?: string | undefined; trackGroup?: string | undefined }[];
}

/**
 * keepalived's track_group: every instance of a group tracks the interface of each static address and route
 * (its dev) and rule (its iif) naming the group, unweighted (down → FAULT), as keepalived's TRACK_SADDR,
 * TRACK_SROUTE and TRACK_SRULE do. Instance name → interface names.
 */
export function trackGroupInterfaces(c: TrackGroupMembers): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const tracked = [
    ...c.staticAddresses.map((a) => [a.trackGroup, a.dev] as const),
    ...c.staticRoutes.map((r) => [r.trackGroup, r.dev] as const),
    ...c.staticRules.map((r) => [r.trackGroup, r.iif] as const),
  ];
  for (const [group, ifname] of tracked) {
    if (group === undefined || ifname === undefined) continue;
    for (const instance of c.trackGroups?.[group] ?? []) {
      const list = out.get(instance) ?? [];
      if (!list.includes(ifname)) list.push(ifname);
      out.set(instance, list);
    }
  }
  return out;
}

interface AddressHolder {
  interface: string;
  useVmac?: { ifname: string } | undefined;
  addressVmacs: readonly { name: string; base: string }[];
  vips: readonly { dev: string; noTrack?: boolean | undefined }[];
  excludedVips: readonly { dev: string; noTrack?: boolean | undefined }[];
}

/**
 * keepalived's TRACK_ADDR: an instance tracks the interface of each of its (e)VIPs that is not `no_track`, besides its
 * own interface and VMAC (tracked as its primary), unweighted: another interface down (or gone) faults it, for its
 * address could not be held there. For an address VMAC, its base: the VMAC itself is vipd's, made again at once
 * when deleted, and no cause to give up mastership.
 */
export function addressInterfaces(i: AddressHolder): string[] {
  const baseOf = new Map(i.addressVmacs.map((a) => [a.name, a.base]));
  const own = new Set([i.interface, i.useVmac?.ifname]);
  const devs = [...i.vips, ...i.excludedVips].filter((v) => !v.noTrack).map((v) => baseOf.get(v.dev) ?? v.dev);
  return [...new Set(devs.filter((dev) => !own.has(dev)))];
}
