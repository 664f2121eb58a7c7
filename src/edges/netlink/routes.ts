/**
 * Routes and policy rules through rtnetlink, as `ip route` / `ip rule` add them: RTM_NEWROUTE / RTM_DELROUTE,
 * RTM_NEWRULE / RTM_DELRULE on the `netlink` package's codecs. Idempotent: EEXIST → 'present' (this call did not
 * add it: never remove it later), ESRCH / ENOENT → 'absent'. Device names are resolved to indexes per request
 * (a route is not on the takeover's critical path the way a VIP is).
 */

import { formatAddress, parseAddress } from '../../core/codec/ip-address.js';
import { routeLine, ruleLine } from '../../core/config/routing.js';
import type { RouteSpec, RuleSpec } from '../../core/net.js';
import type { RoutingPort } from '../../core/ports.js';
import { attr, u32 } from './attributes.js';
import { afOf, linkByName, type NetlinkOptions, SCOPES } from './messages.js';
import { AttrStream, FlagsNew, rt } from './package.js';
import { RtRequester, toNetlinkError } from './transport.js';

/** RTN_* route types (rtnetlink.h). */
const ROUTE_TYPES: Readonly<Record<RouteSpec['type'], number>> = {
  unicast: 1,
  local: 2,
  broadcast: 3,
  anycast: 4,
  multicast: 5,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
  throw: 9,
  nat: 10,
};
/** FR_ACT_* rule actions (fib_rules.h). */
const RULE_ACTIONS: Readonly<Record<RuleSpec['action'], number>> = {
  table: 1,
  goto: 2,
  nop: 3,
  blackhole: 6,
  unreachable: 7,
  prohibit: 8,
};
const RTA_GATEWAY = 5;
const RTNH_F_ONLINK = 4;
/** RTAX_* indexes of the metrics vipd sets, for the lock bitmask. */
const RTAX: Readonly<Record<string, number>> = {
  mtu: 2,
  window: 3,
  advmss: 8,
  hoplimit: 10,
  initcwnd: 11,
  initrwnd: 14,
};
/** Tables above 255 go in RTA_TABLE; rtm_table then says RT_TABLE_UNSPEC. */
const RT_TABLE_UNSPEC = 0;

function messageBody(message: rt.RouteMessage | rt.RuleMessage): Uint8Array[] {
  const out = new AttrStream();
  if (message.kind === 'route') rt.formatRouteMessage(message, out);
  else rt.formatRuleMessage(message, out);
  return out.bufs;
}

/** struct rtnexthop entries with their RTA_GATEWAY, for RTA_MULTIPATH. */
function multipath(hops: { via?: string | undefined; ifindex: number; weight: number; onlink: boolean }[]): Buffer {
  return Buffer.concat(
    hops.map((h) => {
      const gateway = h.via === undefined ? Buffer.alloc(0) : attr(RTA_GATEWAY, parseAddress(h.via));
      const head = Buffer.alloc(8);
      head.writeUInt16LE(8 + gateway.length, 0);
      head.writeUInt8(h.onlink ? RTNH_F_ONLINK : 0, 2);
      head.writeUInt8(h.weight - 1, 3);
      head.writeInt32LE(h.ifindex, 4);
      return Buffer.concat([head, gateway]);
    }),
  );
}

