/**
 * Whatever happens to the log stream, vipd stays in charge of its VIPs: a reader that leaves before or during
 * shutdown, or one that stops reading, never keeps a SIGTERM from ending in priority 0, VIPs removed and exit 0,
 * and a crash still releases. (Before: pino's exit flush retried EPIPE forever and vipd never exited.)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCapture } from '../helpers/capture.js';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { readPcap } from '../helpers/pcap.js';
import { repoRoot, VipdRouter, vipdYaml } from '../helpers/routers.js';
import { vrrpAdverts } from '../helpers/wire.js';

const VIP = '192.0.2.100';

describe.skipIf(!canRunNetns())('vipd with a broken log stream', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  function single(priority = 150): VipdRouter {
    lab = Lab.create('logs', ['r1', 'r2', 'client']);
    return new VipdRouter(lab, 'r1', { name: 'VI_1', vrid: 73, priority, advertInt: 0.1, vips: [`${VIP}/24`] });
  }

  const master = (r: VipdRouter) =>
    waitFor(() => (r.state() === 'MASTER' && r.heldVips().length === 1 ? true : undefined), 5000, 20, 'MASTER');

  /**
   * `vipd run | sed '/PATTERN/q'`: the reader prints up to the first line matching PATTERN and leaves, as
   * `| head -4` does. Returns vipd's own pid (found by its unique config path) and the exit of the pipeline.
   */
  async function pipeline(r: VipdRouter, leaveAfter: string): Promise<{ pid: number; exited: Promise<void> }> {
    const cfg = path.join(r.dir, 'vipd.yaml');
    writeFileSync(cfg, vipdYaml(r.opts, r.dir));
    const cmd = `${process.execPath} ${path.join(repoRoot, 'dist/vipd.js')} run -f ${cfg} ${r.runFiles().join(' ')} | sed -u '/${leaveAfter}/q' > ${path.join(r.dir, 'seen.log')}`;
    const child = lab.spawn(r.host, 'sh', ['-c', cmd]);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const pid = await waitFor(
      () =>
        Number(lab.tryExec(r.host, 'pgrep', '-f', `^${process.execPath} .* run -f ${cfg}`)?.trim().split('\n')[0]) ||
        undefined,
      3000,
      20,
      'vipd pid',
    );
    return { pid, exited };
  }

  const gone = (pid: number) => {
    try {
      process.kill(pid, 0);
      return undefined;
    } catch {
      return true;
    }
  };

  for (const role of ['master', 'backup'] as const) {
    for (const when of ['before', 'during'] as const) {
      it(`${role}, reader gone ${when} shutdown: ${role === 'master' ? 'priority 0 on the wire, VIP removed, ' : ''}exit within 5 s`, async () => {
        lab = Lab.create('logs', ['r1', 'r2', 'client']);
        const opts = { name: 'VI_1', vrid: 73, advertInt: 0.1 };
        const peer = new VipdRouter(lab, 'r2', {
          ...opts,
          priority: role === 'master' ? 100 : 200,
          vips: [`${VIP}/24`],
        });
        const r1 = new VipdRouter(lab, 'r1', { ...opts, priority: 150, vips: [`${VIP}/24`] });
        peer.start();
        if (role === 'backup') await master(peer);
        const cap = await startCapture(lab, 'client', 'eth0', 'ip proto 112');
        // "before": the reader leaves at the line that puts r1 in its role; "during": at "stop requested".
        const reached = role === 'master' ? '"to":"MASTER"' : '"to":"BACKUP"';
        const { pid, exited } = await pipeline(r1, when === 'before' ? reached : 'stop requested');
        // vipd is up (its first transition reached the reader) before anything else happens.
        const seenLog = path.join(r1.dir, 'seen.log');
        const seen = () => (existsSync(seenLog) ? readFileSync(seenLog, 'utf8') : '');
        await waitFor(() => (seen().includes('"to":"BACKUP"') ? true : undefined), 5000, 20, 'r1 BACKUP');
        if (role === 'master') {
          await waitFor(() => (r1.heldVips().length === 1 ? true : undefined), 5000, 20, 'r1 holds the VIP');
        }
        await new Promise((r) => setTimeout(r, 500)); // lines keep coming into the pipe (or its ruins)
        process.kill(pid, 'SIGTERM');
        // Bounded by design: notify scripts get 1 s, queued log lines 0.5 s; 5 s leaves room for a loaded machine.
        await waitFor(() => gone(pid), 5000, 20, 'vipd to exit after SIGTERM');
        await exited;
        expect(r1.heldVips()).toEqual([]);
        const fromR1 = vrrpAdverts(readPcap(await cap.stop())).filter((a) => a.src === lab.host('r1').ipv4);
        if (role === 'master') expect(fromR1.at(-1)?.priority).toBe(0);
        else expect(fromR1).toEqual([]);
      });
    }
  }

  it('a reader that stops reading (full pipe) stalls neither the election nor the stop', async () => {
    // r1 logs one debug line per advert of r2 (their VIP lists differ: accepted with a note), 100 a second:
    // the 64 KiB pipe is full within about two seconds.
    lab = Lab.create('logs', ['r1', 'r2', 'client']);
    const opts = { name: 'VI_1', vrid: 73, advertInt: 0.01, version: 3 as const };
    const r2 = new VipdRouter(lab, 'r2', { ...opts, priority: 150, vips: [`${VIP}/24`] });
    const r1 = new VipdRouter(lab, 'r1', { ...opts, priority: 100, vips: [`${VIP}/24`, '192.0.2.101/24'] });
    r2.start();
    await master(r2);
    r1.start();
    await waitFor(() => (r1.state() === 'BACKUP' ? true : undefined), 5000, 20, 'r1 BACKUP');
    r1.stallLogReader();
    const before = r1.log.length;
    await new Promise((r) => setTimeout(r, 4000));
    expect(r1.log.length - before).toBeLessThan(70_000); // the reader really stopped reading
    expect(r1.heldVips()).toEqual([]); // a blocked event loop would have missed r2's adverts and taken over
    expect(r2.heldVips()).toEqual([VIP]);
    r1.signal('SIGTERM');
    expect(await r1.exited(5000)).toBe(0);
  });

  it('a crash with the reader gone still releases the VIP and exits 1', async () => {
    const r1 = single();
    r1.start({ VIPD_INJECT_CRASH_AFTER_MS: '1500' });
    await master(r1);
    r1.closeLogReader();
    expect(await r1.exited(4000)).toBe(1);
    expect(r1.heldVips()).toEqual([]);
  });
});
