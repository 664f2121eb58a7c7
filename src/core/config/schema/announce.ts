/**
 * vipd's `announce NAME { ... }`: host routes announced through the host's routing daemon while what they track is
 * healthy. Its schema and the AnnounceConfig it builds: prefixes as host routes, each in one announce only;
 * tracked virtual servers that exist; the trackers of a vrrp_instance, each counting as "must be up" (an announce has
 * no priority for a weight to move).
 */
import * as z from 'zod';
import { addressFamily, canonicalAddress, isMulticast } from '../../codec/ip-address.js';
import { virtualServerId } from '../../ipvs/virtual-server.js';
import { suggest } from '../keywords.js';
import type { AnnounceConfig, TrackerLists, VirtualServerConfig } from '../model.js';
import type { Context } from './context.js';
import { lines, seconds, toMs, trackEntries, wholeNumber } from './fields.js';
import { type PathSegment, parseSection, type Reporter } from './report.js';
import { buildTrackerLists } from './trackers.js';

/** The metric of an announcing route when none is written: the marker the README's FRR route-map matches. */
export const DEFAULT_ANNOUNCE_METRIC = 4242;

const TRACKER_KEYWORDS = [
  'track_interface',
  'track_script',
  'track_file',
  'track_check',
  'track_process',
  'track_bfd',
] as const;

export const announceSchema = z
  .object({
    prefix: lines('"192.0.2.10/32" (host routes)'),
    track_virtual_server: lines('"192.0.2.10 80", "fwmark 5" or "group NAME", optionally with its protocol'),
    track_interface: trackEntries,
    track_script: trackEntries,
    track_file: trackEntries,
    track_check: trackEntries,
    track_process: trackEntries,
    track_bfd: trackEntries,
    announce_delay: seconds(0, 86400),
    withdraw_delay: seconds(0, 86400),
    metric: wholeNumber(0, 4294967295),
  })
  .partial();

/** Which announce (and where) holds each prefix so far: a prefix is announced by one announce only. */
export type PrefixOwners = Map<string, { announce: string; line: number }>;

export function buildAnnounce(
  name: string,
  body: Record<string, unknown>,
  virtualServers: readonly VirtualServerConfig[],
  owners: PrefixOwners,
  ctx: Context,
  report: Reporter,
): AnnounceConfig | undefined {
  const base = ['announce', name];
  const where = `announce ${name}`;
  const before = report.realErrors;
  const { data: r, invalid } = parseSection(
    body,
    base,
    { schema: announceSchema, where, unsupported: new Set() },
    report,
  );
  const prefixes = buildPrefixes(r.prefix ?? [], base, where, owners, report);
  if (!Object.hasOwn(body, 'prefix'))
    report.error(base, 'key', `${where} has no prefix (the host routes it announces)`);
  const trackVirtualServers = (r.track_virtual_server ?? []).flatMap((line, i) => {
    const id = findVirtualServer(line, virtualServers, [...base, 'track_virtual_server', i], report);
    return id === undefined ? [] : [id];
  });
  for (const kw of TRACKER_KEYWORDS) {
    (r[kw] ?? []).forEach((line, i) => {
      if (typeof line === 'string' && /\bweight\b/.test(line)) {
        report.error(
          [...base, kw, i],
          'value',
          `${where}: ${kw} takes no weight: an announce has no priority, it is announced while every tracker is up`,
        );
      }
    });
  }
  const trackers = buildTrackerLists(r, base, ctx, report);
  if (invalid.size > 0 || report.realErrors > before || !trackers) return undefined;
  return {
    name,
    prefixes,
    trackVirtualServers,
    trackers: unweighted(trackers),
    announceDelayMs: toMs(r.announce_delay ?? 0),
    withdrawDelayMs: toMs(r.withdraw_delay ?? 0),
    metric: r.metric ?? DEFAULT_ANNOUNCE_METRIC,
    source: report.at(base, 'key'),
  };
}

