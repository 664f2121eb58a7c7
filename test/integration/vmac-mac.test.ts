/**
 * `use_vmac NAME MAC` (keepalived 2.2.7: the VMAC's MAC given, five octets taking the VRID as the sixth), vipd
 * against keepalived: each the master of its own instance with the same line, the VMAC interface as the kernel
 * shows it (`ip -d -j link`: kind, mode, MAC, base) and the VIP on it compared.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { KeepalivedRouter, VipdRouter } from '../helpers/routers.js';

const config = (vrid: number, vip: string) => `global_defs {
  script_user root
}
vrrp_instance VI_${vrid} {
  state MASTER
  interface eth0
  virtual_router_id ${vrid}
  priority 150
  advert_int 1
  use_vmac vmac 02:aa:bb:cc:dd
  virtual_ipaddress {
    ${vip}/24
  }
}
`;

/** The VMAC as the kernel has it, with what differs between the hosts (the VRID's octet) left out. */
function vmacOf(lab: Lab, host: string) {
  const [link] = JSON.parse(lab.exec(host, 'ip', '-d', '-j', 'link', 'show', 'dev', 'vmac')) as {
    address: string;
    link: string;
    linkinfo: { info_kind: string; info_data?: { mode?: string } };
  }[];
  const addrs = JSON.parse(lab.exec(host, 'ip', '-j', '-4', 'addr', 'show', 'dev', 'vmac')) as {
    addr_info: { local: string; prefixlen: number }[];
  }[];
  return {
    kind: link?.linkinfo.info_kind,
    mode: link?.linkinfo.info_data?.mode,
    base: link?.link,
    mac: link?.address,
    addresses: addrs.flatMap((a) => a.addr_info.map((i) => `${i.local}/${i.prefixlen}`)),
  };
}

describe.skipIf(!canRunNetns())('use_vmac with a MAC address, vipd and keepalived 2.2.7 alike', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it('a private macvlan on eth0 with the given MAC and the VRID, holding the VIP', async () => {
    lab = Lab.create('vmacmac', ['r1', 'r2']);
    const vipd = new VipdRouter(lab, 'r1', {
      name: 'v',
      vrid: 91,
      vips: ['192.0.2.91'],
      configText: config(91, '192.0.2.91'),
    });
    const keepalived = new KeepalivedRouter(lab, 'r2', {
      name: 'k',
      vrid: 92,
      vips: ['192.0.2.92'],
      configText: config(92, '192.0.2.92'),
    });
    vipd.start();
    keepalived.start();
    // Each VIP lives on the VMAC, not on eth0.
    const onVmac = (host: string) =>
      (lab.tryExec(host, 'ip', '-4', 'addr', 'show', 'dev', 'vmac') ?? '').includes('192.0.2.9') ? true : undefined;
    await waitFor(() => onVmac('r1'), 10_000, 50, 'vipd holds its VIP on the VMAC');
    await waitFor(() => onVmac('r2'), 10_000, 50, 'keepalived holds its VIP on the VMAC');
    const ours = vmacOf(lab, 'r1');
    const theirs = vmacOf(lab, 'r2');
    expect(theirs).toEqual({
      kind: 'macvlan',
      mode: 'private',
      base: 'eth0',
      mac: '02:aa:bb:cc:dd:5c',
      addresses: ['192.0.2.92/24'],
    });
    expect(ours).toEqual({ ...theirs, mac: '02:aa:bb:cc:dd:5b', addresses: ['192.0.2.91/24'] });
  });
});
