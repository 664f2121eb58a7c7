/**
 * keepalived's `virtual_routes` / `static_routes` and `virtual_rules` / `static_rules` lines (keepalived.conf(5),
 * vrrp_iproute.c / vrrp_iprule.c at v2.2.7) → typed RouteSpec / RuleSpec. Pure: a line in, the value or one error
 * naming the offending word out. The words are iproute2's:
 *
 *   route: [inet|inet6] [TYPE] [to] PREFIX [src IP] [via|gw IP [or IP]] [dev|oif IF] [onlink] [scope S] [table T]
 *          [metric|priority|preference N] [protocol P] [tos|dsfield N] [mtu [lock] N] [advmss [lock] N]
 *          [hoplimit N] [window N] [initcwnd N] [initrwnd N] [add|prepend|append] [no_track]
 *          [track_group G (static)] [nexthop via IP [dev IF] [weight N] [onlink] ...]
 *   rule:  [inet|inet6] [not] [from PREFIX|all] [to PREFIX|all] [iif IF] [oif IF] [tos N] [fwmark N[/M]]
 *          [preference|priority|order N] [table|lookup T] [goto N] [blackhole|unreachable|prohibit|nop]
 *          [suppress_prefixlength N] [uidrange A-B] [ipproto P] [sport A[-B]] [dport A[-B]] [l3mdev]
 *          [protocol P] [no_track] [track_group G (static)]
 *
 * Tables and protocols by number or by iproute2's built-in names (a name from /etc/iproute2/rt_tables needs its
 * number). Like keepalived, routes and rules carry protocol 18 ("keepalived") unless told otherwise, and a rule
 * without a preference is given one (16384, then 16383, ...) so that removing it removes exactly that rule.
 */
import { addressFamily, canonicalAddress } from '../codec/ip-address.js';
import type { Family, NextHop, RouteSpec, RouteType, RuleAction, RuleSpec, ScopeName } from '../net.js';
import { isValidIfName } from './vip.js';

export type LineResult<T> = { ok: true; value: T; warnings: string[] } | { ok: false; error: string };

/** RTPROT_KEEPALIVED: what keepalived (and so vipd) marks its routes and rules with. */
export const PROTOCOL_KEEPALIVED = 18;
/** keepalived's first automatic rule preference; each further rule without one gets one less. */
export const FIRST_AUTO_RULE_PREFERENCE = 16384;

const TABLES: Readonly<Record<string, number>> = { unspec: 0, default: 253, main: 254, local: 255 };
const PROTOCOLS: Readonly<Record<string, number>> = {
  redirect: 1,
  kernel: 2,
  boot: 3,
  static: 4,
  gated: 8,
  ra: 9,
  mrt: 10,
  zebra: 11,
  bird: 12,
  dnrouted: 13,
  xorp: 14,
  ntk: 15,
  dhcp: 16,
  keepalived: 18,
  babel: 42,
  bgp: 186,
  isis: 187,
  ospf: 188,
  rip: 189,
  eigrp: 192,
};
const ROUTE_TYPES: readonly RouteType[] = [
  'unicast',
  'local',
  'broadcast',
  'anycast',
  'multicast',
  'blackhole',
  'unreachable',
  'prohibit',
  'throw',
  'nat',
];
const SCOPES: readonly ScopeName[] = ['global', 'site', 'link', 'host', 'nowhere'];
const RULE_ACTIONS: readonly RuleAction[] = ['blackhole', 'unreachable', 'prohibit', 'nop'];
/** Route metrics by their keyword (RTAX_*), with whether `lock` may precede the value. */
const ROUTE_METRICS = { mtu: true, advmss: true, hoplimit: false, window: false, initcwnd: false, initrwnd: false };

