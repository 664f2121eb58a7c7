/**
 * Failover benchmark (not a test): vipd pairs and keepalived pairs in one run, N rounds each, at
 * advert_int 1, 0.1 and 0.01 s (VRRPv3). For each round the master is killed with SIGKILL and a capture
 * on a client host gives the gap from the old master's last advert to the new master's first, as a ratio
 * to the backup's Master_Down_Interval, and the delay from that first advert to the first gratuitous ARP.
 *
 *   npm run bench:failover -- [rounds=5] [intervals=1,0.1,0.01] [impls=vipd,keepalived]
 */
import { execFileSync } from 'node:child_process';
import { decodeGarp } from '../src/core/codec/frames.js';
import { masterDownIntervalMs } from '../src/core/vrrp/timers.js';
import { startCapture } from '../test/helpers/capture.js';
import { canRunNetns, Lab, waitFor } from '../test/helpers/netns.js';
import { readPcap } from '../test/helpers/pcap.js';
import { KeepalivedRouter, type RouterOptions, VipdRouter } from '../test/helpers/routers.js';
import { vrrpAdverts } from '../test/helpers/wire.js';

const VIP = '192.0.2.100';
const BACKUP_PRIORITY = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Round {
  ratio: number;
  garpDelayMs: number;
}

async function round(impl: 'vipd' | 'keepalived', intervalS: number): Promise<Round> {
  const lab = Lab.create('bench', ['r1', 'r2', 'client']);
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
    const r2 = new Router(lab, 'r2', opts(BACKUP_PRIORITY)).start();
    await waitFor(() => (r2.state() === 'BACKUP' ? true : undefined), 15_000, 10, 'r2 BACKUP');
    const cap = await startCapture(lab, 'client', 'eth0', 'ip proto 112 or arp');
    await sleep(Math.max(300, 4 * intervalS * 1000));
    r1.hardKill();
    await waitFor(() => (r2.state() === 'MASTER' ? true : undefined), 15_000, 5, 'r2 MASTER');
    await sleep(Math.max(200, 2 * intervalS * 1000));
    const frames = readPcap(await cap.stop());
    const adverts = vrrpAdverts(frames);
    const lastR1 = adverts.filter((a) => a.src === lab.host('r1').ipv4).at(-1);
    const firstR2 = adverts.find((a) => a.src === lab.host('r2').ipv4 && lastR1 !== undefined && a.ts > lastR1.ts);
    if (!lastR1 || !firstR2) throw new Error('adverts missing from the capture');
    const firstGarp = frames.find((f) => f.ts >= firstR2.ts && decodeGarp(f.data)?.senderIp === VIP);
    const mdi = masterDownIntervalMs(3, BACKUP_PRIORITY, intervalS * 1000);
    return {
      ratio: ((firstR2.ts - lastR1.ts) * 1000) / mdi,
      garpDelayMs: firstGarp ? (firstGarp.ts - firstR2.ts) * 1000 : Number.NaN,
    };
  } finally {
    lab.destroy();
  }
}

function summary(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)] ?? Number.NaN;
  return `median ${med.toFixed(4)}  min ${s[0]?.toFixed(4)}  max ${s.at(-1)?.toFixed(4)}`;
}

async function main(): Promise<void> {
  if (!canRunNetns()) {
    console.error('bench-failover needs root and iproute2');
    process.exitCode = 1;
    return;
  }
  const rounds = Number(process.argv[2] ?? 5);
  const intervals = (process.argv[3] ?? '1,0.1,0.01').split(',').map(Number);
  const impls = (process.argv[4] ?? 'vipd,keepalived').split(',') as ('vipd' | 'keepalived')[];
  console.log(`bench-failover: ${rounds} rounds; kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}`);
  console.log(
    'impl        advert_int  gap/Master_Down_Interval                      first GARP after first advert (ms)',
  );
  for (const intervalS of intervals) {
    for (const impl of impls) {
      const results: Round[] = [];
      for (let i = 0; i < rounds; i++) results.push(await round(impl, intervalS));
      console.log(
        `${impl.padEnd(11)} ${String(intervalS).padEnd(11)} ${summary(results.map((r) => r.ratio)).padEnd(45)} ${summary(results.map((r) => r.garpDelayMs))}`,
      );
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
