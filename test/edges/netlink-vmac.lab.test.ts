/**
 * src/edges/netlink/vmac.ts against the real kernel in a lab namespace: the macvlan keepalived's use_vmac makes
 * (private mode, the virtual MAC, no IPv6 address generated, up), a left-over taken over and corrected, another
 * kind of interface of that name refused, and removal that never touches anything but a macvlan.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { results, runOps } from '../helpers/netlink-probe.js';
import { canRunNetns, Lab } from '../helpers/netns.js';

interface IpLink {
  ifname: string;
  address: string;
  flags: string[];
  link?: string;
  linkinfo?: { info_kind: string; info_data?: { mode?: string } };
  inet6_addr_gen_mode?: string;
}

describe.skipIf(!canRunNetns())('netlink VMAC port (namespaces)', () => {
  let lab: Lab | undefined;
  afterEach(() => lab?.destroy());

  it('makes, takes over and removes the macvlan; refuses a foreign interface of that name', async () => {
    lab = Lab.create('vmac', ['r1']);
    const h = lab;
    const show = (name: string) => (JSON.parse(h.exec('r1', 'ip', '-d', '-j', 'link', 'show', name)) as IpLink[])[0];
    const run = await runOps(h, 'r1', [{ op: 'createVmac', name: 'vrrp.51', base: 'eth0', mac: '00:00:5e:00:01:33' }]);
    expect(results(run)[0]?.result).toMatchObject({ created: true });
    const link = show('vrrp.51');
    expect(link).toMatchObject({
      address: '00:00:5e:00:01:33',
      link: 'eth0',
      linkinfo: { info_kind: 'macvlan', info_data: { mode: 'private' } },
    });
    expect(link?.flags).toContain('UP');
    expect(h.exec('r1', 'ip', '-d', 'link', 'show', 'vrrp.51')).toContain('addrgenmode none');
    expect(h.exec('r1', 'ip', '-6', 'addr', 'show', 'dev', 'vrrp.51').trim()).toBe('');

    // A left-over with the wrong MAC and mode (a crash, someone's hand): taken over and put right.
    h.exec('r1', 'ip', 'link', 'del', 'vrrp.51');
    h.exec(
      'r1',
      'ip',
      'link',
      'add',
      'vrrp.51',
      'link',
      'eth0',
      'address',
      '02:00:00:00:00:99',
      'type',
      'macvlan',
      'mode',
      'bridge',
    );
    h.exec('r1', 'ip', 'link', 'add', 'vrrp.52', 'type', 'veth', 'peer', 'name', 'other52');
    const again = await runOps(h, 'r1', [
      { op: 'createVmac', name: 'vrrp.51', base: 'eth0', mac: '00:00:5e:00:01:33' },
      { op: 'createVmac', name: 'vrrp.52', base: 'eth0', mac: '00:00:5e:00:01:34' },
      { op: 'removeVmac', name: 'vrrp.52' },
    ]);
    const r = results(again);
    expect(r[0]?.result).toMatchObject({ created: false });
    expect(show('vrrp.51')).toMatchObject({
      address: '00:00:5e:00:01:33',
      linkinfo: { info_data: { mode: 'private' } },
    });
    expect(r[1]).toMatchObject({ ok: false, code: 'EEXIST' });
    expect(r[2]?.result).toBe('absent');
    expect(show('vrrp.52')?.linkinfo?.info_kind).toBe('veth');

    const removed = await runOps(h, 'r1', [
      { op: 'removeVmac', name: 'vrrp.51' },
      { op: 'removeVmac', name: 'vrrp.51' },
    ]);
    expect(results(removed).map((x) => x.result)).toEqual(['removed', 'absent']);
  });
});
