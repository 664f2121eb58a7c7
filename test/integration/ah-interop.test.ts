/**
 * VRRPv2 `auth_type AH` between vipd and keepalived 2.2.7 on the real kernel: each accepts the other's adverts
 * (no failover while both run; takeover and preemption both ways), the sequence numbers carry on across a change
 * of master (keepalived's replay check would otherwise drop them), and a wrong key is dropped and counted. With
 * unicast peers too (the TTL left out of the ICV, datagrams routed to each peer).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { KeepalivedRouter, VipdRouter } from '../helpers/routers.js';

const base = {
  name: 'VI_1',
  vrid: 61,
  version: 2 as const,
  advertInt: 1,
  vips: ['192.0.2.61/24'],
  authType: 'AH' as const,
};

describe.skipIf(!canRunNetns())('VRRPv2 IPsec AH with keepalived', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  it('vipd and keepalived accept each other both ways; a wrong key is dropped as auth_failure', async () => {
    lab = Lab.create('ah', ['r1', 'r2']);
    const ka = new KeepalivedRouter(lab, 'r2', { ...base, priority: 100, authPass: 'secret' }).start();
    await waitFor(() => (ka.state() === 'MASTER' ? true : undefined), 8000, 50, 'keepalived master alone');
    // vipd, higher, hears keepalived's numbers as a backup and preempts with higher ones.
    let vipd = new VipdRouter(lab, 'r1', { ...base, priority: 150, authPass: 'secret' }).start();
    await waitFor(
      () => (vipd.state() === 'MASTER' && ka.state() === 'BACKUP' ? true : undefined),
      8000,
      50,
      'vipd preempts',
    );
    await new Promise((r) => setTimeout(r, 3500)); // more than a Master_Down_Interval of vipd's adverts
    expect(ka.state()).toBe('BACKUP');
    expect(ka.log).not.toMatch(/IPSEC-AH|IPSEC AH/);
    expect(vipd.transitions().filter((t) => t.to === 'MASTER')).toHaveLength(1);
    // keepalived takes over when vipd stops, and accepts vipd's adverts again when it comes back.
    vipd.signal('SIGTERM');
    await vipd.exited(5000);
    await waitFor(() => (ka.state() === 'MASTER' ? true : undefined), 5000, 20, 'keepalived takes over');
    vipd = new VipdRouter(lab, 'r1', { ...base, priority: 150, authPass: 'secret' }).start();
    await waitFor(
      () => (vipd.state() === 'MASTER' && ka.state() === 'BACKUP' ? true : undefined),
      8000,
      50,
      'vipd preempts again',
    );
    expect(ka.log).not.toMatch(/IPSEC-AH|IPSEC AH/);
    vipd.signal('SIGTERM');
    await vipd.exited(5000);

    // A different key: neither accepts the other, and vipd counts the drops.
    const wrong = new VipdRouter(lab, 'r1', { ...base, priority: 50, authPass: 'other' }).start();
    await waitFor(() => (wrong.state() === 'MASTER' ? true : undefined), 8000, 50, 'vipd alone with the wrong key');
    const status = JSON.parse(
      lab.exec('r1', process.execPath, 'dist/vipd.js', 'status', '--json', '--control-socket', wrong.controlSocket),
    ) as {
      instances: { counters: { rx_dropped: Record<string, number> } }[];
    };
    expect(status.instances[0]?.counters.rx_dropped.auth_failure ?? 0).toBeGreaterThan(0);
    expect(ka.log).toMatch(/IPSEC-AH : invalid IPSEC HMAC-MD5/);
  });

  it('with unicast peers: each stays backup under the other, and preempts it, over unicast AH', async () => {
    lab = Lab.create('ahu', ['r1', 'r2']);
    const ip = (h: string) => lab.hosts.get(h)?.ipv4 as string;
    const unicast = (self: string, peer: string) => ({ unicastSrcIp: ip(self), unicastPeers: [ip(peer)] });
    const ka = new KeepalivedRouter(lab, 'r2', { ...base, ...unicast('r2', 'r1'), priority: 100, authPass: 'secret' });
    ka.start();
    await waitFor(() => (ka.state() === 'MASTER' ? true : undefined), 8000, 50, 'keepalived master alone');
    // vipd lower: keepalived's unicast AH adverts hold it in BACKUP (it would take over within 3.6 s otherwise).
    let vipd = new VipdRouter(lab, 'r1', { ...base, ...unicast('r1', 'r2'), priority: 50, authPass: 'secret' }).start();
    await waitFor(() => (vipd.state() === 'BACKUP' ? true : undefined), 8000, 50, 'vipd backup');
    await new Promise((r) => setTimeout(r, 4500));
    expect(vipd.state()).toBe('BACKUP');
    vipd.signal('SIGTERM');
    await vipd.exited(5000);
    // vipd higher: it preempts, and its adverts hold keepalived in BACKUP, with no AH complaint.
    vipd = new VipdRouter(lab, 'r1', { ...base, ...unicast('r1', 'r2'), priority: 150, authPass: 'secret' }).start();
    await waitFor(
      () => (vipd.state() === 'MASTER' && ka.state() === 'BACKUP' ? true : undefined),
      8000,
      50,
      'vipd preempts',
    );
    await new Promise((r) => setTimeout(r, 4500));
    expect(ka.state()).toBe('BACKUP');
    expect(ka.log).not.toMatch(/IPSEC-AH|IPSEC AH|invalid/i);
    expect(vipd.transitions().filter((t) => t.to === 'MASTER')).toHaveLength(1);
  });
});
