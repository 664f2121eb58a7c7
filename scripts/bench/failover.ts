/**
 * Failover of one VRRPv3 pair (r1 150 master, r2 100 backup, one VIP), vipd or keepalived, in one of four modes,
 * seen by a capture on a client of the LAN:
 * - kill-9: the master is killed; gap = r1's last advert → r2's first, over r2's Master_Down_Interval;
 * - sigterm: the master is stopped; from its priority-0 advert to r2's first, over the same interval;
 * - link-down: the master's interface goes down; the same gap;
 * - restart: after a kill -9 and r2's takeover, r1 is started again; from its exec to its first advert as master,
 *   over r1's Master_Down_Interval (start-up plus the wait a returning preferred node has).
 * Also, for the first three, the delay from r2's first advert to its first gratuitous ARP for the VIP.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { decodeGarp } from '../../src/core/codec/frames.js';
import { masterDownIntervalMs } from '../../src/core/vrrp/timers.js';
import { startCapture } from '../../test/helpers/capture.js';
import { Lab, waitFor } from '../../test/helpers/netns.js';
import { readPcap } from '../../test/helpers/pcap.js';
import { KeepalivedRouter, type RouterOptions, VipdRouter } from '../../test/helpers/routers.js';
import { vrrpAdverts } from '../../test/helpers/wire.js';
import type { Impl } from './load.js';

/** The processes named by keepalived's pid files in `dir` have ended (a zombie counts as ended; its pid file goes). */
function pidsGone(dir: string): boolean {
  for (const file of ['keepalived.pid', 'vrrp.pid']) {
    const pidFile = path.join(dir, file);
    let pid: string;
    try {
      pid = readFileSync(pidFile, 'utf8').trim();
    } catch {
      continue;
    }
    let state: string | undefined;
    try {
      state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    } catch {
      state = undefined;
    }
    if (state === undefined || state === 'Z') rmSync(pidFile, { force: true });
    else return false;
  }
  return true;
}

export const FAILOVER_MODES = ['kill-9', 'sigterm', 'link-down', 'restart'] as const;
export type FailoverMode = (typeof FAILOVER_MODES)[number];

const VIP = '192.0.2.100';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FailoverRound {
  ratio: number;
  /** First GARP after the new master's first advert (ms); NaN for restart. */
  garpDelayMs: number;
}

export async function failoverRound(impl: Impl, mode: FailoverMode, intervalS: number): Promise<FailoverRound> {
  const lab = Lab.create('fo', ['r1', 'r2', 'client']);
  try {
    const opts = (priority: number): RouterOptions => ({
      name: 'VI_1',
      vrid: 51,
      priority,
      advertInt: intervalS,
      version: 3,
      vips: [`${VIP}/24`],
    });
    const Router = impl === 'vipd' ? VipdRouter : KeepalivedRouter;
    const r1 = new Router(lab, 'r1', opts(150)).start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 15_000, 10, 'r1 MASTER');
    const r2 = new Router(lab, 'r2', opts(100)).start();
    await waitFor(() => (r2.state() === 'BACKUP' ? true : undefined), 15_000, 10, 'r2 BACKUP');
    const cap = await startCapture(lab, 'client', 'eth0', 'ip proto 112 or arp');
    await sleep(Math.max(300, 4 * intervalS * 1000));
    if (mode === 'kill-9' || mode === 'restart') r1.hardKill();
    else if (mode === 'sigterm') r1.signal('SIGTERM');
    else lab.exec('r1', 'ip', 'link', 'set', 'eth0', 'down');
    await waitFor(() => (r2.state() === 'MASTER' ? true : undefined), 15_000, 5, 'r2 MASTER');
    let execAt = Number.NaN;
    if (mode === 'restart') {
      await r1.exited(5000).catch(() => undefined);
      // keepalived refuses to start while its killed VRRP child's pid is still there (a zombie not yet reaped):
      // a crashed keepalived's restart after 0.4 s says "daemon is already running".
      if (r1 instanceof KeepalivedRouter)
        await waitFor(() => (pidsGone(r1.dir) ? true : undefined), 10_000, 20, 'old keepalived gone');
      await sleep(Math.max(300, 4 * intervalS * 1000));
      execAt = Date.now() / 1000;
      r1.start();
      // r1's own log still ends in MASTER from before the kill: r2 going back to BACKUP tells r1 is master again.
      await waitFor(() => (r2.state() === 'BACKUP' ? true : undefined), 20_000, 5, 'r1 master again').catch(
        (err: unknown) => {
          throw new Error(`${String(err)}\nr1: ${r1.log.slice(-1500)}\nr2: ${r2.log.slice(-800)}`);
        },
      );
    }
    await sleep(Math.max(200, 2 * intervalS * 1000));
    const frames = readPcap(await cap.stop());
    const adverts = vrrpAdverts(frames);
    const r1Ip = lab.host('r1').ipv4;
    const r2Ip = lab.host('r2').ipv4;
    if (mode === 'restart') {
      const back = adverts.find((a) => a.src === r1Ip && a.ts > execAt && a.priority === 150);
      if (!back) throw new Error('r1 never advertised again');
      return {
        ratio: ((back.ts - execAt) * 1000) / masterDownIntervalMs(3, 150, intervalS * 1000),
        garpDelayMs: Number.NaN,
      };
    }
    // SIGTERM: from r1's priority-0 advert (when it said so); otherwise from its last advert (the backup's timer
    // starts there, whenever the master died within its interval).
    const lastR1 =
      mode === 'sigterm'
        ? adverts.find((a) => a.src === r1Ip && a.priority === 0)
        : adverts.filter((a) => a.src === r1Ip && a.priority > 0).at(-1);
    const firstR2 = adverts.find((a) => a.src === r2Ip && lastR1 !== undefined && a.ts > lastR1.ts);
    if (!lastR1 || !firstR2) throw new Error('adverts missing from the capture');
    const firstGarp = frames.find((f) => f.ts >= firstR2.ts && decodeGarp(f.data)?.senderIp === VIP);
    return {
      ratio: ((firstR2.ts - lastR1.ts) * 1000) / masterDownIntervalMs(3, 100, intervalS * 1000),
      garpDelayMs: firstGarp ? (firstGarp.ts - firstR2.ts) * 1000 : Number.NaN,
    };
  } finally {
    lab.destroy();
  }
}
