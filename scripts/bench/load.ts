/**
 * Steady-state cost of N VRRPv3 instances, all MASTER on one host of a namespace lab, for vipd or keepalived
 * configured the same way: CPU (user + system of every process of the implementation, as a share of one core)
 * over a measured window, and resident memory (the sum over its processes).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Lab, waitFor } from '../../test/helpers/netns.js';
import { cpuSeconds, memoryMiB } from '../../test/helpers/proc.js';
import { KeepalivedRouter, VipdRouter } from '../../test/helpers/routers.js';

export type Impl = 'vipd' | 'keepalived';
export interface LoadResult {
  cpuPercent: number;
  rssMiB: number;
  /** Proportional set size: shared pages (the node binary, libc) divided among the processes using them. */
  pssMiB: number;
  /** Anonymous memory: heaps and stacks, the implementation's own. */
  anonMiB: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const vip = (i: number) => `10.${Math.floor(i / 250)}.${i % 250}.1/32`;

function vipdConfig(n: number, intervalS: number): string {
  const lines = ['vrrp_instance:'];
  for (let i = 1; i <= n; i++) {
    lines.push(`  VI_${i}:`, '    interface: eth0', `    virtual_router_id: ${i}`, '    priority: 150');
    lines.push('    version: 3', `    advert_int: ${intervalS}`, `    virtual_ipaddress: ["${vip(i)}"]`);
  }
  return `${lines.join('\n')}\n`;
}

function keepalivedConfig(n: number, intervalS: number): string {
  const out = ['global_defs {', '  router_id bench', '}'];
  for (let i = 1; i <= n; i++) {
    out.push(`vrrp_instance VI_${i} {`, '  state BACKUP', '  interface eth0', `  virtual_router_id ${i}`);
    out.push('  priority 150', '  version 3', `  advert_int ${intervalS}`);
    out.push(`  virtual_ipaddress {\n    ${vip(i)}\n  }`, '}');
  }
  return `${out.join('\n')}\n`;
}

/** The implementation's processes: vipd is one (its threads included); keepalived a parent and its VRRP child. */
function pids(impl: Impl, dir: string, childPid: number): number[] {
  if (impl === 'vipd') return [childPid];
  return ['keepalived.pid', 'vrrp.pid'].map((f) => Number(readFileSync(path.join(dir, f), 'utf8').trim()));
}

function mastersOf(router: VipdRouter | KeepalivedRouter): number {
  if (router instanceof VipdRouter) {
    return router.lines().filter((l) => l.msg === 'state transition' && l.to === 'MASTER').length;
  }
  return [...router.log.matchAll(/Entering MASTER STATE/g)].length;
}

export async function measureLoad(impl: Impl, n: number, intervalS: number, seconds: number): Promise<LoadResult> {
  const lab = Lab.create('load', ['r1']);
  try {
    const opts = { name: 'VI_1', vrid: 1, vips: [] as string[] };
    const Router = impl === 'vipd' ? VipdRouter : KeepalivedRouter;
    const router = new Router(lab, 'r1', {
      ...opts,
      configText: impl === 'vipd' ? vipdConfig(n, intervalS) : keepalivedConfig(n, intervalS),
    });
    if (router instanceof VipdRouter) router.start({}, ['--log-level', 'info']);
    else router.start();
    await waitFor(() => (mastersOf(router) >= n ? true : undefined), 60_000, 100, `${n} masters (${impl})`);
    await sleep(3000);
    const ps = pids(impl, router.dir, router.pid as number);
    const c0 = ps.reduce((s, p) => s + cpuSeconds(p), 0);
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const cpu = ps.reduce((s, p) => s + cpuSeconds(p), 0) - c0;
    const elapsed = (performance.now() - t0) / 1000;
    const mem = ps.map(memoryMiB);
    const sum = (k: 'rss' | 'pss' | 'anon') => mem.reduce((s, m) => s + m[k], 0);
    return { cpuPercent: (100 * cpu) / elapsed, rssMiB: sum('rss'), pssMiB: sum('pss'), anonMiB: sum('anon') };
  } finally {
    lab.destroy();
  }
}

export function writeConfigForProfile(file: string, n: number, intervalS: number): void {
  writeFileSync(file, vipdConfig(n, intervalS));
}
