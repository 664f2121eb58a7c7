/**
 * keepalived's address options on virtual_ipaddress (peer, home, -nodad, mngtmpaddr, noprefixroute, autojoin,
 * preferred_lft), vipd against keepalived 2.2.7: each MASTER of its own instance with the same lines, the kernel's
 * view of the addresses (ip -d addr) compared, flags, lifetimes and peer included.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { KeepalivedRouter, VipdRouter } from '../helpers/routers.js';

/** One address line of `ip -o addr show dev eth0`, with what differs between the two hosts left out. */
function kernelLines(lab: Lab, host: string, family: '-4' | '-6'): string[] {
  return lab
    .exec(host, 'ip', '-o', family, 'addr', 'show', 'dev', 'eth0')
    .split('\n')
    .filter((l) => /\b(192\.0\.2\.(2|3)\d|2001:db8:(a|b)|224\.0\.0\.2[0-9]\d|ff0e)/.test(l))
    .map((l) =>
      l
        .replace(/^\d+: eth0\s+/, '')
        .replace(/\\\s+/, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .sort();
}

const config = (vrid: number, lines: string[]) => `global_defs {
  script_user root
}
vrrp_instance VI_${vrid} {
  state MASTER
  interface eth0
  virtual_router_id ${vrid}
  priority 150
  advert_int 1
  virtual_ipaddress {
${lines.map((l) => `    ${l}`).join('\n')}
  }
}
`;

describe.skipIf(!canRunNetns())('address options, vipd and keepalived 2.2.7 alike', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it('peer, noprefixroute, and preferred_lft ignored (IPv4)', async () => {
    lab = Lab.create('addropt', ['r1', 'r2']);
    // The same options on both; each host's own addresses (x = 2 on r1, 3 on r2) so the lines can be compared.
    const lines = (x: number) => [
      `192.0.2.${x}1/24 noprefixroute`,
      `192.0.2.${x}2 peer 192.0.2.${x}9`,
      `192.0.2.${x}3/24 preferred_lft 0`,
    ];
    const vipd = new VipdRouter(lab, 'r1', {
      name: 'v',
      vrid: 71,
      vips: ['192.0.2.21'],
      configText: config(71, lines(2)),
    });
    const keepalived = new KeepalivedRouter(lab, 'r2', {
      name: 'k',
      vrid: 72,
      vips: ['192.0.2.31'],
      configText: config(72, lines(3)),
    });
    vipd.start();
    keepalived.start();
    const three = (host: string) => (kernelLines(lab, host, '-4').length === 3 ? true : undefined);
    await waitFor(() => three('r1'), 10_000, 50, 'vipd adds its three addresses');
    await waitFor(() => three('r2'), 10_000, 50, 'keepalived adds its three addresses');
    const ours = kernelLines(lab, 'r1', '-4').map((l) => l.replaceAll('192.0.2.2', '192.0.2.X'));
    const theirs = kernelLines(lab, 'r2', '-4').map((l) => l.replaceAll('192.0.2.3', '192.0.2.X'));
    expect(theirs.join('\n')).toContain('noprefixroute');
    expect(theirs.join('\n')).toContain('peer 192.0.2.X9/32');
    // keepalived sets preferred_lft on IPv6 addresses only.
    expect(ours).toEqual(theirs);
  });

  it('home, -nodad, mngtmpaddr, noprefixroute, preferred_lft (IPv6)', async () => {
    lab = Lab.create('addropt6', ['r1', 'r2']);
    const lines = (x: string) => [
      `2001:db8:${x}::1/64 home`,
      `2001:db8:${x}::2/64 -nodad mngtmpaddr`,
      `2001:db8:${x}::3/64 noprefixroute preferred_lft 0`,
    ];
    const conf6 = (vrid: number, x: string) =>
      config(vrid, [`fe80::${vrid}/64`, ...lines(x)]).replace('advert_int 1', 'advert_int 1\n  version 3');
    const vipd = new VipdRouter(lab, 'r1', {
      name: 'v',
      vrid: 73,
      family: 6,
      vips: ['2001:db8:a::1'],
      configText: conf6(73, 'a'),
    });
    const keepalived = new KeepalivedRouter(lab, 'r2', {
      name: 'k',
      vrid: 74,
      family: 6,
      vips: ['2001:db8:b::1'],
      configText: conf6(74, 'b'),
    });
    vipd.start();
    keepalived.start();
    const three = (host: string) => (kernelLines(lab, host, '-6').length === 3 ? true : undefined);
    await waitFor(() => three('r1'), 15_000, 50, 'vipd adds its addresses');
    await waitFor(() => three('r2'), 15_000, 50, 'keepalived adds its addresses');
    // keepalived leaves DAD on where -nodad is not written: its addresses may still be "tentative" for a moment.
    const settle = (l: string) => l.replace(/ tentative/, '');
    const ours = kernelLines(lab, 'r1', '-6').map((l) => settle(l.replaceAll('2001:db8:a:', '2001:db8:X:')));
    const theirs = kernelLines(lab, 'r2', '-6').map((l) => settle(l.replaceAll('2001:db8:b:', '2001:db8:X:')));
    expect(theirs.join('\n')).toMatch(/home/);
    expect(theirs.join('\n')).toMatch(/mngtmpaddr/);
    expect(theirs.join('\n')).toMatch(/noprefixroute/);
    expect(theirs.join('\n')).toMatch(/preferred_lft 0sec/);
    expect(ours.map((l) => l.replace(/ nodad/, ''))).toEqual(theirs.map((l) => l.replace(/ nodad/, '')));
  });
});
