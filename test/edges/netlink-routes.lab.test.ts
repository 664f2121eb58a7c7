/**
 * src/edges/netlink/routes.ts against the real kernel in a lab namespace: each route and rule form vipd reads from
 * keepalived's lines is added, read back with `ip -j route` / `ip -j rule` as iproute2 would have made it, found
 * 'present' when added again (so never vipd's to remove), and removed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseRouteLine, parseRuleLine } from '../../src/core/config/routing.js';
import type { RouteSpec, RuleSpec } from '../../src/core/net.js';
import { results, runOps } from '../helpers/netlink-probe.js';
import { canRunNetns, Lab } from '../helpers/netns.js';

const route = (line: string): RouteSpec => {
  const r = parseRouteLine(line);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const rule = (line: string): RuleSpec => {
  const r = parseRuleLine(line, 16384);
  if (!r.ok) throw new Error(r.error);
  const { autoPreference: _, ...spec } = r.value;
  return spec;
};

describe.skipIf(!canRunNetns())('netlink routes and rules (namespaces)', () => {
  let lab: Lab | undefined;
  afterEach(() => lab?.destroy());

  it('adds each form as ip would, says present on a repeat, removes it', async () => {
    lab = Lab.create('routes', ['r1']);
    const h = lab;
    h.exec('r1', 'ip', 'addr', 'add', '192.0.2.50/24', 'dev', 'eth0');
    const routes = [
      route('src 192.0.2.50 198.51.100.0/24 via 192.0.2.254 dev eth0 metric 7'),
      route('blackhole 203.0.113.0/24 table 100'),
      route('unreachable 203.0.113.128/25 table 1000 protocol static'),
      route('10.20.0.0/16 dev eth0 scope link mtu lock 1400'),
      route('10.30.0.0/16 nexthop via 192.0.2.1 dev eth0 weight 1 nexthop via 192.0.2.2 dev eth0 weight 3'),
      route('2001:db8:9::/48 via 2001:db8::1 dev eth0'),
    ];
    const rules = [
      rule('from 192.0.2.0/24 table 100 preference 100'),
      rule('to 198.51.100.0/24 fwmark 5/7 iif eth0 lookup 1000 preference 101'),
      rule('inet6 from 2001:db8::/32 table 100 preference 102'),
      rule('from all ipproto tcp dport 80-90 blackhole preference 103'),
    ];
    const run = await runOps(h, 'r1', [
      ...routes.map((r) => ({ op: 'addRoute' as const, route: r })),
      ...rules.map((r) => ({ op: 'addRule' as const, rule: r })),
      { op: 'addRoute', route: routes[0] as RouteSpec },
      { op: 'addRule', rule: rules[0] as RuleSpec },
    ]);
    expect(results(run).map((r) => r.result ?? r.message)).toEqual([
      ...routes.map(() => 'added'),
      ...rules.map(() => 'added'),
      'present',
      'present',
    ]);
    const show = (...args: string[]) => h.exec('r1', 'ip', ...args).trim();
    expect(show('route', 'show', '198.51.100.0/24')).toBe(
      '198.51.100.0/24 via 192.0.2.254 dev eth0 proto keepalived src 192.0.2.50 metric 7',
    );
    expect(show('route', 'show', 'table', '100')).toBe('blackhole 203.0.113.0/24 proto keepalived');
    expect(show('route', 'show', 'table', '1000')).toBe('unreachable 203.0.113.128/25 proto static');
    expect(show('route', 'show', '10.20.0.0/16')).toBe(
      '10.20.0.0/16 dev eth0 proto keepalived scope link mtu lock 1400',
    );
    expect(show('route', 'show', '10.30.0.0/16').replace(/\s+/g, ' ')).toBe(
      '10.30.0.0/16 proto keepalived nexthop via 192.0.2.1 dev eth0 weight 1 nexthop via 192.0.2.2 dev eth0 weight 3',
    );
    expect(show('-6', 'route', 'show', '2001:db8:9::/48')).toMatch(
      /^2001:db8:9::\/48 via 2001:db8::1 dev eth0 proto keepalived metric 1024/,
    );
    const ruleText = show('rule', 'show');
    expect(ruleText).toContain('100:\tfrom 192.0.2.0/24 lookup 100 proto keepalived');
    expect(ruleText).toContain(
      '101:\tfrom all to 198.51.100.0/24 fwmark 0x5/0x7 iif eth0 lookup 1000 proto keepalived',
    );
    expect(ruleText).toContain('103:\tfrom all ipproto tcp dport 80-90 blackhole proto keepalived');
    expect(show('-6', 'rule', 'show')).toContain('102:\tfrom 2001:db8::/32 lookup 100 proto keepalived');

    const removed = await runOps(h, 'r1', [
      ...routes.map((r) => ({ op: 'removeRoute' as const, route: r })),
      ...rules.map((r) => ({ op: 'removeRule' as const, rule: r })),
      { op: 'removeRoute', route: routes[1] as RouteSpec },
      { op: 'removeRule', rule: rules[1] as RuleSpec },
    ]);
    expect(results(removed).map((r) => r.result ?? r.message)).toEqual([
      ...routes.map(() => 'removed'),
      ...rules.map(() => 'removed'),
      'absent',
      'absent',
    ]);
    expect(show('route', 'show', 'proto', 'keepalived', 'table', 'all')).toBe('');
    expect(show('rule', 'show')).not.toContain('keepalived');
  });
});
