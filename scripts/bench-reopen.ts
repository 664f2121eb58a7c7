/**
 * How long a router needs after its interface is created again (deleted, then made anew with its addresses and set
 * up, as the chaos runs do) before it is BACKUP: the allowance the chaos invariant adds to Master_Down_Interval
 * (test/helpers/chaos.ts). Measured from just before `ip link set eth0 up` to the router's FAULT → BACKUP, vipd
 * from its log's timestamps, keepalived from its syslog lines (-l -D on stderr, with the time of reading).
 * Also the handover when the re-created router then preempts: how long both hold the VIP (from the kernel's
 * address events, as the chaos observer sees it).
 *
 *   npx tsx scripts/bench-reopen.ts [rounds=20] [impls=vipd,keepalived]
 */
import { VipObserver } from '../test/helpers/holders.js';
import { canRunNetns, Lab, waitFor } from '../test/helpers/netns.js';
import { KeepalivedRouter, VipdRouter } from '../test/helpers/routers.js';

const VIP = '192.0.2.100';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function quantiles(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
  return `median ${q(0.5).toFixed(1)}, p90 ${q(0.9).toFixed(1)}, max ${(s.at(-1) ?? Number.NaN).toFixed(1)} ms`;
}

/** Wall-clock ms at which `r` last entered BACKUP after `since` (vipd's log time; keepalived's line seen). */
async function backupAt(r: VipdRouter | KeepalivedRouter, since: number): Promise<number> {
  return waitFor(
    () => {
      if (r instanceof VipdRouter) {
        return r.transitions().find((t) => t.to === 'BACKUP' && t.time >= since)?.time;
      }
      return r.state() === 'BACKUP' ? Date.now() : undefined;
    },
    5000,
    1,
    'BACKUP after the interface came back',
  );
}

async function measure(impl: 'vipd' | 'keepalived', rounds: number): Promise<{ reopen: number[]; overlap: number[] }> {
  const lab = Lab.create('reopen', ['r1', 'r2']);
  const reopen: number[] = [];
  const overlap: number[] = [];
  let obs: VipObserver | undefined;
  try {
    const opts = { name: 'VI_1', vrid: 61, advertInt: 0.1, version: 3 as const, vips: [`${VIP}/24`] };
    const make = (host: string, priority: number) =>
      impl === 'vipd'
        ? new VipdRouter(lab, host, { ...opts, priority }).start()
        : new KeepalivedRouter(lab, host, { ...opts, priority }).start();
    const r1 = make('r1', 150);
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 10_000, 10, 'r1 MASTER');
    const r2 = make('r2', 100);
    await waitFor(() => (r2.state() === 'BACKUP' ? true : undefined), 10_000, 10, 'r2 BACKUP');
    obs = await VipObserver.start(lab, ['r1', 'r2'], VIP);
    for (let i = 0; i < rounds; i++) {
      lab.unplugInterface('r1');
      await waitFor(() => (r1.state() === 'FAULT' ? true : undefined), 5000, 5, 'r1 FAULT');
      await waitFor(() => (obs?.holders().join() === 'r2' ? true : undefined), 5000, 5, 'r2 holding');
      await sleep(300);
      lab.plugInterface('r1', { up: false });
      const before = Date.now();
      const t0 = performance.now();
      lab.exec('r1', 'ip', 'link', 'set', 'eth0', 'up');
      reopen.push((await backupAt(r1, before)) - before);
      await waitFor(() => (obs?.holders().join() === 'r1' ? true : undefined), 5000, 5, 'r1 holding again');
      await sleep(300);
      overlap.push(obs.violations({ from: t0, to: performance.now(), faults: [], graceMs: 0 }).several);
    }
  } finally {
    obs?.stop();
    lab.destroy();
  }
  return { reopen, overlap };
}

async function main(): Promise<void> {
  if (!canRunNetns()) throw new Error('needs root');
  const [roundsArg = '20', implsArg = 'vipd,keepalived'] = process.argv.slice(2);
  for (const impl of implsArg.split(',') as ('vipd' | 'keepalived')[]) {
    const { reopen, overlap } = await measure(impl, Number(roundsArg));
    console.log(
      `${impl}: link up -> BACKUP ${quantiles(reopen)}; preempt handover, both holding: ${quantiles(overlap)}`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