/** A prefix `a.b.c.d[/n]`, `x::y[/n]`, or `default`/`all` (family-less, /0). */
function parsePrefix(
  text: string,
): { family: Family | undefined; address: string | undefined; prefix: number } | undefined {
  if (text === 'default' || text === 'all' || text === 'any')
    return { family: undefined, address: undefined, prefix: 0 };
  const [addr, len, ...rest] = text.split('/');
  if (addr === undefined || rest.length > 0) return undefined;
  const family = addressFamily(addr);
  if (!family) return undefined;
  const max = family === 4 ? 32 : 128;
  const prefix = len === undefined ? max : /^\d+$/.test(len) ? Number(len) : Number.NaN;
  if (!Number.isInteger(prefix) || prefix > max) return undefined;
  return { family, address: canonicalAddress(addr), prefix };
}

const uint = (text: string | undefined, max: number): number | undefined => {
  if (text === undefined || !/^(0x[0-9a-f]+|\d+)$/i.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
};

const byName = (names: Readonly<Record<string, number>>, text: string | undefined, max: number) =>
  text !== undefined && Object.hasOwn(names, text) ? names[text] : uint(text, max);

/** Walks the words of one line; each step names the word it is at. */
class Words {
  private i = 0;
  constructor(readonly words: readonly string[]) {}
  get done(): boolean {
    return this.i >= this.words.length;
  }
  next(): string | undefined {
    return this.words[this.i++];
  }
  peek(): string | undefined {
    return this.words[this.i];
  }
}

/** The values route and rule lines share: each reads the word after `kw`, or says what is wrong with it. */
const read = {
  table: (w: Words, kw: string): number | string =>
    byName(TABLES, w.next(), 0xffff_ffff) ?? `${kw} must be a number or main, local, default`,
  protocol: (w: Words, kw: string): number | string =>
    byName(PROTOCOLS, w.next(), 255) ?? `${kw} must be a number 0..255 or a protocol name`,
  byte: (w: Words, kw: string): number | string => uint(w.next(), 255) ?? `${kw} must be a number 0..255`,
  u32: (w: Words, kw: string): number | string => uint(w.next(), 0xffff_ffff) ?? `${kw} must be a whole number`,
};

type Reader = (w: Words, kw: string) => number | string;
/** The numeric keywords of a route line: where each goes and how it is read. */
const ROUTE_NUMBERS: Readonly<Record<string, ['table' | 'metric' | 'protocol' | 'tos', Reader]>> = {
  table: ['table', read.table],
  metric: ['metric', read.u32],
  priority: ['metric', read.u32],
  preference: ['metric', read.u32],
  protocol: ['protocol', read.protocol],
  proto: ['protocol', read.protocol],
  tos: ['tos', read.byte],
  dsfield: ['tos', read.byte],
};
/** The numeric keywords of a rule line (table/lookup also set the action, so they are read apart). */
const RULE_NUMBERS: Readonly<Record<string, ['priority' | 'protocol' | 'tos', Reader]>> = {
  preference: ['priority', read.u32],
  priority: ['priority', read.u32],
  order: ['priority', read.u32],
  protocol: ['protocol', read.protocol],
  proto: ['protocol', read.protocol],
  tos: ['tos', read.byte],
  dsfield: ['tos', read.byte],
};

/** Family agreement: the first address decides, a later one of the other family is an error. */
class FamilyOf {
  value: Family | undefined;
  constructor(private readonly what: string) {}
  take(f: Family | undefined): string | undefined {
    if (f === undefined) return undefined;
    if (this.value === undefined) this.value = f;
    else if (this.value !== f) return `${this.what}: cannot mix IPv4 and IPv6 addresses`;
    return undefined;
  }
}

export function parseRouteLine(line: string): LineResult<RouteSpec> {
  const quoted = `route "${line.trim()}"`;
  const fail = (error: string): LineResult<RouteSpec> => ({ ok: false, error: `${quoted}: ${error}` });
  const w = new Words(line.trim().split(/\s+/).filter(Boolean));
  const fam = new FamilyOf(quoted);
  const warnings: string[] = [];
  const r: Omit<RouteSpec, 'family' | 'dst' | 'prefix'> & { dst?: string; prefix?: number } = {
    type: 'unicast',
    onlink: false,
    nexthops: [],
    table: TABLES.main as number,
    protocol: PROTOCOL_KEEPALIVED,
    metrics: {},
    mode: 'prepend',
    noTrack: false,
  };
  let dstGiven = false;
  const address = (kw: string): string | { error: string } => {
    const text = w.next();
    const f = text === undefined ? undefined : addressFamily(text);
    if (text === undefined || !f) return { error: `${kw} needs an address, got ${JSON.stringify(text ?? '')}` };
    const mixed = fam.take(f);
    return mixed ? { error: mixed } : canonicalAddress(text);
  };
  const device = (kw: string): string | { error: string } => {
    const text = w.next();
    return text !== undefined && isValidIfName(text) ? text : { error: `${kw} needs an interface name` };
  };
  while (!w.done) {
    const word = w.next() as string;
    const number = ROUTE_NUMBERS[word];
    if (number) {
      const n = number[1](w, word);
      if (typeof n === 'string') return fail(n);
      r[number[0]] = n;
      continue;
    }
    switch (word) {
      case 'inet':
      case 'inet6': {
        const mixed = fam.take(word === 'inet' ? 4 : 6);
        if (mixed) return fail(mixed);
        break;
      }
      case 'src': {
        const a = address('src');
        if (typeof a !== 'string') return fail(a.error);
        r.src = a;
        break;
      }
      case 'via':
      case 'gw': {
        if (word === 'gw') warnings.push(`${quoted}: "gw" is deprecated (keepalived): use "via"`);
        const a = address(word);
        if (typeof a !== 'string') return fail(a.error);
        r.via = a;
        break;
      }
      case 'or': {
        // keepalived's old form of a two-way multipath route.
        warnings.push(`${quoted}: "or" is deprecated (keepalived): use "nexthop"`);
        if (r.via === undefined) return fail('"or" needs a "via" before it');
        const a = address('or');
        if (typeof a !== 'string') return fail(a.error);
        r.nexthops.push({ via: r.via, weight: 1, onlink: false }, { via: a, weight: 1, onlink: false });
        r.via = undefined;
        break;
      }
      case 'dev':
      case 'oif': {
        const d = device(word);
        if (typeof d !== 'string') return fail(d.error);
        r.dev = d;
        break;
      }
      case 'onlink':
        r.onlink = true;
        break;
      case 'scope': {
        const s = w.next() as ScopeName;
        if (!SCOPES.includes(s)) return fail(`scope must be one of ${SCOPES.join(', ')}`);
        r.scope = s;
        break;
      }
      case 'add':
      case 'prepend':
      case 'append':
        r.mode = word;
        break;
      case 'no_track':
        r.noTrack = true;
        break;
      case 'track_group': {
        const name = w.next();
        if (name === undefined) return fail('track_group needs a name');
        r.trackGroup = name;
        break;
      }
      case 'nexthop': {
        const hop = parseNextHop(w, fam);
        if (typeof hop === 'string') return fail(hop);
        r.nexthops.push(hop);
        break;
      }
      default: {
        if (Object.hasOwn(ROUTE_METRICS, word)) {
          const key = word as keyof typeof ROUTE_METRICS;
          let text = w.next();
          if (text === 'lock' && ROUTE_METRICS[key]) {
            r.metrics.lock = [...(r.metrics.lock ?? []), key];
            text = w.next();
          }
          const n = uint(text, 0xffff_ffff);
          if (n === undefined) return fail(`${word} must be a whole number`);
          r.metrics[key] = n;
          break;
        }
        let target = word;
        if (target === 'to') target = w.next() ?? '';
        if ((ROUTE_TYPES as readonly string[]).includes(target)) {
          r.type = target as RouteType;
          target = w.next() ?? '';
        }
        const p = parsePrefix(target);
        if (!p) return fail(`unknown word or bad destination "${target}"`);
        if (dstGiven) return fail(`a second destination "${target}"`);
        const mixed = fam.take(p.family);
        if (mixed) return fail(mixed);
        dstGiven = true;
        r.dst = p.address;
        r.prefix = p.prefix;
      }
    }
  }
  if (!dstGiven) return fail('it has no destination');
  const family = fam.value ?? 4;
  if (r.nexthops.length > 0 && r.via !== undefined) return fail('"via" and "nexthop" together');
  const unicast = r.type === 'unicast';
  if (unicast && r.dev === undefined && r.via === undefined && r.nexthops.length === 0) {
    return fail('a unicast route needs "via", "dev" or "nexthop"');
  }
  if (family === 6 && r.tos !== undefined) return fail('tos applies to IPv4 routes only');
  return {
    ok: true,
    value: { ...r, family, dst: r.dst ?? (family === 4 ? '0.0.0.0' : '::'), prefix: r.prefix ?? 0 },
    warnings,
  };
}

function parseNextHop(w: Words, fam: FamilyOf): NextHop | string {
  const hop: NextHop = { weight: 1, onlink: false };
  while (!w.done && w.peek() !== 'nexthop') {
    const word = w.next() as string;
    if (word === 'via') {
      const text = w.next();
      const f = text === undefined ? undefined : addressFamily(text);
      if (text === undefined || !f) return `nexthop via needs an address`;
      const mixed = fam.take(f);
      if (mixed) return mixed;
      hop.via = canonicalAddress(text);
    } else if (word === 'dev') {
      const d = w.next();
      if (d === undefined || !isValidIfName(d)) return 'nexthop dev needs an interface name';
      hop.dev = d;
    } else if (word === 'weight') {
      const n = uint(w.next(), 256);
      if (n === undefined || n < 1) return 'nexthop weight must be 1..256';
      hop.weight = n;
    } else if (word === 'onlink') hop.onlink = true;
    else return `unknown nexthop word "${word}"`;
  }
  if (hop.via === undefined && hop.dev === undefined) return 'a nexthop needs "via" or "dev"';
  return hop;
}

/** A port or a range `A[-B]`. */
function parseRange(text: string | undefined, max: number): [number, number] | undefined {
  if (text === undefined) return undefined;
  const [a, b, ...rest] = text.split('-');
  const lo = uint(a, max);
  const hi = b === undefined ? lo : uint(b, max);
  if (lo === undefined || hi === undefined || rest.length > 0 || hi < lo) return undefined;
  return [lo, hi];
}

const IP_PROTOCOLS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, ipv6_icmp: 58 };

