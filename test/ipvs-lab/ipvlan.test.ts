/**
 * keepalived's `use_ipvlan` on a kernel that has ipvlan (user-mode Linux; this machine's has none): vipd and
 * keepalived 2.2.7 on the same file make the same L2 ipvlan (name, base, mode, flags, MAC, address, IPv6 off) and
 * put the VIP in the same place; then, as one VRRP router pair through their ipvlans, the backup takes over when the
 * master dies, both ways round.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canRunUmlLab, labShell, UmlLab } from '../helpers/uml-lab.js';

/** One instance with an ipvlan; `n` tells one director's addresses from the other's. */
const config = (vrid: number, n: number, priority: number) => `global_defs {
  script_user root
}
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id ${vrid}
  priority ${priority}
  advert_int 1
  use_ipvlan ipv${n} 10.0.0.${50 + n}/24 private
  virtual_ipaddress {
    10.0.0.${100 + vrid}/24
  }
}
`;

describe.skipIf(!canRunUmlLab())('use_ipvlan, vipd and keepalived 2.2.7 alike (user-mode Linux)', () => {
  let lab: UmlLab;
  const { sh, waitFor } = labShell(() => lab);

  beforeAll(async () => {
    lab = await UmlLab.boot();
    await sh('$W/modprobe ipvlan; lab_topology');
  }, 120_000);
  afterAll(async () => {
    await lab?.stop();
  });

  /** The ipvlan of a director as the kernel has it, its own numbers written as N. */
  async function ipvlanOf(host: string, n: number) {
    const links = JSON.parse(await sh(`ip -n ivl-${host} -d -j link show type ipvlan`)) as {
      ifname: string;
      link: string;
      address: string;
      linkinfo: { info_kind: string; info_data?: Record<string, unknown> };
    }[];
    const base = JSON.parse(await sh(`ip -n ivl-${host} -j link show eth0`)) as { address: string }[];
    const out = [];
    for (const l of links) {
      const addrs = JSON.parse(await sh(`ip -n ivl-${host} -j -4 addr show dev ${l.ifname}`)) as {
        addr_info: { local: string; prefixlen: number }[];
      }[];
      out.push({
        name: l.ifname.replace(String(n), 'N'),
        base: l.link,
        kind: l.linkinfo.info_kind,
        data: l.linkinfo.info_data,
        macIsBase: l.address === base[0]?.address,
        addresses: addrs.flatMap((a) =>
          a.addr_info.map((i) => `${i.local}/${i.prefixlen}`.replace(`.${50 + n}/`, '.5N/')),
        ),
        ipv6Off: (await sh(`ns ${host} cat /proc/sys/net/ipv6/conf/${l.ifname}/disable_ipv6`)).trim(),
      });
    }
    return out;
  }

  const vipOn = async (host: string, vip: string) =>
    (await sh(`ip -n ivl-${host} -o -4 addr show | awk '/ ${vip.replaceAll('.', '\\.')}\\// {print $2}'`)).trim();

  it('the same ipvlan, address and VIP placement as keepalived on the same lines', async () => {
    writeFileSync(lab.file('v.conf'), config(1, 1, 150));
    writeFileSync(lab.file('k.conf'), config(3, 3, 150));
    await sh('vipd_start $W/v.conf dir1; ka_vrrp_start $W/k.conf dir2');
    await waitFor('ip -n ivl-dir1 addr | grep -q 10.0.0.101/ && ip -n ivl-dir2 addr | grep -q 10.0.0.103/', 30_000);
    const ours = await ipvlanOf('dir1', 1);
    const theirs = await ipvlanOf('dir2', 3);
    const placed = { vipd: await vipOn('dir1', '10.0.0.101'), keepalived: await vipOn('dir2', '10.0.0.103') };
    await sh('vipd_stop dir1; ka_stop dir2');
    expect(theirs).toEqual([
      {
        name: 'ipvN',
        base: 'eth0',
        kind: 'ipvlan',
        data: expect.objectContaining({ mode: 'l2' }),
        macIsBase: true,
        addresses: ['10.0.0.5N/24'],
        ipv6Off: '1',
      },
    ]);
    expect(ours).toEqual(theirs);
    expect(placed).toEqual({ vipd: placed.keepalived, keepalived: 'eth0' });
    // Stopped, each removes its ipvlan.
    expect(await sh('ip -n ivl-dir1 link show type ipvlan; ip -n ivl-dir2 link show type ipvlan')).toBe('');
  }, 120_000);

  it('a pair through their ipvlans: each takes over when the other dies, the VIP where keepalived puts it', async () => {
    writeFileSync(lab.file('v.conf'), config(9, 1, 150));
    writeFileSync(lab.file('k.conf'), config(9, 3, 100));
    await sh('ka_vrrp_start $W/k.conf dir2; vipd_start $W/v.conf dir1');
    await waitFor('ip -n ivl-dir1 addr | grep -q 10.0.0.109/', 30_000);
    const vipdDev = await vipOn('dir1', '10.0.0.109');
    // keepalived hears vipd: it stays backup.
    await sh('sleep 3');
    expect(await vipOn('dir2', '10.0.0.109')).toBe('');
    await sh('vipd_kill9 dir1; ip -n ivl-dir1 addr del 10.0.0.109/24 dev eth0 2>/dev/null; true');
    await waitFor('ip -n ivl-dir2 addr | grep -q 10.0.0.109/', 30_000);
    const keepalivedDev = await vipOn('dir2', '10.0.0.109');
    expect({ vipdDev, keepalivedDev }).toEqual({ vipdDev: keepalivedDev, keepalivedDev: expect.any(String) });
    // And back: vipd with the higher priority preempts keepalived.
    await sh('ip -n ivl-dir1 link del ipv1 2>/dev/null; vipd_start $W/v.conf dir1');
    await waitFor('ip -n ivl-dir1 addr | grep -q 10.0.0.109/ && ! ip -n ivl-dir2 addr | grep -q 10.0.0.109/', 30_000);
    await sh('vipd_stop dir1; ka_stop dir2');
  }, 120_000);
});
