/**
 * vipd beside a real keepalived 2.2.7 on a LAN of namespaces: for VRRPv3 IPv4, VRRPv3 IPv6, VRRPv2 IPv4
 * with PASS auth and VRRPv3 over unicast peers, each way round (vipd master + keepalived backup, and the
 * reverse): one master is elected, the VIP moves when the master stops, and every advert vipd put on the
 * wire passes tshark's dissector with checksum Good.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { startCapture } from '../helpers/capture.js';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { KeepalivedRouter, type RouterOptions, VipdRouter } from '../helpers/routers.js';

interface Case {
  title: string;
  family: 4 | 6;
  version: 2 | 3;
  advertInt: number;
  vips: string[];
  authPass?: string;
  unicast?: boolean;
}

const cases: Case[] = [
  { title: 'VRRPv3 IPv4', family: 4, version: 3, advertInt: 0.1, vips: ['192.0.2.100/24', '192.0.2.101/24'] },
  { title: 'VRRPv3 IPv6', family: 6, version: 3, advertInt: 0.1, vips: ['2001:db8::100/64'] },
  {
    title: 'VRRPv2 IPv4 PASS auth',
    family: 4,
    version: 2,
    advertInt: 1,
    vips: ['192.0.2.100/24'],
    authPass: 'secret12',
  },
  {
    title: 'VRRPv3 IPv4 unicast peers',
    family: 4,
    version: 3,
    advertInt: 0.1,
    vips: ['192.0.2.100/24'],
    unicast: true,
  },
];

function hasKeepalived(): boolean {
  try {
    execFileSync('keepalived', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('CI=true but keepalived is not installed');
    console.warn('skipping keepalived interop: keepalived is not installed');
    return false;
  }
}

/** tshark's verdict on each VRRP packet from `src`: [checksum status], 1 = Good. */
function tsharkChecksums(file: string, family: 4 | 6, src: string): string[] {
  const srcField = family === 4 ? 'ip.src' : 'ipv6.src';
  const out = execFileSync(
    'tshark',
    ['-r', file, '-Y', `vrrp && ${srcField} == ${src}`, '-T', 'fields', '-e', 'vrrp.checksum.status'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out.split('\n').filter(Boolean);
}

describe.skipIf(!canRunNetns() || !hasKeepalived())('interop with keepalived 2.2.7', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  describe.each(cases)('$title', (c) => {
    it.each([
      ['vipd', 'keepalived'],
      ['keepalived', 'vipd'],
    ])('%s master, %s backup: one master, VIP moves on stop, checksums Good', async (masterKind, backupKind) => {
      lab = Lab.create('ka', ['r1', 'r2', 'client']);
      const addrOf = (h: string) => (c.family === 4 ? lab.host(h).ipv4 : lab.host(h).ipv6);
      const opts = (host: string, peer: string, priority: number): RouterOptions => ({
        name: 'VI_1',
        vrid: 61,
        priority,
        advertInt: c.advertInt,
        version: c.version,
        family: c.family,
        vips: c.vips,
        ...(c.authPass ? { authPass: c.authPass } : {}),
        ...(c.unicast ? { unicastPeers: [addrOf(peer)], unicastSrcIp: addrOf(host) } : {}),
      });
      const make = (kind: string, host: string, peer: string, prio: number) =>
        kind === 'vipd'
          ? new VipdRouter(lab, host, opts(host, peer, prio))
          : new KeepalivedRouter(lab, host, opts(host, peer, prio));
      const master = make(masterKind, 'r1', 'r2', 150);
      const backup = make(backupKind, 'r2', 'r1', 100);
      const filter = c.family === 4 ? 'ip proto 112' : 'ip6 proto 112';
      const cap = await startCapture(lab, c.unicast ? 'r2' : 'client', 'eth0', filter);

      backup.start();
      master.start();
      const convergeMs = 4 * c.advertInt * 1000 + 3000;
      await waitFor(() => (master.state() === 'MASTER' ? true : undefined), convergeMs, 20, `${masterKind} MASTER`);
      await waitFor(() => (master.heldVips().length === c.vips.length ? true : undefined), 3000, 20, 'VIPs on master');
      // The backup may still be starting (keepalived wins the race to its first state at 0.1 s).
      await waitFor(() => (backup.state() === 'BACKUP' ? true : undefined), 3000, 20, `${backupKind} BACKUP`);
      await new Promise((r) => setTimeout(r, 3 * c.advertInt * 1000));
      expect(backup.state()).toBe('BACKUP');
      expect(backup.heldVips()).toEqual([]);

      master.signal('SIGTERM');
      await waitFor(() => (backup.state() === 'MASTER' ? true : undefined), 3000, 10, `${backupKind} takes over`);
      await waitFor(() => (backup.heldVips().length === c.vips.length ? true : undefined), 3000, 20, 'VIPs moved');
      await waitFor(() => (master.heldVips().length === 0 ? true : undefined), 3000, 20, 'VIPs released');
      await new Promise((r) => setTimeout(r, 2 * c.advertInt * 1000));
      const file = await cap.stop();

      const vipdHost = masterKind === 'vipd' ? 'r1' : 'r2';
      const vipdSrc = c.family === 4 ? addrOf(vipdHost) : lab.linkLocal(vipdHost);
      expect(vipdSrc).toBeTruthy();
      const verdicts = tsharkChecksums(file, c.family, vipdSrc ?? '');
      expect(verdicts.length).toBeGreaterThan(0);
      expect(new Set(verdicts)).toEqual(new Set(['1']));
    });
  });
});
