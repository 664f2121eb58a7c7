/**
 * Advert interval benchmark (not a test): one master, vipd and keepalived in turn in one run, advert_int 100 ms
 * (VRRPv3), a capture on a client for N seconds: the mean interval between adverts as drift from the configured
 * interval, and the intervals' p50 / p99 / max.
 *
 *   npx tsx scripts/bench-drift.ts [seconds=20] [impls=vipd,keepalived]
 */
import { startCapture } from '../test/helpers/capture.js';
import { canRunNetns, Lab, waitFor } from '../test/helpers/netns.js';
import { readPcap } from '../test/helpers/pcap.js';
import { KeepalivedRouter, VipdRouter } from '../test/helpers/routers.js';
import { vrrpAdverts } from '../test/helpers/wire.js';

const INTERVAL_MS = 100;

async function measure(impl: 'vipd' | 'keepalived', seconds: number): Promise<string> {
  const lab = Lab.create('drift', ['r1', 'client']);
  try {
    const Router = impl === 'vipd' ? VipdRouter : KeepalivedRouter;
    const r1 = new Router(lab, 'r1', {
      name: 'VI_1',
      vrid: 51,
      priority: 150,
      advertInt: INTERVAL_MS / 1000,
      version: 3,
      vips: ['192.0.2.100/24'],
    }).start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 15_000, 10, 'master');
    await new Promise((r) => setTimeout(r, 1000));
    const cap = await startCapture(lab, 'client', 'eth0', 'ip proto 112');
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const ts = vrrpAdverts(readPcap(await cap.stop())).map((a) => a.ts * 1000);
    const gaps = ts.slice(1).map((t, i) => t - (ts[i] as number));
    const mean = (ts.at(-1)! - ts[0]!) / gaps.length;
    const sorted = [...gaps].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    const drift = ((mean - INTERVAL_MS) / INTERVAL_MS) * 100;
    return `| ${impl} | ${gaps.length} | ${drift >= 0 ? '+' : ''}${drift.toFixed(3)} % | ${q(0.5).toFixed(2)} ms | ${q(0.99).toFixed(2)} ms | ${sorted.at(-1)?.toFixed(2)} ms |`;
  } finally {
    lab.destroy();
  }
}

async function main(): Promise<void> {
  if (!canRunNetns()) throw new Error('needs root');
  const seconds = Number(process.argv[2] ?? 20);
  const impls = (process.argv[3] ?? 'vipd,keepalived').split(',') as ('vipd' | 'keepalived')[];
  console.log(`advert_int ${INTERVAL_MS} ms, ${seconds} s each`);
  console.log('| impl | intervals | mean drift | p50 | p99 | max |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const impl of impls) console.log(await measure(impl, seconds));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
