/** keepalived's route and rule lines → typed values (core/config/routing.ts), sample and man-page lines included. */
import { describe, expect, it } from 'vitest';
import { PROTOCOL_KEEPALIVED, parseRouteLine, parseRuleLine } from '../../src/core/config/routing.js';

const route = (line: string) => {
  const r = parseRouteLine(line);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};
const routeError = (line: string) => {
  const r = parseRouteLine(line);
  return r.ok ? undefined : r.error;
};
const rule = (line: string, auto = 16384) => {
  const r = parseRuleLine(line, auto);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

describe('route lines', () => {
  it('src, via and dev, with keepalived defaults (main table, protocol 18, prepend)', () => {
    expect(route('src 192.168.100.1 192.168.109.0/24 via 192.168.200.254 dev eth1')).toEqual({
      family: 4,
      type: 'unicast',
      dst: '192.168.109.0',
      prefix: 24,
      src: '192.168.100.1',
      via: '192.168.200.254',
      dev: 'eth1',
      onlink: false,
      nexthops: [],
      table: 254,
      protocol: PROTOCOL_KEEPALIVED,
      metrics: {},
      mode: 'prepend',
      noTrack: false,
    });
  });

  it('types, "to", default routes, tables, scope, metric, protocol, metrics with lock, modes, no_track', () => {
    expect(route('blackhole 192.168.113.1/32')).toMatchObject({ type: 'blackhole', dst: '192.168.113.1', prefix: 32 });
    expect(route('to unreachable 10.9.0.0/16 table 100 metric 20')).toMatchObject({
      type: 'unreachable',
      table: 100,
      metric: 20,
    });
    expect(route('0.0.0.0/0 gw 192.168.0.1 table 100')).toMatchObject({
      dst: '0.0.0.0',
      prefix: 0,
      via: '192.168.0.1',
      table: 100,
    });
    expect(route('default via 2001:db8::1 dev eth0')).toMatchObject({ family: 6, dst: '::', prefix: 0 });
    expect(route('192.168.212.0/24 dev eth3 scope site protocol bird')).toMatchObject({ scope: 'site', protocol: 12 });
    expect(route('10.0.0.0/8 dev eth0 mtu lock 1400 advmss 1360 initcwnd 10 append no_track')).toMatchObject({
      metrics: { mtu: 1400, advmss: 1360, initcwnd: 10, lock: ['mtu'] },
      mode: 'append',
      noTrack: true,
    });
    expect(route('192.168.1.5 dev eth0')).toMatchObject({ dst: '192.168.1.5', prefix: 32 });
  });

  it('"or" (deprecated) and nexthop make multipath routes', () => {
    const or = parseRouteLine('192.168.113.0/24 via 192.168.100.252 or 192.168.100.253');
    expect(or.ok && or.value.nexthops.map((h) => h.via)).toEqual(['192.168.100.252', '192.168.100.253']);
    expect(or.ok && or.warnings).toEqual([
      'route "192.168.113.0/24 via 192.168.100.252 or 192.168.100.253": "or" is deprecated (keepalived): use "nexthop"',
    ]);
    expect(
      route(
        '192.168.100.0/24 table 6909 nexthop via 192.168.101.1 dev wlan0 onlink weight 1 nexthop via 192.168.101.2 dev wlan0 onlink weight 2',
      ).nexthops,
    ).toEqual([
      { via: '192.168.101.1', dev: 'wlan0', onlink: true, weight: 1 },
      { via: '192.168.101.2', dev: 'wlan0', onlink: true, weight: 2 },
    ]);
  });

  it.each([
    ['192.168.1.0/24 via 10.0.0.1 bogus', 'unknown word or bad destination "bogus"'],
    ['via 10.0.0.1 dev eth0', 'it has no destination'],
    ['10.0.0.0/8', 'a unicast route needs "via", "dev" or "nexthop"'],
    ['10.0.0.0/8 via 2001:db8::1', 'cannot mix IPv4 and IPv6 addresses'],
    ['10.0.0.0/33 dev eth0', 'unknown word or bad destination "10.0.0.0/33"'],
    ['10.0.0.0/8 dev eth0 table mytable', 'table must be a number or main, local, default'],
    ['10.0.0.0/8 dev eth0 scope galaxy', 'scope must be one of global, site, link, host, nowhere'],
  ])('%s → %s', (line, error) => {
    expect(routeError(line)).toContain(error);
  });
});

describe('rule lines', () => {
  it('from/to with tables; a rule without preference gets the one offered, with a warning', () => {
    const r = parseRuleLine('from 192.168.100.0/24 table 1', 16384);
    expect(r.ok && r.value).toMatchObject({
      family: 4,
      from: { address: '192.168.100.0', prefix: 24 },
      table: 1,
      priority: 16384,
      autoPreference: true,
      protocol: 18,
    });
    expect(r.ok && r.warnings[0]).toContain('has no preference: it gets 16384');
    expect(rule('to 192.168.2.0/24 lookup main preference 100')).toMatchObject({
      to: { address: '192.168.2.0', prefix: 24 },
      table: 254,
      priority: 100,
      autoPreference: false,
    });
  });

  it("the man page's rules: iif/oif, tos, fwmark/mask, goto, uidrange, ipproto, ports, l3mdev, actions", () => {
    expect(
      rule(
        'from 192.168.28.0/24 to 192.168.29.0/26 table 7 iif p33p1 oif wlan0 tos 22 fwmark 24/12 preference 39 goto 40',
      ),
    ).toMatchObject({
      iif: 'p33p1',
      oif: 'wlan0',
      tos: 22,
      fwmark: 24,
      fwmask: 12,
      priority: 39,
      goto: 40,
      action: 'goto',
    });
    expect(rule('to 1:2:3:4:5:6:7:0/112 from 7:6:5:4:3:2::/96 table 6908 uidrange 10000-19999')).toMatchObject({
      family: 6,
      uidRange: [10000, 19999],
    });
    expect(
      rule('to 1:2:3:4:6:6:7:0/112 from 8:6:5:4:3:2::/96 l3mdev protocol 12 ipproto UDP sport 10-20 dport 20-30'),
    ).toMatchObject({
      l3mdev: true,
      protocol: 12,
      ipProto: 17,
      sport: [10, 20],
      dport: [20, 30],
    });
    expect(rule('from all fwmark 7 blackhole preference 5')).toMatchObject({
      action: 'blackhole',
      fwmark: 7,
      from: undefined,
    });
    expect(rule('not from 10.0.0.0/8 table 5 preference 6')).toMatchObject({ invert: true });
  });

  it("keepalived's own sample has a bad address: a clear error names it", () => {
    const r = parseRuleLine('to 192.168.100./24 table 1', 16383);
    expect(r.ok ? undefined : r.error).toBe(
      'rule "to 192.168.100./24 table 1": to needs an address or prefix, got "192.168.100./24"',
    );
    const none = parseRuleLine('from 10.0.0.0/8', 1);
    expect(none.ok ? undefined : none.error).toContain('it has no table, goto or action');
  });
});
