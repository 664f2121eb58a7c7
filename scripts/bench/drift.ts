/**
 * Advert timing of one master at advert_int 100 ms (VRRPv3), vipd or keepalived, from a capture on a client over
 * N seconds: the mean interval as drift from the configured one, and the intervals' p50 / p99 / max.
 */
import { startCapture } from '../../test/helpers/capture.js';
import { Lab, waitFor } from '../../test/helpers/netns.js';
import { readPcap } from '../../test/helpers/pcap.js';
import { KeepalivedRouter, VipdRouter } from '../../test/helpers/routers.js';
import { vrrpAdverts } from '../../test/helpers/wire.js';
import type { Impl } from './load.js';

export const DRIFT_INTERVAL_MS = 100;

export interface Drift {
  intervals: number;
  driftPercent: number;
  p50: number;
  p99: number;
  max: number;
}

export async function measureDrift(impl: Impl, seconds: number): Promise<Drift> {
  const lab = Lab.create('drift', ['r1', 'client']);
  try {
    const Router = impl === 'vipd' ? VipdRouter : KeepalivedRouter;
    const r1 = new Router(lab, 'r1', {
      name: 'VI_1',
      vrid: 51,
      priority: 150,
      advertInt: DRIFT_INTERVAL_MS / 1000,
      version: 3,
      vips: ['192.0.2.100/24'],
    }).start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 15_000, 10, 'master');
    await new Promise((r) => setTimeout(r, 1000));
    const cap = await startCapture(lab, 'client', 'eth0', 'ip proto 112');
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const ts = vrrpAdverts(readPcap(await cap.stop())).map((a) => a.ts * 1000);
    const gaps = ts.slice(1).map((t, i) => t - (ts[i] as number));
    const mean = ((ts.at(-1) as number) - (ts[0] as number)) / gaps.length;
    const sorted = [...gaps].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    return {
      intervals: gaps.length,
      driftPercent: ((mean - DRIFT_INTERVAL_MS) / DRIFT_INTERVAL_MS) * 100,
      p50: q(0.5),
      p99: q(0.99),
      max: sorted.at(-1) ?? 0,
    };
  } finally {
    lab.destroy();
  }
}