export function createRoutingPort(opts: NetlinkOptions = {}): RoutingPort {
  const sock = new RtRequester(opts.timeoutMs);
  const index = async (dev: string | undefined, what: string) =>
    dev === undefined ? undefined : ((await linkByName(sock, dev, what)).data.index ?? 0);

  async function routeMessage(r: RouteSpec, what: string, forDelete: boolean): Promise<rt.RouteMessage> {
    const attrs: rt.RouteAttrs = {};
    if (r.prefix > 0) attrs.dst = parseAddress(r.dst);
    if (r.src !== undefined) attrs.prefsrc = parseAddress(r.src);
    if (r.via !== undefined) attrs.gateway = parseAddress(r.via);
    const oif = await index(r.dev, what);
    if (oif !== undefined) attrs.oif = oif;
    if (r.metric !== undefined) attrs.priority = r.metric;
    if (r.table > 255) attrs.table = r.table;
    if (r.nexthops.length > 0) {
      const hops = [];
      for (const h of r.nexthops) hops.push({ ...h, ifindex: (await index(h.dev, what)) ?? 0 });
      attrs.multipath = multipath(hops);
    }
    const metrics: rt.RouteMetrics = {};
    let lock = 0;
    for (const key of ['mtu', 'window', 'advmss', 'hoplimit', 'initcwnd', 'initrwnd'] as const) {
      const v = r.metrics[key];
      if (v !== undefined) metrics[key] = u32(v);
      if (r.metrics.lock?.includes(key)) lock |= 1 << (RTAX[key] as number);
    }
    if (lock !== 0) metrics.lock = u32(lock);
    if (Object.keys(metrics).length > 0) attrs.metrics = metrics;
    const scope = r.scope !== undefined ? SCOPES[r.scope] : forDelete ? SCOPES.nowhere : defaultScope(r);
    return {
      kind: 'route',
      data: {
        family: afOf(r.family),
        dstLen: r.prefix,
        tos: r.tos ?? 0,
        table: r.table > 255 ? RT_TABLE_UNSPEC : r.table,
        protocol: r.protocol,
        scope,
        type: ROUTE_TYPES[r.type],
        flags: r.onlink ? { onlink: true } : {},
      } as rt.Route,
      attrs,
    };
  }

  async function ruleMessage(r: RuleSpec): Promise<rt.RuleMessage> {
    const attrs: rt.RuleAttrs = { priority: r.priority, protocol: r.protocol };
    if (r.from) attrs.src = parseAddress(r.from.address);
    if (r.to) attrs.dst = parseAddress(r.to.address);
    if (r.iif !== undefined) attrs.iifname = r.iif;
    if (r.oif !== undefined) attrs.oifname = r.oif;
    if (r.fwmark !== undefined) attrs.fwmark = r.fwmark;
    if (r.fwmask !== undefined) attrs.fwmask = r.fwmask;
    if (r.table !== undefined) attrs.table = r.table;
    if (r.goto !== undefined) attrs.goto = r.goto;
    if (r.suppressPrefixLength !== undefined) attrs.suppressPrefixlen = u32(r.suppressPrefixLength);
    if (r.uidRange) attrs.uidRange = { start: r.uidRange[0], end: r.uidRange[1] };
    if (r.ipProto !== undefined) attrs.ipProto = r.ipProto;
    if (r.sport) attrs.sportRange = { start: r.sport[0], end: r.sport[1] };
    if (r.dport) attrs.dportRange = { start: r.dport[0], end: r.dport[1] };
    if (r.l3mdev) attrs.l3Mdev = 1;
    return {
      kind: 'rule',
      data: {
        family: afOf(r.family),
        dstLen: r.to?.prefix ?? 0,
        srcLen: r.from?.prefix ?? 0,
        tos: r.tos ?? 0,
        table: r.table !== undefined && r.table <= 255 ? r.table : RT_TABLE_UNSPEC,
        action: RULE_ACTIONS[r.action],
        flags: r.invert ? { invert: true } : {},
      } as rt.Rule,
      attrs,
    };
  }

  const add = async (type: number, message: Promise<rt.RouteMessage | rt.RuleMessage>, flags: number, what: string) => {
    try {
      await sock.request({ type, body: messageBody(await message), flags, what });
      return 'added' as const;
    } catch (err) {
      const e = toNetlinkError(what, err);
      if (e.code === 'EEXIST') return 'present' as const;
      throw e;
    }
  };
  const remove = async (type: number, message: Promise<rt.RouteMessage | rt.RuleMessage>, what: string) => {
    try {
      await sock.request({ type, body: messageBody(await message), what });
      return 'removed' as const;
    } catch (err) {
      const e = toNetlinkError(what, err);
      if (e.code === 'ESRCH' || e.code === 'ENOENT' || e.code === 'ENODEV') return 'absent' as const;
      throw e;
    }
  };

  return {
    addRoute(r) {
      const what = `cannot add route ${routeLine(r)}`;
      // keepalived's prepend is the kernel's plain NLM_F_CREATE; add refuses a matching route; append adds after.
      const mode = r.mode === 'add' ? FlagsNew.EXCL : r.mode === 'append' ? FlagsNew.APPEND : 0;
      return add(rt.MessageType.NEWROUTE, routeMessage(r, what, false), FlagsNew.CREATE | mode, what);
    },
    removeRoute(r) {
      const what = `cannot remove route ${routeLine(r)}`;
      return remove(rt.MessageType.DELROUTE, routeMessage(r, what, true), what);
    },
    addRule(r) {
      const what = `cannot add rule ${ruleLine(r)}`;
      return add(rt.MessageType.NEWRULE, ruleMessage(r), FlagsNew.CREATE | FlagsNew.EXCL, what);
    },
    removeRule(r) {
      const what = `cannot remove rule ${ruleLine(r)}`;
      return remove(rt.MessageType.DELRULE, ruleMessage(r), what);
    },
    async removeRoutesOf(protocol) {
      const removed: string[] = [];
      for (const family of [4, 6] as const) {
        const what = `cannot list IPv${family} routes`;
        const replies = await sock.dump({
          type: rt.MessageType.GETROUTE,
          body: messageBody({ kind: 'route', data: { family: afOf(family) } as rt.Route, attrs: {} }),
          what,
        });
        for (const { message: m } of replies) {
          if (m.kind !== 'route' || m.data.protocol !== protocol) continue;
          const table = m.attrs.table ?? m.data.table ?? 0;
          const dst = m.attrs.dst ? formatAddress(m.attrs.dst) : family === 4 ? '0.0.0.0' : '::';
          const line = `${dst}/${m.data.dstLen ?? 0} table ${table} protocol ${protocol}`;
          try {
            // The kernel's own message names the route exactly (table, type, metric, device).
            await sock.request({
              type: rt.MessageType.DELROUTE,
              body: messageBody(m),
              what: `cannot remove route ${line}`,
            });
            removed.push(line);
          } catch (err) {
            const e = toNetlinkError(`cannot remove route ${line}`, err);
            if (e.code !== 'ESRCH' && e.code !== 'ENOENT') throw e;
          }
        }
      }
      return removed;
    },
    close: () => sock.close(),
  };
}

/** What `ip route` picks when no scope is given: host for local, link for a direct unicast route, else global. */
function defaultScope(r: RouteSpec): number {
  if (r.type === 'local' || r.type === 'nat') return SCOPES.host;
  if (r.type === 'unicast' && r.via === undefined && r.nexthops.length === 0) return SCOPES.link;
  if (r.type === 'broadcast' || r.type === 'multicast' || r.type === 'anycast') return SCOPES.link;
  return SCOPES.global;
}
