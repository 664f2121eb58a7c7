/**
 * Chaos run (not a test): three routers of one implementation (vipd or keepalived) on a LAN of namespaces,
 * priorities 150 / 100 / 50 with preemption, VRRPv3 at advert_int 0.1, one VIP, and a seeded sequence of faults,
 * each injected on one node and then undone: kill -9 and restart, SIGTERM and restart, link down/up, the interface
 * deleted and created again, the primary address removed and restored, the VIP deleted by hand on its holder.
 * VIP holders come from the kernel's address events (ip monitor in every namespace). Reported: the time with no
 * holder and with two or more, among routers whose daemon is up, outside a window of the largest
 * Master_Down_Interval + 100 ms after each fault and each recovery; who holds at the end; whether anyone holds
 * after all stop.
 *
 *   npm run chaos -- [faults=40] [seeds=1,2] [impls=vipd,keepalived]
 */
import { masterDownIntervalMs } from '../src/core/vrrp/timers.js';
import { prng } from '../test/codec/fixtures.js';
import { VipObserver } from '../test/helpers/holders.js';
import { canRunNetns, Lab, waitFor } from '../test/helpers/netns.js';
import { KeepalivedRouter, type RouterOptions, VipdRouter } from '../test/helpers/routers.js';

type Impl = 'vipd' | 'keepalived';
type Router = VipdRouter | KeepalivedRouter;
const FAULTS = ['kill-9', 'sigterm', 'link-down', 'interface-recreated', 'primary-removed', 'vip-deleted'] as const;
type Fault = (typeof FAULTS)[number];

const VIP = '192.0.2.100';
const NODES = [
  ['r1', 150],
  ['r2', 100],
  ['r3', 50],
] as const;
const ADVERT_INT_S = 0.1;
const GRACE_MS = masterDownIntervalMs(3, 50, ADVERT_INT_S * 1000) + 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Result {
  impl: Impl;
  seed: number;
  faults: Record<Fault, number>;
  noneMs: number;
  severalMs: number;
  holderAtEnd: string;
  holdersAfterStop: string[];
  seconds: number;
}

async function run(impl: Impl, seed: number, count: number): Promise<Result> {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const between = (lo: number, hi: number) => lo + random() * (hi - lo);
  const lab = Lab.create(`chaos${seed}`, ['r1', 'r2', 'r3']);
  const t0 = performance.now();
  const routers = new Map<string, Router>();
  const Kind = impl === 'vipd' ? VipdRouter : KeepalivedRouter;
  const opts = (priority: number): RouterOptions => ({
    name: 'VI_1',
    vrid: 91,
    priority,
    advertInt: ADVERT_INT_S,
    version: 3,
    vips: [`${VIP}/24`],
  });
  const started = (r: Router) =>
    impl === 'vipd' ? r.log.includes('"vipd started"') : /Entering (BACKUP|MASTER|FAULT) STATE/.test(r.log);
  let observer: VipObserver | undefined;
  const start = async (host: string, priority: number) => {
    const r = new Kind(lab, host, opts(priority)).start();
    routers.set(host, r);
    await waitFor(() => (started(r) ? true : undefined), 10_000, 10, `${host} started`);
    observer?.setAlive(host, true);
  };
  try {
    for (const [host, priority] of NODES) await start(host, priority);
    await waitFor(
      () => ((routers.get('r1') as Router).heldVips().length === 1 ? true : undefined),
      5000,
      10,
      'r1 holds',
    );
    observer = await VipObserver.start(lab, ['r1', 'r2', 'r3'], VIP);
    const obs = observer;
    for (const [host] of NODES) obs.setAlive(host, true);
    const marks: number[] = [];
    const mark = () => marks.push(performance.now());
    const tally = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
    for (let i = 0; i < count; i++) {
      const fault = pick(FAULTS);
      tally[fault]++;
      const [host, priority] =
        fault === 'vip-deleted' ? (NODES.find(([h]) => obs.holders().includes(h)) ?? NODES[0]) : pick(NODES);
      const r = routers.get(host) as Router;
      const primary = `${lab.host(host).ipv4}/24`;
      mark();
      switch (fault) {
        case 'kill-9':
          obs.setAlive(host, false);
          r.hardKill();
          await r.exited(5000).catch(() => undefined);
          break;
        case 'sigterm':
          obs.setAlive(host, false); // a stopping router hands over; it is not a holder that counts
          r.signal('SIGTERM');
          await r.exited(5000).catch(() => undefined);
          break;
        case 'link-down':
          lab.exec(host, 'ip', 'link', 'set', 'eth0', 'down');
          break;
        case 'interface-recreated':
          lab.unplugInterface(host);
          break;
        case 'primary-removed':
          lab.exec(host, 'ip', 'addr', 'del', primary, 'dev', 'eth0');
          break;
        case 'vip-deleted':
          lab.tryExec(host, 'ip', 'addr', 'del', `${VIP}/24`, 'dev', 'eth0');
          break;
      }
      await sleep(between(600, 1200));
      mark();
      switch (fault) {
        case 'kill-9':
        case 'sigterm':
          await start(host, priority);
          mark();
          break;
        case 'link-down':
          lab.exec(host, 'ip', 'link', 'set', 'eth0', 'up');
          break;
        case 'interface-recreated':
          lab.plugInterface(host);
          break;
        case 'primary-removed':
          lab.exec(host, 'ip', 'addr', 'add', primary, 'dev', 'eth0');
          break;
        case 'vip-deleted':
          break;
      }
      await sleep(between(1200, 2000));
    }
    await sleep(1000);
    const end = performance.now();
    const v = obs.violations({ from: obs.started, to: end, faults: marks, graceMs: GRACE_MS });
    const holderAtEnd = obs.holders().join(',');
    for (const r of routers.values()) r.signal('SIGTERM');
    for (const r of routers.values()) await r.exited(5000).catch(() => undefined);
    await sleep(200);
    const holdersAfterStop = ['r1', 'r2', 'r3'].filter((h) => lab.addresses(h).includes(VIP));
    return {
      impl,
      seed,
      faults: tally,
      noneMs: v.none,
      severalMs: v.several,
      holderAtEnd,
      holdersAfterStop,
      seconds: (end - t0) / 1000,
    };
  } finally {
    observer?.stop();
    lab.destroy();
  }
}

async function main(): Promise<void> {
  if (!canRunNetns()) return;
  const [countArg = '40', seedsArg = '1,2', implsArg = 'vipd,keepalived'] = process.argv.slice(2);
  const impls = implsArg.split(',') as Impl[];
  const rows: Result[] = [];
  for (const seed of seedsArg.split(',').map(Number)) {
    for (const impl of impls) {
      const r = await run(impl, seed, Number(countArg));
      rows.push(r);
      console.log(JSON.stringify(r));
    }
  }
  console.log(
    `\n${countArg} faults per run, 3 nodes, advert_int ${ADVERT_INT_S} s, grace ${GRACE_MS.toFixed(1)} ms after each fault and recovery\n`,
  );
  console.log(
    '| implementation | seed | time with no holder | time with two holders | holder at the end | holders after stop |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    console.log(
      `| ${r.impl} | ${r.seed} | ${(r.noneMs / 1000).toFixed(3)} s | ${(r.severalMs / 1000).toFixed(3)} s | ${r.holderAtEnd || 'none'} | ${r.holdersAfterStop.join(',') || 'none'} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