/**
 * One rule line. `autoPreference` is the preference to give a rule without one (keepalived counts down from
 * 16384 over the whole file): the caller passes the next and learns from `usedAutoPreference` whether it was taken.
 */
export function parseRuleLine(
  line: string,
  autoPreference: number,
): LineResult<RuleSpec & { autoPreference: boolean }> {
  const quoted = `rule "${line.trim()}"`;
  const fail = (error: string): LineResult<RuleSpec & { autoPreference: boolean }> => ({
    ok: false,
    error: `${quoted}: ${error}`,
  });
  const w = new Words(line.trim().split(/\s+/).filter(Boolean));
  const fam = new FamilyOf(quoted);
  const r: Omit<RuleSpec, 'family' | 'priority'> & { priority?: number } = {
    action: 'table',
    invert: false,
    l3mdev: false,
    protocol: PROTOCOL_KEEPALIVED,
    noTrack: false,
  };
  const selector = (kw: string): { address: string; prefix: number } | undefined | { error: string } => {
    const text = w.next() ?? '';
    const p = parsePrefix(text);
    if (!p) return { error: `${kw} needs an address or prefix, got ${JSON.stringify(text)}` };
    const mixed = fam.take(p.family);
    if (mixed) return { error: mixed };
    return p.address === undefined ? undefined : { address: p.address, prefix: p.prefix };
  };
  while (!w.done) {
    const word = w.next() as string;
    const number = RULE_NUMBERS[word];
    if (number) {
      const n = number[1](w, word);
      if (typeof n === 'string') return fail(n);
      r[number[0]] = n;
      continue;
    }
    switch (word) {
      case 'inet':
      case 'inet6': {
        const mixed = fam.take(word === 'inet' ? 4 : 6);
        if (mixed) return fail(mixed);
        break;
      }
      case 'not':
        r.invert = true;
        break;
      case 'from':
      case 'to': {
        const s = selector(word);
        if (s && 'error' in s) return fail(s.error);
        if (word === 'from') r.from = s;
        else r.to = s;
        break;
      }
      case 'iif':
      case 'dev':
      case 'oif': {
        const d = w.next();
        if (d === undefined || !isValidIfName(d)) return fail(`${word} needs an interface name`);
        if (word === 'oif') r.oif = d;
        else r.iif = d;
        break;
      }
      case 'fwmark': {
        const [mark, mask, ...rest] = (w.next() ?? '').split('/');
        const m = uint(mark, 0xffff_ffff);
        const k = mask === undefined ? undefined : uint(mask, 0xffff_ffff);
        if (m === undefined || (mask !== undefined && k === undefined) || rest.length > 0) {
          return fail('fwmark must be N or N/MASK');
        }
        r.fwmark = m;
        if (k !== undefined) r.fwmask = k;
        break;
      }
      case 'table':
      case 'lookup': {
        const t = read.table(w, word);
        if (typeof t === 'string') return fail(t);
        r.table = t;
        r.action = 'table';
        break;
      }
      case 'goto': {
        const n = uint(w.next(), 0xffff_ffff);
        if (n === undefined) return fail('goto needs a rule preference');
        r.goto = n;
        r.action = 'goto';
        break;
      }
      case 'suppress_prefixlength': {
        const n = uint(w.next(), 128);
        if (n === undefined) return fail('suppress_prefixlength must be 0..128');
        r.suppressPrefixLength = n;
        break;
      }
      case 'uidrange': {
        const range = parseRange(w.next(), 0xffff_ffff);
        if (!range) return fail('uidrange must be A-B');
        r.uidRange = range;
        break;
      }
      case 'ipproto':
      case 'ip_proto': {
        const text = w.next()?.toLowerCase();
        const p = byName(IP_PROTOCOLS, text, 255);
        if (p === undefined) return fail(`${word} must be tcp, udp, sctp, icmp, ipv6_icmp or a number`);
        r.ipProto = p;
        break;
      }
      case 'sport':
      case 'dport': {
        const range = parseRange(w.next(), 65535);
        if (!range) return fail(`${word} must be a port or a range A-B`);
        if (word === 'sport') r.sport = range;
        else r.dport = range;
        break;
      }
      case 'l3mdev':
        r.l3mdev = true;
        break;
      case 'no_track':
        r.noTrack = true;
        break;
      case 'track_group': {
        const name = w.next();
        if (name === undefined) return fail('track_group needs a name');
        r.trackGroup = name;
        break;
      }
      default:
        if ((RULE_ACTIONS as readonly string[]).includes(word)) {
          r.action = word as RuleAction;
          break;
        }
        return fail(`unknown word "${word}"`);
    }
  }
  if (r.action === 'table' && r.table === undefined && !r.l3mdev) return fail('it has no table, goto or action');
  const auto = r.priority === undefined;
  return {
    ok: true,
    value: { ...r, family: fam.value ?? 4, priority: r.priority ?? autoPreference, autoPreference: auto },
    warnings: auto
      ? [`${quoted} has no preference: it gets ${autoPreference} (as keepalived; give one so that it is stable)`]
      : [],
  };
}

