/**
 * Two vipd routers on a LAN of namespaces, real kernel: election, failover on kill -9 and SIGTERM,
 * preemption, nopreempt, exactly one VIP holder, gratuitous ARP on the wire.
 * Timing is read from a capture on a third host, so it is the wire's view, not vipd's logs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeGarp } from '../../src/core/codec/frames.js';
import { masterDownIntervalMs, skewTimeMs } from '../../src/core/vrrp/timers.js';
import { startCapture } from '../helpers/capture.js';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { readPcap } from '../helpers/pcap.js';
import { VipdRouter } from '../helpers/routers.js';
import { vrrpAdverts } from '../helpers/wire.js';

const VIP = '192.0.2.100';
const INTERVAL_S = 0.1;
const INTERVAL_MS = INTERVAL_S * 1000;

describe.skipIf(!canRunNetns())('two vipd routers (VRRPv3, IPv4, 100 ms adverts)', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  function pair(opts: { r1?: Partial<{ nopreempt: boolean }> } = {}) {
    lab = Lab.create('pair', ['r1', 'r2', 'client']);
    const base = { name: 'VI_1', vrid: 51, advertInt: INTERVAL_S, version: 3 as const, vips: [`${VIP}/24`] };
    const r1 = new VipdRouter(lab, 'r1', { ...base, priority: 150, ...opts.r1 });
    const r2 = new VipdRouter(lab, 'r2', { ...base, priority: 100 });
    return { r1, r2 };
  }

  it('elects the higher priority once, and the VIP is on exactly one node at every sample', async () => {
    const { r1, r2 } = pair();
    r1.start();
    r2.start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 5000, 20, 'r1 MASTER');
    await waitFor(() => (r1.heldVips().length === 1 ? true : undefined), 2000, 20, 'VIP on r1');
    for (let i = 0; i < 40; i++) {
      const holders = [r1, r2].filter((r) => r.heldVips().includes(VIP));
      expect(holders.map((r) => r.host)).toEqual(['r1']);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(r2.state()).toBe('BACKUP');
    // r2 may have been master briefly if it started first; r1 took over exactly once and kept it.
    expect(r1.transitions().filter((t) => t.to === 'MASTER')).toHaveLength(1);
    expect(r1.notifications()).toContain('INSTANCE VI_1 MASTER 150');
    expect(r2.notifications()).toContain('INSTANCE VI_1 BACKUP 100');
  });

  it('kill -9 of the master: the backup is master within Master_Down_Interval + 10 ms, and GARPs the VIP', async () => {
    const { r1, r2 } = pair();
    r1.start();
    r2.start();
    await waitFor(() => (r1.state() === 'MASTER' && r2.state() === 'BACKUP' ? true : undefined), 5000);
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
    const cap = await startCapture(lab, 'client', 'eth0', 'ip proto 112 or arp');
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
    r1.signal('SIGKILL');
    await waitFor(() => (r2.state() === 'MASTER' ? true : undefined), 3000, 10, 'r2 MASTER');
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS));
    const frames = readPcap(await cap.stop());
    const adverts = vrrpAdverts(frames);
    const lastR1 = adverts.filter((a) => a.src === lab.host('r1').ipv4).at(-1);
    const firstR2 = adverts.find((a) => a.src === lab.host('r2').ipv4);
    expect(lastR1).toBeDefined();
    expect(firstR2).toBeDefined();
    const gapMs = (firstR2!.ts - lastR1!.ts) * 1000;
    const mdi = masterDownIntervalMs(3, 100, INTERVAL_MS);
    expect(gapMs).toBeGreaterThanOrEqual(mdi - 1);
    expect(gapMs).toBeLessThanOrEqual(mdi + 10);
    const garps = frames
      .map((f) => ({ ts: f.ts, g: decodeGarp(f.data) }))
      .filter((x) => x.g !== undefined && x.ts >= firstR2!.ts);
    expect(garps.length).toBeGreaterThanOrEqual(5);
    expect(garps[0]!.g!.senderIp).toBe(VIP);
    expect(r2.heldVips()).toEqual([VIP]);
  });

  it('SIGTERM of the master: priority 0 on the wire, VIP released, takeover within Skew_Time + 10 ms', async () => {
    const { r1, r2 } = pair();
    r1.start();
    r2.start();
    await waitFor(() => (r1.state() === 'MASTER' && r2.state() === 'BACKUP' ? true : undefined), 5000);
    const cap = await startCapture(lab, 'client', 'eth0', 'ip proto 112');
    await new Promise((r) => setTimeout(r, 3 * INTERVAL_MS));
    r1.signal('SIGTERM');
    expect(await r1.exited(5000)).toBe(0);
    await waitFor(() => (r2.state() === 'MASTER' ? true : undefined), 3000, 10, 'r2 MASTER');
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS));
    const adverts = vrrpAdverts(readPcap(await cap.stop()));
    const zero = adverts.find((a) => a.src === lab.host('r1').ipv4 && a.priority === 0);
    const firstR2 = adverts.find((a) => a.src === lab.host('r2').ipv4);
    expect(zero).toBeDefined();
    expect(firstR2).toBeDefined();
    const gapMs = (firstR2!.ts - zero!.ts) * 1000;
    expect(gapMs).toBeLessThanOrEqual(skewTimeMs(3, 100, INTERVAL_MS) + 10);
    expect(r1.heldVips()).toEqual([]);
    expect(r1.notifications()).toContain('INSTANCE VI_1 STOP 150');
  });

  it('preempts back when the higher priority returns, and honours nopreempt', async () => {
    const { r1, r2 } = pair();
    r2.start();
    await waitFor(() => (r2.state() === 'MASTER' ? true : undefined), 5000, 20, 'r2 MASTER alone');
    r1.start();
    await waitFor(() => (r1.state() === 'MASTER' && r2.state() === 'BACKUP' ? true : undefined), 5000);
    await waitFor(() => (r1.heldVips().length === 1 && r2.heldVips().length === 0 ? true : undefined), 2000);

    // Same again, but r1 does not preempt: r2 keeps the VIP.
    r1.signal('SIGTERM');
    await r1.exited(5000);
    await waitFor(() => (r2.state() === 'MASTER' ? true : undefined), 3000);
    const r1b = new VipdRouter(lab, 'r1', { ...r1.opts, nopreempt: true }).start();
    await waitFor(() => (r1b.state() === 'BACKUP' ? true : undefined), 3000);
    await new Promise((r) => setTimeout(r, 10 * INTERVAL_MS));
    expect(r1b.state()).toBe('BACKUP');
    expect(r2.state()).toBe('MASTER');
    expect(r2.heldVips()).toEqual([VIP]);
    expect(r1b.heldVips()).toEqual([]);
  });
});
