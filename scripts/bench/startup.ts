/**
 * Start-up: the wall time of `vipd --version`, and from exec (in a lab namespace, one instance, no peer) to the
 * line of its first state (BACKUP) arriving on the log pipe, for vipd and keepalived alike.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Lab, waitFor } from '../../test/helpers/netns.js';
import { KeepalivedRouter, VipdRouter, vipdCommand } from '../../test/helpers/routers.js';
import type { Impl } from './load.js';

export function versionWallMs(runs: number): number {
  const [node, ...vipd] = vipdCommand();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    execFileSync(node, [...vipd, '--version'], { stdio: 'ignore' });
    times.push(performance.now() - t0);
  }
  return median(times);
}

/**
 * The floor under any start-up of vipd: the same Node with vipd's V8 flags, running nothing, started the way the
 * first-state measurement starts vipd (`ip netns exec` into a lab host), so the two differ by vipd's own work only.
 */
export function nodeAloneWallMs(runs: number): number {
  const [node, ...vipd] = vipdCommand();
  const flags = vipd.filter((a) => a.startsWith('--'));
  const lab = Lab.create('node0', ['r1']);
  try {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      execFileSync('ip', ['netns', 'exec', lab.host('r1').ns, node, ...flags, '-e', '0'], { stdio: 'ignore' });
      times.push(performance.now() - t0);
    }
    return median(times);
  } finally {
    lab.destroy();
  }
}

const ONE_INSTANCE_CONF = `vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {
    192.0.2.100/24
  }
}
`;

/**
 * Wall time of checking a one-instance keepalived.conf and exiting: `vipd check-config -f` against
 * `keepalived --config-test -f` (the same file).
 */
export function configCheckWallMs(impl: Impl, runs: number): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'vipd-bench-conf-'));
  try {
    const file = path.join(dir, 'keepalived.conf');
    writeFileSync(file, ONE_INSTANCE_CONF);
    const [node, ...vipd] = vipdCommand();
    const [cmd, args] =
      impl === 'vipd' ? [node, [...vipd, 'check-config', '-f', file]] : ['keepalived', ['--config-test', '-f', file]];
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      execFileSync(cmd, args, { stdio: 'ignore' });
      times.push(performance.now() - t0);
    }
    return median(times);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Exec to the first BACKUP state, seen as the log line arrives on the pipe (the same for both). `env`: vipd's
 * environment, e.g. CACHE_DIRECTORY as systemd's CacheDirectory= sets it (Node's compile cache). `lingerMs`: how long
 * each daemon lives on after its first state (vipd writes the compile cache just after start-up).
 */
export async function firstStateMs(
  impl: Impl,
  runs: number,
  env: Record<string, string> = {},
  lingerMs = 0,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const lab = Lab.create('start', ['r1']);
    try {
      const Router = impl === 'vipd' ? VipdRouter : KeepalivedRouter;
      const r = new Router(lab, 'r1', {
        name: 'VI_1',
        vrid: 51,
        priority: 100,
        advertInt: 1,
        vips: ['192.0.2.100/24'],
      });
      const t0 = performance.now();
      if (r instanceof VipdRouter) r.start(env);
      else r.start();
      const seen = await waitFor(() => (r.state() === 'BACKUP' ? performance.now() : undefined), 10_000, 1, 'BACKUP');
      times.push(seen - t0);
      if (lingerMs > 0) await new Promise((r) => setTimeout(r, lingerMs));
    } finally {
      lab.destroy();
    }
  }
  return median(times);
}

/** The median of the finite values (a failed round is NaN and left out). */
export function median(xs: number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}