/** What tells two routes apart for the kernel (and for vipd's ledger). */
export function routeKey(r: RouteSpec): string {
  return `route/${r.family}/${r.table}/${r.dst}/${r.prefix}/${r.metric ?? ''}/${r.tos ?? ''}/${r.type}/${r.via ?? ''}/${r.dev ?? ''}`;
}

/** What tells two rules apart. */
export function ruleKey(r: RuleSpec): string {
  const sel = (s: RuleSpec['from']) => (s ? `${s.address}/${s.prefix}` : '');
  return `rule/${r.family}/${r.priority}/${sel(r.from)}/${sel(r.to)}/${r.iif ?? ''}/${r.oif ?? ''}/${r.fwmark ?? ''}/${r.table ?? ''}/${r.action}`;
}

const nameOf = (names: Readonly<Record<string, number>>, n: number): string =>
  Object.keys(names).find((k) => names[k] === n) ?? String(n);

/** A route as a line this parser reads back to the same value (for convert and logs). */
export function routeLine(r: RouteSpec): string {
  const w: string[] = [];
  if (r.type !== 'unicast') w.push(r.type);
  w.push(`${r.dst}/${r.prefix}`);
  if (r.src !== undefined) w.push('src', r.src);
  if (r.via !== undefined) w.push('via', r.via);
  if (r.dev !== undefined) w.push('dev', r.dev);
  if (r.onlink) w.push('onlink');
  if (r.scope !== undefined) w.push('scope', r.scope);
  if (r.table !== TABLES.main) w.push('table', nameOf(TABLES, r.table));
  if (r.metric !== undefined) w.push('metric', String(r.metric));
  if (r.protocol !== PROTOCOL_KEEPALIVED) w.push('protocol', nameOf(PROTOCOLS, r.protocol));
  if (r.tos !== undefined) w.push('tos', String(r.tos));
  for (const key of Object.keys(ROUTE_METRICS) as (keyof typeof ROUTE_METRICS)[]) {
    const v = r.metrics[key];
    if (v !== undefined) w.push(key, ...(r.metrics.lock?.includes(key) ? ['lock'] : []), String(v));
  }
  if (r.mode !== 'prepend') w.push(r.mode);
  if (r.noTrack) w.push('no_track');
  if (r.trackGroup !== undefined) w.push('track_group', r.trackGroup);
  for (const h of r.nexthops) {
    w.push('nexthop');
    if (h.via !== undefined) w.push('via', h.via);
    if (h.dev !== undefined) w.push('dev', h.dev);
    if (h.weight !== 1) w.push('weight', String(h.weight));
    if (h.onlink) w.push('onlink');
  }
  return w.join(' ');
}

