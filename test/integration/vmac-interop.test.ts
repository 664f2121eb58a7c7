/**
 * VMAC interop on the real kernel, with no kernel parameter set by hand on the vipd host: vipd's use_vmac against
 * keepalived 2.2.7's use_vmac, and against FRR's vrrpd (which only works with a VMAC: the macvlan is set up for it
 * as FRR's documentation says). Each side hears the other (the backup never takes over while the master lives),
 * a master killed with -9 is replaced, and the preferred router takes the VIP back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FrrVrrp, frrAvailable } from '../helpers/frr.js';
import { canRunNetns, inCI, Lab, waitFor } from '../helpers/netns.js';
import { KeepalivedRouter, VipdRouter } from '../helpers/routers.js';

const VIP = '192.0.2.100';
const base = { name: 'VI_1', vrid: 51, advertInt: 0.1, version: 3 as const, vips: [`${VIP}/24`] };

describe.skipIf(!canRunNetns())('VMAC interop', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it('with keepalived use_vmac: no dual master, takeover after kill -9, preemption back', async () => {
    lab = Lab.create('vmacka', ['r1', 'r2']);
    let vipd = new VipdRouter(lab, 'r1', { ...base, priority: 150, extra: ['use_vmac: true'] }).start();
    await waitFor(() => (vipd.state() === 'MASTER' ? true : undefined), 8000, 20, 'vipd master');
    const ka = new KeepalivedRouter(lab, 'r2', { ...base, priority: 100, extra: ['use_vmac'] }).start();
    await waitFor(() => (ka.state() === 'BACKUP' ? true : undefined), 8000, 20, 'keepalived backup');
    await new Promise((r) => setTimeout(r, 1500));
    expect(ka.state()).toBe('BACKUP');
    expect(ka.log).not.toMatch(/Entering MASTER STATE/);
    expect(lab.addresses('r1', 'vrrp.51')).toContain(VIP);
    vipd.hardKill();
    await waitFor(() => (ka.state() === 'MASTER' ? true : undefined), 3000, 10, 'keepalived takes over');
    expect(lab.addresses('r2', 'vrrp.51')).toContain(VIP);
    await vipd.exited(3000);
    vipd = new VipdRouter(lab, 'r1', { ...base, priority: 150, extra: ['use_vmac: true'] }).start();
    await waitFor(
      () => (vipd.state() === 'MASTER' && ka.state() === 'BACKUP' ? true : undefined),
      8000,
      20,
      'vipd back',
    );
    expect(vipd.transitions().map((t) => t.to)).toEqual(['BACKUP', 'MASTER']);
  });

  it.skipIf(!frrAvailable() && !inCI)('with FRR vrrpd: each hears the other both ways', async () => {
    lab = Lab.create('vmacfrr', ['r1', 'r3']);
    const sh = (...args: string[]) => lab.exec('r3', 'ip', ...args);
    sh('link', 'add', 'vrrp4-51', 'link', 'eth0', 'type', 'macvlan', 'mode', 'bridge');
    sh('link', 'set', 'dev', 'vrrp4-51', 'address', '00:00:5e:00:01:33', 'addrgenmode', 'random');
    sh('addr', 'add', `${VIP}/24`, 'dev', 'vrrp4-51');
    sh('link', 'set', 'dev', 'vrrp4-51', 'up');
    const frr = await new FrrVrrp(lab, 'r3').startVrrp(
      `interface eth0\n vrrp 51 version 3\n vrrp 51 priority 200\n vrrp 51 advertisement-interval 100\n vrrp 51 ip ${VIP}\n!\n`,
    );
    await waitFor(() => (frr.state() === 'Master' ? true : undefined), 10_000, 50, 'FRR master');
    const vipd = new VipdRouter(lab, 'r1', { ...base, priority: 150, extra: ['use_vmac: true'] }).start();
    await waitFor(() => (vipd.state() === 'BACKUP' ? true : undefined), 8000, 20, 'vipd backup');
    await new Promise((r) => setTimeout(r, 1500));
    expect(vipd.transitions().map((t) => t.to)).toEqual(['BACKUP']);
    frr.stopVrrpd();
    await waitFor(() => (vipd.state() === 'MASTER' ? true : undefined), 3000, 10, 'vipd takes over');
    expect(lab.addresses('r1', 'vrrp.51')).toContain(VIP);
    frr.restartVrrpd();
    await waitFor(() => (vipd.state() === 'BACKUP' ? true : undefined), 10_000, 20, 'FRR preempts');
    expect(vipd.transitions().at(-1)?.cause).toBe('higher-priority-advert');
    expect(frr.state()).toBe('Master');
  });
});