/** Every tracker at weight 0 (down withdraws; with reverse, up does), whatever its block's own weight. */
function unweighted(t: TrackerLists): TrackerLists {
  const zero = <T extends { weight: number }>(x: T): T => ({ ...x, weight: 0 });
  return {
    trackInterfaces: t.trackInterfaces.map(zero),
    trackScripts: t.trackScripts.map(zero),
    trackFiles: t.trackFiles.map(zero),
    trackChecks: t.trackChecks.map(zero),
    trackProcesses: t.trackProcesses.map(zero),
    trackBfds: t.trackBfds.map(zero),
  };
}

/** `prefix` lines, each of one or more `ADDRESS[/32|/128]` words. */
function buildPrefixes(
  entries: readonly string[],
  base: readonly PathSegment[],
  where: string,
  owners: PrefixOwners,
  report: Reporter,
): AnnounceConfig['prefixes'] {
  const out: AnnounceConfig['prefixes'] = [];
  entries.forEach((line, i) => {
    const at = [...base, 'prefix', i];
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) report.error(at, 'value', `${where}: an empty prefix line`);
    for (const word of words) {
      const [text = '', length] = word.split('/');
      const family = addressFamily(text);
      if (family === undefined || text.includes('%')) {
        report.error(at, 'value', `${where}: prefix ${word} is not an IPv4 or IPv6 address`);
        continue;
      }
      const host = family === 4 ? 32 : 128;
      if (length !== undefined && length !== String(host)) {
        report.error(
          at,
          'value',
          `${where}: prefix ${word} must be a host route (/${host}): an announce stands for addresses this host serves`,
        );
        continue;
      }
      const address = canonicalAddress(text);
      if (isMulticast(address) || /^(0\.0\.0\.0|::)$/.test(address)) {
        report.error(at, 'value', `${where}: prefix ${word} cannot be announced (multicast or unspecified)`);
        continue;
      }
      const key = `${address}/${host}`;
      const owner = owners.get(key);
      if (owner) {
        report.error(
          at,
          'value',
          `${where}: prefix ${key} is already announced by announce ${owner.announce} (line ${owner.line})`,
        );
        continue;
      }
      owners.set(key, { announce: where.slice('announce '.length), line: report.at(at, 'value').line });
      out.push({ family, address });
    }
  });
  return out;
}

/**
 * The virtual server a `track_virtual_server` line names (`ADDR PORT`, `fwmark N`, `group NAME`, each optionally
 * followed by its protocol, which tells twins of one address and port apart): its virtualServerId.
 */
function findVirtualServer(
  line: string,
  virtualServers: readonly VirtualServerConfig[],
  at: PathSegment[],
  report: Reporter,
): string | undefined {
  const words = line.trim().split(/\s+/).filter(Boolean);
  const protocol = /^(TCP|UDP|SCTP)$/i.test(words.at(-1) ?? '') ? words.pop()?.toUpperCase() : undefined;
  const target = (vs: VirtualServerConfig): string[] => {
    const t = vs.target;
    if (t.kind === 'address') return [t.address, String(t.port)];
    return t.kind === 'fwmark' ? ['fwmark', String(t.fwmark)] : ['group', t.group];
  };
  const wanted = words.map((w, i) => (i === 0 && addressFamily(w) !== undefined ? canonicalAddress(w) : w)).join(' ');
  const found = virtualServers.filter(
    (vs) => target(vs).join(' ') === wanted && (protocol === undefined || vs.protocol === protocol),
  );
  if (found.length === 1) return virtualServerId(found[0] as VirtualServerConfig);
  if (found.length > 1) {
    report.error(
      at,
      'value',
      `track_virtual_server ${line}: ${found.length} virtual servers are ${wanted}: add the protocol (${found.map((vs) => vs.protocol).join(' or ')})`,
    );
    return undefined;
  }
  const close = suggest(
    wanted,
    virtualServers.map((vs) => target(vs).join(' ')),
  );
  report.error(
    at,
    'value',
    `track_virtual_server ${line}: there is no such virtual_server${close ? ` (did you mean ${close}?)` : ''}`,
  );
  return undefined;
}