/** A rule as a line this parser reads back to the same value. */
export function ruleLine(r: RuleSpec): string {
  const w: string[] = [];
  if (r.family === 6 && !r.from && !r.to) w.push('inet6');
  if (r.invert) w.push('not');
  if (r.from) w.push('from', `${r.from.address}/${r.from.prefix}`);
  if (r.to) w.push('to', `${r.to.address}/${r.to.prefix}`);
  if (r.iif !== undefined) w.push('iif', r.iif);
  if (r.oif !== undefined) w.push('oif', r.oif);
  if (r.tos !== undefined) w.push('tos', String(r.tos));
  if (r.fwmark !== undefined) w.push('fwmark', r.fwmask === undefined ? String(r.fwmark) : `${r.fwmark}/${r.fwmask}`);
  w.push('preference', String(r.priority));
  if (r.table !== undefined) w.push('table', nameOf(TABLES, r.table));
  if (r.goto !== undefined) w.push('goto', String(r.goto));
  if (r.action !== 'table' && r.action !== 'goto') w.push(r.action);
  if (r.suppressPrefixLength !== undefined) w.push('suppress_prefixlength', String(r.suppressPrefixLength));
  if (r.uidRange) w.push('uidrange', `${r.uidRange[0]}-${r.uidRange[1]}`);
  if (r.ipProto !== undefined) w.push('ipproto', String(r.ipProto));
  if (r.sport) w.push('sport', `${r.sport[0]}-${r.sport[1]}`);
  if (r.dport) w.push('dport', `${r.dport[0]}-${r.dport[1]}`);
  if (r.l3mdev) w.push('l3mdev');
  if (r.protocol !== PROTOCOL_KEEPALIVED) w.push('protocol', nameOf(PROTOCOLS, r.protocol));
  if (r.noTrack) w.push('no_track');
  if (r.trackGroup !== undefined) w.push('track_group', r.trackGroup);
  return w.join(' ');
}
