/**
 * A seeded chaos run on three routers (r1 150, r2 100, r3 50, preemption, VRRPv3 at advert_int 0.1, one VIP on
 * a VMAC, one virtual route, a track_file of weight 0), each vipd or keepalived, and a sequence of faults, each
 * injected on one node and undone: kill -9 and restart, SIGTERM and restart, a quick restart, link down/up, the
 * node partitioned (its bridge port detached), its tracker flapping to FAULT, a reload (SIGHUP), and the kernel
 * changing under it: eth0 deleted and created again, the primary address removed and restored, the VIP deleted
 * by hand, the virtual route deleted, the VMAC deleted. VIP holders come from the kernel's address events (ip
 * monitor in each namespace). A node counts while its daemon is up and it is reachable. Measured: time with no
 * holder and with two or more outside a window of the largest Master_Down_Interval + 100 ms after each fault and
 * each recovery; who holds at the end (all healthy: r1 must); whether the holder has the route; holders after all
 * stop. Used by scripts/chaos.ts (long runs) and test/integration/chaos.test.ts (a short form).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { masterDownIntervalMs } from '../../src/core/vrrp/timers.js';
import { prng } from '../codec/fixtures.js';
import { VipObserver } from './holders.js';
import { type Lab, waitFor } from './netns.js';
import { KeepalivedRouter, type RouterOptions, VipdRouter } from './routers.js';

export type Impl = 'vipd' | 'keepalived';
type Router = VipdRouter | KeepalivedRouter;

export const FAULTS = [
  'kill-9',
  'sigterm',
  'restart',
  'link-down',
  'partition',
  'tracker-flap',
  'reload',
  'interface-recreated',
  'primary-removed',
  'vip-deleted',
  'route-deleted',
  'vmac-deleted',
] as const;
export type Fault = (typeof FAULTS)[number];

export const CHAOS_VIP = '192.0.2.100';
const VRID = 91;
const VMAC = `vrrp.${VRID}`;
const ROUTE = '198.51.100.0/24';
const NODES = [
  ['r1', 150],
  ['r2', 100],
  ['r3', 50],
] as const;
const ADVERT_INT_S = 0.1;
/**
 * The time a router may take to act on a change, measured on this kind of machine by
 * `npx tsx scripts/bench-reopen.ts 10` (vipd and keepalived, advert_int 0.1):
 * - REOPEN: an interface created again, from its link coming up to the router being BACKUP (its sockets re-opened
 *   and bound, groups joined, addresses re-read): vipd median 7, max 15 ms; keepalived median 12, max 17 ms.
 * - HANDOVER: a router that preempts sends its advert and adds the VIP; the old master lets go once it has heard
 *   it, so both hold for a moment: vipd max 4 ms, keepalived max 9 ms.
 * Each allowance is about three times the largest measured, for a loaded machine.
 */
export const REOPEN_ALLOWANCE_MS = 50;
export const HANDOVER_ALLOWANCE_MS = 30;
/**
 * The invariant's grace after each fault and each recovery (the recovery counted from when its commands have
 * returned): the longest Master_Down_Interval in the lab, the lowest priority's (3 × 100 + (256 − 50) × 100 / 256
 * = 380.5 ms; any backup takes over within its own, shorter or equal), plus re-opening an interface and the
 * handover of a preempt.
 */
export const CHAOS_GRACE_MS =
  masterDownIntervalMs(3, Math.min(...NODES.map(([, p]) => p)), ADVERT_INT_S * 1000) +
  REOPEN_ALLOWANCE_MS +
  HANDOVER_ALLOWANCE_MS;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ChaosResult {
  impls: Impl[];
  seed: number;
  faults: Partial<Record<Fault, number>>;
  noneMs: number;
  severalMs: number;
  holderAtEnd: string;
  routeOnHolder: boolean;
  holdersAfterStop: string[];
  seconds: number;
  /** Each violation with the fault before it: for reading a run, not for the invariants. */
  violations: string[];
}

/** Router options for one node: the VIP on a VMAC, a virtual route, and a track_file (weight 0: 1 means FAULT). */
function options(impl: Impl, priority: number, flagFile: string): RouterOptions {
  const base = {
    name: 'VI_1',
    vrid: VRID,
    priority,
    advertInt: ADVERT_INT_S,
    version: 3 as const,
    vips: [`${CHAOS_VIP}/24`],
  };
  if (impl === 'vipd') {
    return {
      ...base,
      extra: ['use_vmac: true', `virtual_routes: ["${ROUTE} dev eth0"]`, `track_file: ["${flagFile} weight 0"]`],
    };
  }
  return {
    ...base,
    topLevel: `vrrp_track_file flap {\n  file ${flagFile}\n}`,
    extra: ['use_vmac', `virtual_routes {\n    ${ROUTE} dev eth0\n  }`, 'track_file {\n    flap weight 0\n  }'],
  };
}

