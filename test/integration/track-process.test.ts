/**
 * vrrp_track_process on the real kernel: a master whose tracked process (weight 0) stops goes to FAULT and the
 * backup takes the VIP; the process back, the master takes it back. vipd runs in a lab namespace, where the kernel
 * gives no process events: this is the /proc fallback (read every second) at work.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { VipdRouter } from '../helpers/routers.js';

describe.skipIf(!canRunNetns())('vrrp_track_process', () => {
  let lab: Lab;
  let proc: ChildProcess | undefined;
  afterEach(() => {
    proc?.kill('SIGKILL');
    lab?.destroy();
  });

  it('the process gone: FAULT and the backup takes over; back: master again', async () => {
    const name = `vipdtrk${process.pid % 100000}`;
    const bin = path.join(mkdtempSync(path.join(os.tmpdir(), 'vipd-proc-')), name);
    copyFileSync('/bin/sleep', bin);
    proc = spawn(bin, ['300']);
    lab = Lab.create('trkproc', ['r1', 'r2']);
    const base = { name: 'VI_1', vrid: 53, advertInt: 0.1, version: 3 as const, vips: ['192.0.2.53/24'] };
    const r1 = new VipdRouter(lab, 'r1', {
      ...base,
      priority: 150,
      topLevel: `vrrp_track_process:\n  app: { process: ${name}, weight: 0 }\n`,
      extra: ['track_process: [app]'],
    }).start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 8000, 20, 'r1 master');
    const r2 = new VipdRouter(lab, 'r2', { ...base, priority: 100 }).start();
    await waitFor(() => (r2.state() === 'BACKUP' ? true : undefined), 8000, 20, 'r2 backup');
    proc.kill('SIGKILL');
    await waitFor(() => (r1.state() === 'FAULT' && r2.state() === 'MASTER' ? true : undefined), 3000, 20, 'failover');
    expect(r2.heldVips()).toEqual(['192.0.2.53']);
    proc = spawn(bin, ['300']);
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 4000, 20, 'r1 master again');
    await waitFor(
      () => (r1.heldVips().length === 1 && r2.heldVips().length === 0 ? true : undefined),
      2000,
      20,
      'VIP back',
    );
  });
});
