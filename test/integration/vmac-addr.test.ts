/**
 * VMACs for addresses, vipd against keepalived 2.2.7 on the same file: `use_vmac_addr` (an address of the other
 * family on the instance's interface, and one on another interface, each on a VMAC of its own) and an address
 * line's `use_vmac` in an instance without a VMAC. Each router is the master of its own instances; the macvlans as
 * the kernel shows them (name, base, mode, MAC, addresses) are compared, with the VRID left out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { KeepalivedRouter, VipdRouter } from '../helpers/routers.js';

/**
 * Two instances on eth0, VRIDs `vrid` and `vrid + 10`; `n` tells the addresses of one host from the other's (the
 * hosts' own are 192.0.2.1x).
 */
const config = (vrid: number, n: number) => `global_defs {
  script_user root
}
vrrp_instance A {
  state MASTER
  interface eth0
  virtual_router_id ${vrid}
  priority 150
  advert_int 1
  use_vmac
  use_vmac_addr
  virtual_ipaddress {
    192.0.2.${200 + n}/24
  }
  virtual_ipaddress_excluded {
    198.51.100.${n}/24 dev eth1
    fd00::${n}/64
  }
}
vrrp_instance B {
  state MASTER
  interface eth0
  virtual_router_id ${vrid + 10}
  priority 150
  advert_int 1
  virtual_ipaddress {
    192.0.2.${210 + n}/24
    203.0.113.${n}/24 dev eth1 use_vmac
  }
}
`;

interface AddrInfo {
  local: string;
  prefixlen: number;
  scope: string;
  preferred_life_time: number;
}

interface Link {
  ifname: string;
  address: string;
  link: string;
  linkinfo: { info_kind: string; info_data?: { mode?: string } };
}

/** Every macvlan of a host with what it holds, the VRIDs and the host's address octet written as words. */
function macvlans(lab: Lab, host: string, vrid: number, n: number) {
  const links = JSON.parse(lab.exec(host, 'ip', '-d', '-j', 'link', 'show', 'type', 'macvlan')) as Link[];
  const words = (s: string) =>
    s
      .replaceAll(`.${vrid + 10}`, '.VRID_B')
      .replaceAll(`.${vrid}`, '.VRID_A')
      .replace(new RegExp(`:${(vrid + 10).toString(16)}$`), ':VRID_B')
      .replace(new RegExp(`:${vrid.toString(16)}$`), ':VRID_A')
      .replace(new RegExp(`\\.${200 + n}$`), '.VIP_A')
      .replace(new RegExp(`\\.${210 + n}$`), '.VIP_B')
      .replace(new RegExp(`([.:])${n}$`), '$1N');
  const address = (i: AddrInfo, base: string) => {
    if (i.scope !== 'link') return `${words(i.local)}/${i.prefixlen}`;
    const own = lab.linkLocal(host, base) === i.local ? "base's" : 'another';
    return `${own} link-local/${i.prefixlen} preferred ${i.preferred_life_time}`;
  };
  return links
    .map((l) => {
      const addrs = JSON.parse(lab.exec(host, 'ip', '-j', 'addr', 'show', 'dev', l.ifname)) as {
        addr_info: AddrInfo[];
      }[];
      return {
        name: words(l.ifname),
        base: l.link,
        kind: l.linkinfo.info_kind,
        mode: l.linkinfo.info_data?.mode,
        mac: words(l.address),
        // The link-local one by what it is: the base's own, deprecated (preferred_lft 0)
        addresses: addrs.flatMap((a) => a.addr_info.map((i) => address(i, l.link))).sort(),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

describe.skipIf(!canRunNetns())('VMACs for addresses, vipd and keepalived 2.2.7 alike', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it('use_vmac_addr and an address use_vmac: the same macvlans, names, MACs and addresses', async () => {
    lab = Lab.create('vmacaddr', ['r1', 'r2']);
    for (const host of ['r1', 'r2']) {
      // A second Ethernet interface (this kernel has no dummy): one end of a veth pair, both in the host.
      lab.exec(host, 'ip', 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p');
      lab.exec(host, 'ip', 'link', 'set', 'eth1p', 'up');
      lab.exec(host, 'ip', 'link', 'set', 'eth1', 'up');
    }
    const vipd = new VipdRouter(lab, 'r1', { name: 'v', vrid: 61, vips: [], configText: config(61, 1) });
    const keepalived = new KeepalivedRouter(lab, 'r2', { name: 'k', vrid: 62, vips: [], configText: config(62, 2) });
    vipd.start();
    keepalived.start();
    // The last address each puts in place: B's on its address VMAC.
    const holds = (host: string, address: string) =>
      (lab.tryExec(host, 'ip', '-4', 'addr', 'show') ?? '').includes(address) ? true : undefined;
    await waitFor(() => holds('r1', '203.0.113.1/'), 10_000, 50, 'vipd holds its addresses');
    await waitFor(() => holds('r2', '203.0.113.2/'), 10_000, 50, 'keepalived holds its addresses');
    await waitFor(() => holds('r1', '198.51.100.1/'), 10_000, 50, 'vipd holds its excluded address');
    await waitFor(() => holds('r2', '198.51.100.2/'), 10_000, 50, 'keepalived holds its excluded address');
    const theirs = macvlans(lab, 'r2', 62, 2);
    expect(theirs.map((l) => l.name)).toEqual(['vrrp.VRID_A', 'vrrp.VRID_B', 'vrrp1.VRID_A', 'vrrp6.VRID_A']);
    expect(macvlans(lab, 'r1', 61, 1)).toEqual(theirs);
  });

  it('two instances of one VRID with use_vmac and no name: vrrp.VRID, then the IPv6 one vrrp6.VRID', async () => {
    lab = Lab.create('vmacname', ['r1', 'r2']);
    const both = (vrid: number, n: number) => `vrrp_instance A {
  state MASTER
  interface eth0
  virtual_router_id ${vrid}
  priority 150
  advert_int 1
  use_vmac
  virtual_ipaddress {
    192.0.2.${200 + n}/24
  }
}
vrrp_instance B {
  state MASTER
  interface eth0
  virtual_router_id ${vrid}
  priority 150
  advert_int 1
  use_vmac
  virtual_ipaddress {
    fe80::${n}/64
  }
}
`;
    const vipd = new VipdRouter(lab, 'r1', { name: 'v', vrid: 63, vips: [], configText: both(63, 1) });
    const keepalived = new KeepalivedRouter(lab, 'r2', { name: 'k', vrid: 64, vips: [], configText: both(64, 2) });
    vipd.start();
    keepalived.start();
    const holds = (host: string, address: string) =>
      (lab.tryExec(host, 'ip', 'addr', 'show') ?? '').includes(address) ? true : undefined;
    await waitFor(() => holds('r1', 'fe80::1/'), 10_000, 50, 'vipd holds its IPv6 address');
    await waitFor(() => holds('r2', 'fe80::2/'), 10_000, 50, 'keepalived holds its IPv6 address');
    await waitFor(() => holds('r1', '192.0.2.201/'), 10_000, 50, 'vipd holds its IPv4 address');
    await waitFor(() => holds('r2', '192.0.2.202/'), 10_000, 50, 'keepalived holds its IPv4 address');
    const theirs = macvlans(lab, 'r2', 64, 2);
    expect(theirs.map((l) => `${l.name} ${l.mac}`)).toEqual([
      'vrrp.VRID_A 00:00:5e:00:01:VRID_A',
      'vrrp6.VRID_A 00:00:5e:00:02:VRID_A',
    ]);
    expect(macvlans(lab, 'r1', 63, 1)).toEqual(theirs);
  });
});
