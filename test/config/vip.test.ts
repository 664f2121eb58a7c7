import { describe, expect, it } from 'vitest';
import { parseVip } from '../../src/core/config/vip.js';

const ok = (line: string, dev = 'eth0') => {
  const r = parseVip(line, dev);
  if (!r.ok) throw new Error(r.error);
  return r;
};
const err = (line: string) => {
  const r = parseVip(line, 'eth0');
  if (r.ok) throw new Error(`expected an error for ${line}`);
  return r.error;
};

describe('parseVip (keepalived virtual_ipaddress lines)', () => {
  it('defaults the prefix to /32 and the device to the instance interface', () => {
    expect(ok('10.0.0.1').spec).toEqual({ family: 4, address: '10.0.0.1', prefix: 32, dev: 'eth0' });
  });

  it('defaults an IPv6 prefix to /128 and canonicalises the address', () => {
    expect(ok('2001:DB8:0::1').spec).toEqual({ family: 6, address: '2001:db8::1', prefix: 128, dev: 'eth0' });
  });

  it('reads every supported option', () => {
    expect(ok('192.0.2.10/24 brd 192.0.2.255 dev eth1 scope link label eth1:vip').spec).toEqual({
      family: 4,
      address: '192.0.2.10',
      prefix: 24,
      dev: 'eth1',
      broadcast: '192.0.2.255',
      scope: 'link',
      label: 'eth1:vip',
    });
  });

  it('reads use_vmac (for an instance address; a static address has no VMAC)', () => {
    expect(ok('10.0.0.1/24 dev eth1 use_vmac')).toMatchObject({ useVmac: true, spec: { dev: 'eth1' } });
    expect(ok('10.0.0.1/24 dev eth1').useVmac).toBe(false);
    const r = parseVip('10.0.0.1/24 dev eth1 use_vmac', '', true);
    expect(r.ok ? 'accepted' : r.error).toBe(
      'virtual_ipaddress "10.0.0.1/24 dev eth1 use_vmac": use_vmac applies to an instance\'s addresses only',
    );
  });

  it('computes brd + and brd - (broadcast is an alias of brd)', () => {
    expect(ok('192.0.2.10/24 brd +').spec.broadcast).toBe('192.0.2.255');
    expect(ok('192.0.2.10/24 broadcast -').spec.broadcast).toBe('192.0.2.0');
    expect(ok('10.1.2.3/8 brd +').spec.broadcast).toBe('10.255.255.255');
    expect(err('10.0.0.1/31 brd +')).toBe(
      'virtual_ipaddress "10.0.0.1/31 brd +": brd + needs a prefix of /30 or shorter, not /31',
    );
  });

  it('no_track marks the address', () => {
    expect(ok('10.0.0.1/24 no_track dev eth1').spec).toMatchObject({ address: '10.0.0.1', dev: 'eth1', noTrack: true });
  });

  it('warns when a label is not of the form DEV:NAME', () => {
    expect(ok('10.0.0.1 label vip1').warnings).toEqual([
      'virtual_ipaddress "10.0.0.1 label vip1": label "vip1" should have the form "eth0:NAME" (ifconfig-style alias)',
    ]);
    expect(ok('10.0.0.1 label eth0:1').warnings).toEqual([]);
  });

  it("keepalived's address options: peer, home, -nodad, mngtmpaddr, noprefixroute, autojoin, preferred_lft", () => {
    expect(ok('10.0.0.1 peer 10.0.0.2').spec).toMatchObject({ prefix: 32, peer: { address: '10.0.0.2' } });
    expect(ok('2001:db8::1/64 home -nodad mngtmpaddr noprefixroute preferred_lft 0').spec).toMatchObject({
      flags: { home: true, manageTempAddr: true, noPrefixRoute: true },
      preferredLifetimeS: 0,
    });
    expect(ok('224.0.0.100 autojoin').spec.flags).toEqual({ autoJoin: true });
    expect(ok('10.0.0.1/24 preferred_lft 0').warnings).toEqual([
      'virtual_ipaddress "10.0.0.1/24 preferred_lft 0": preferred_lft applies to IPv6 addresses: keepalived 2.2.7 ignores it here, and so does vipd',
    ]);
    expect(ok('10.0.0.1/24 preferred_lft 0').spec.preferredLifetimeS).toBeUndefined();
  });

  it.each([
    ['10.0.0.1 bogus x', 'unknown option "bogus" in virtual_ipaddress "10.0.0.1 bogus x"'],
    ['10.0.0.1 home', 'virtual_ipaddress "10.0.0.1 home": home applies to IPv6 addresses only'],
    [
      '10.0.0.1/24 peer 10.0.0.2',
      'virtual_ipaddress "10.0.0.1/24 peer 10.0.0.2": an address with a peer takes no /prefix (it is /32)',
    ],
    [
      '10.0.0.1 peer 10.0.0.2/32',
      'virtual_ipaddress "10.0.0.1 peer 10.0.0.2/32": peer "10.0.0.2/32" is not an IPv4 address (without /prefix)',
    ],
    [
      '2001:db8::1 preferred_lft soon',
      'virtual_ipaddress "2001:db8::1 preferred_lft soon": preferred_lft must be seconds or forever, not "soon"',
    ],
    ['10.0.0.1/33', 'virtual_ipaddress "10.0.0.1/33": prefix length "/33" must be 1–32'],
    ['2001:db8::1/129', 'virtual_ipaddress "2001:db8::1/129": prefix length "/129" must be 1–128'],
    ['10.0.0.1/', 'virtual_ipaddress "10.0.0.1/": prefix length "/" must be 1–32'],
    ['10.0.0.256/24', 'virtual_ipaddress "10.0.0.256/24": "10.0.0.256" is not an IPv4 or IPv6 address'],
    ['vip.example.com', 'virtual_ipaddress "vip.example.com": "vip.example.com" is not an IPv4 or IPv6 address'],
    ['fe80::1%eth0', 'virtual_ipaddress "fe80::1%eth0": an address zone (%...) is not allowed'],
    ['224.0.0.18', 'virtual_ipaddress "224.0.0.18": 224.0.0.18 is a multicast address (autojoin joins its group)'],
    ['0.0.0.0', 'virtual_ipaddress "0.0.0.0": 0.0.0.0 is the unspecified address'],
    ['10.0.0.1 dev', 'virtual_ipaddress "10.0.0.1 dev": dev needs a value'],
    ['10.0.0.1 dev eth0 dev eth1', 'virtual_ipaddress "10.0.0.1 dev eth0 dev eth1": dev is given twice'],
    ['10.0.0.1 dev a/b', 'virtual_ipaddress "10.0.0.1 dev a/b": "a/b" is not an interface name'],
    [
      '10.0.0.1 scope universe',
      'virtual_ipaddress "10.0.0.1 scope universe": scope must be one of global, site, link, host, nowhere, not "universe"',
    ],
    ['2001:db8::1 scope link', 'virtual_ipaddress "2001:db8::1 scope link": scope applies to IPv4 addresses only'],
    ['2001:db8::1 label eth0:1', 'virtual_ipaddress "2001:db8::1 label eth0:1": label applies to IPv4 addresses only'],
    ['2001:db8::1 brd +', 'virtual_ipaddress "2001:db8::1 brd +": IPv6 addresses have no broadcast address'],
    [
      '10.0.0.1 brd 2001:db8::1',
      'virtual_ipaddress "10.0.0.1 brd 2001:db8::1": brd "2001:db8::1" is not an IPv4 address',
    ],
    [
      '10.0.0.1 label eth0:waytoolonglabel',
      'virtual_ipaddress "10.0.0.1 label eth0:waytoolonglabel": label "eth0:waytoolonglabel" must be 1–15 characters',
    ],
    ['', 'empty virtual_ipaddress entry'],
  ])('refuses %j', (line, message) => {
    expect(err(line)).toBe(message);
  });
});
