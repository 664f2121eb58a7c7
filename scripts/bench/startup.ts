/**
 * Start-up: the wall time of `vipd --version`, and from exec (in a lab namespace, one instance, no peer) to the
 * line of its first state (BACKUP) arriving on the log pipe, for vipd and keepalived alike.
 */
import { execFileSync } from 'node:child_process';
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

/** Exec to the first BACKUP state, seen as the log line arrives on the pipe (the same for both). */
export async function firstStateMs(impl: Impl, runs: number): Promise<number> {
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
      r.start();
      const seen = await waitFor(() => (r.state() === 'BACKUP' ? performance.now() : undefined), 10_000, 1, 'BACKUP');
      times.push(seen - t0);
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