export async function runChaos(lab: Lab, impls: Impl[], seed: number, count: number): Promise<ChaosResult> {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const between = (lo: number, hi: number) => lo + random() * (hi - lo);
  const t0 = performance.now();
  const routers = new Map<string, Router>();
  const implOf = new Map<string, Impl>(NODES.map(([h], i) => [h, impls[i % impls.length] as Impl]));
  const flagFile = (host: string) => path.join('/tmp', `${lab.id}-${host}.flag`);
  const started = (r: Router) =>
    r instanceof VipdRouter ? r.log.includes('"vipd started"') : /Entering (BACKUP|MASTER|FAULT) STATE/.test(r.log);
  let observer: VipObserver | undefined;
  const start = async (host: string, priority: number) => {
    const impl = implOf.get(host) as Impl;
    const Kind = impl === 'vipd' ? VipdRouter : KeepalivedRouter;
    const r = new Kind(lab, host, options(impl, priority, flagFile(host))).start();
    routers.set(host, r);
    await waitFor(() => (started(r) ? true : undefined), 10_000, 10, `${host} started`);
    observer?.setAlive(host, true);
  };
  const stopped = async (r: Router) => {
    await r.exited(5000).catch(() => undefined);
  };
  try {
    for (const [host] of NODES) writeFileSync(flagFile(host), '0\n');
    for (const [host, priority] of NODES) await start(host, priority);
    await waitFor(
      () => ((routers.get('r1') as Router).heldVips().length === 1 ? true : undefined),
      8000,
      10,
      'r1 holds',
    );
    observer = await VipObserver.start(lab, ['r1', 'r2', 'r3'], CHAOS_VIP);
    const obs = observer;
    for (const [host] of NODES) obs.setAlive(host, true);
    const marks: number[] = [];
    const mark = () => marks.push(performance.now());
    const log: { t: number; what: string }[] = [];
    const tally: Partial<Record<Fault, number>> = {};
    for (let i = 0; i < count; i++) {
      const fault = pick(FAULTS);
      tally[fault] = (tally[fault] ?? 0) + 1;
      const onHolder = fault === 'vip-deleted' || fault === 'route-deleted' || fault === 'vmac-deleted';
      const [host, priority] = onHolder ? (NODES.find(([h]) => obs.holders().includes(h)) ?? NODES[0]) : pick(NODES);
      const r = routers.get(host) as Router;
      const primary = `${lab.host(host).ipv4}/24`;
      log.push({ t: performance.now(), what: `${fault} on ${host}` });
      mark();
      switch (fault) {
        case 'kill-9':
          obs.setAlive(host, false);
          r.hardKill();
          await stopped(r);
          break;
        case 'sigterm':
        case 'restart':
          obs.setAlive(host, false); // a stopping router hands over; it is not a holder that counts
          r.signal('SIGTERM');
          await stopped(r);
          if (fault === 'restart') {
            await start(host, priority);
            mark(); // back: it preempts, which is a change of holder like any other
          }
          break;
        case 'link-down':
          lab.exec(host, 'ip', 'link', 'set', 'eth0', 'down');
          break;
        case 'partition':
          obs.setAlive(host, false); // unreachable: it may hold on its own side
          lab.exec(lab.switchNs, 'ip', 'link', 'set', lab.host(host).port, 'nomaster');
          break;
        case 'tracker-flap':
          writeFileSync(flagFile(host), '1\n');
          break;
        case 'reload':
          r.signal('SIGHUP');
          break;
        case 'interface-recreated':
          lab.unplugInterface(host);
          break;
        case 'primary-removed':
          lab.exec(host, 'ip', 'addr', 'del', primary, 'dev', 'eth0');
          break;
        case 'vip-deleted':
          lab.tryExec(host, 'ip', 'addr', 'del', `${CHAOS_VIP}/24`, 'dev', VMAC);
          break;
        case 'route-deleted':
          lab.tryExec(host, 'ip', 'route', 'del', ROUTE);
          break;
        case 'vmac-deleted':
          lab.tryExec(host, 'ip', 'link', 'del', VMAC);
          break;
      }
      await sleep(between(600, 1200));
      log.push({ t: performance.now(), what: `${fault} undone on ${host}` });
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
        case 'partition':
          lab.exec(lab.switchNs, 'ip', 'link', 'set', lab.host(host).port, 'master', 'br0');
          mark();
          obs.setAlive(host, true);
          break;
        case 'tracker-flap':
          writeFileSync(flagFile(host), '0\n');
          break;
        case 'interface-recreated':
          lab.plugInterface(host);
          break;
        case 'primary-removed':
          lab.exec(host, 'ip', 'addr', 'add', primary, 'dev', 'eth0');
          break;
        default:
          break;
      }
      mark(); // undone once its commands have returned (re-creating an interface takes six of them)
      await sleep(between(1200, 2000));
    }
    await sleep(1000);
    const end = performance.now();
    const v = obs.violations({ from: obs.started, to: end, faults: marks, graceMs: CHAOS_GRACE_MS });
    const holderAtEnd = obs.holders().join(',');
    const routeOnHolder =
      obs.holders().length === 1 &&
      (lab.tryExec(obs.holders()[0] as string, 'ip', 'route', 'show', ROUTE) ?? '').includes(
        ROUTE.split('/')[0] as string,
      );
    for (const r of routers.values()) r.signal('SIGTERM');
    for (const r of routers.values()) await stopped(r);
    await sleep(200);
    const holdersAfterStop = ['r1', 'r2', 'r3'].filter((h) =>
      [...lab.addresses(h), ...lab.addresses(h, VMAC)].includes(CHAOS_VIP),
    );
    return {
      impls: NODES.map(([h]) => implOf.get(h) as Impl),
      seed,
      faults: tally,
      noneMs: v.none,
      severalMs: v.several,
      holderAtEnd,
      routeOnHolder,
      holdersAfterStop,
      seconds: (end - t0) / 1000,
      violations: v.spans.map((s) => {
        const before = log.filter((l) => l.t <= s.from).at(-1);
        return `${s.kind} ${s.to - s.from} ms, ${before ? `${(s.from - before.t).toFixed(0)} ms after ${before.what}` : 'before any fault'}`;
      }),
    };
  } finally {
    observer?.stop();
  }
}
