/**
 * Health follows the VIP, on the real kernel: two vipd routers each track an HTTP health endpoint of their
 * own (an HAProxy stand-in on the router's loopback). When the master's endpoint stops, its priority drops
 * by the check's weight and the backup takes over within fall × delay_loop + Master_Down_Interval; when it
 * comes back, the master preempts back after rise × delay_loop.
 */
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { masterDownIntervalMs } from '../../src/core/vrrp/timers.js';
import { startCapture } from '../helpers/capture.js';
import { canRunNetns, Lab, waitFor } from '../helpers/netns.js';
import { readPcap } from '../helpers/pcap.js';
import { VipdRouter } from '../helpers/routers.js';
import { vrrpAdverts } from '../helpers/wire.js';

const VIP = '192.0.2.100';
const DELAY_LOOP_S = 0.2;
const RISE = 2;
const FALL = 2;
const ADVERT_S = 0.1;

const HEALTH_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(8080, '127.0.0.1', () => console.log('listening'))`;

const checkBlock = `vrrp_check:
  web:
    HTTP_GET: { connect_ip: 127.0.0.1, connect_port: 8080, connect_timeout: 0.5, url: [{ path: /health, status_code: 200 }] }
    delay_loop: ${DELAY_LOOP_S}
    retry: 0
    weight: -60
    rise: ${RISE}
    fall: ${FALL}
`;

describe.skipIf(!canRunNetns())('trackers drive the VIP (vrrp_check HTTP_GET, weight -60)', () => {
  let lab: Lab;
  afterEach(() => lab?.destroy());

  function startHealth(host: string): Promise<ChildProcess> {
    const child = lab.spawn(host, process.execPath, ['-e', HEALTH_SERVER]);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('health server did not start')), 5000);
      child.stdout?.once('data', () => {
        clearTimeout(t);
        resolve(child);
      });
    });
  }

  it('master health down → backup takes over in time; health back → master preempts back', async () => {
    lab = Lab.create('track', ['r1', 'r2']);
    const base = {
      name: 'VI_1',
      vrid: 81,
      advertInt: ADVERT_S,
      version: 3 as const,
      vips: [`${VIP}/24`],
      topLevel: checkBlock,
      extra: ['track_check: [web]'],
    };
    const health1 = await startHealth('r1');
    await startHealth('r2');
    const r1 = new VipdRouter(lab, 'r1', { ...base, priority: 150 }).start();
    const r2 = new VipdRouter(lab, 'r2', { ...base, priority: 100 }).start();
    await waitFor(() => (r1.state() === 'MASTER' && r2.state() === 'BACKUP' ? true : undefined), 8000, 20, 'r1 master');
    await new Promise((r) => setTimeout(r, 1000));

    const stoppedAt = Date.now();
    health1.kill('SIGKILL');
    await waitFor(() => (r2.state() === 'MASTER' ? true : undefined), 8000, 10, 'r2 takes over');
    const takeoverMs = Date.now() - stoppedAt;
    const bound = FALL * DELAY_LOOP_S * 1000 + masterDownIntervalMs(3, 100, ADVERT_S * 1000) + 300;
    expect(takeoverMs).toBeLessThanOrEqual(bound);
    await waitFor(() => (r2.heldVips().length === 1 && r1.heldVips().length === 0 ? true : undefined), 3000);

    await startHealth('r1');
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 8000, 10, 'r1 preempts back');
    await waitFor(() => (r1.heldVips().length === 1 && r2.heldVips().length === 0 ? true : undefined), 3000);
    await waitFor(() => (r2.state() === 'BACKUP' ? true : undefined), 2000, 10, 'r2 back to BACKUP');
    expect(r1.log).toContain('"tracker":"check:web","state":"down"');
  });

  it('vrrp_script, track_file and track_interface move the advertised priority as keepalived weighs them', async () => {
    lab = Lab.create('trk2', ['r1', 'client']);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-trk-'));
    const flag = path.join(dir, 'flag');
    const prio = path.join(dir, 'prio');
    writeFileSync(flag, '');
    lab.exec('r1', 'ip', 'link', 'add', 't0', 'type', 'veth', 'peer', 'name', 't1');
    lab.exec('r1', 'ip', 'link', 'set', 't0', 'up');
    lab.exec('r1', 'ip', 'link', 'set', 't1', 'up');
    try {
      const r1 = new VipdRouter(lab, 'r1', {
        name: 'VI_1',
        vrid: 82,
        priority: 150,
        advertInt: ADVERT_S,
        version: 3,
        vips: [`${VIP}/24`],
        topLevel: `vrrp_script:\n  chk:\n    script: "/usr/bin/test -e ${flag}"\n    interval: 0.1\n    weight: -20\n`,
        extra: ['track_script: [chk]', `track_file: ["${prio}"]`, 'track_interface: ["t0 weight -30"]'],
      }).start();
      await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 5000, 20, 'r1 master');
      const cap = await startCapture(lab, 'client', 'eth0', 'ip proto 112');
      const settle = () => new Promise((r) => setTimeout(r, 400));
      await settle();
      writeFileSync(prio, '7\n'); // track_file: value x weight 1 = +7
      await settle();
      rmSync(flag); // vrrp_script fails: -20
      await settle();
      lab.exec('r1', 'ip', 'link', 'set', 't1', 'down'); // t0 loses its carrier: -30
      await settle();
      const seen = vrrpAdverts(readPcap(await cap.stop())).map((a) => a.priority);
      const changes = seen.filter((p, i) => i === 0 || p !== seen[i - 1]);
      expect(changes).toEqual([150, 157, 137, 107]);
      expect(r1.state()).toBe('MASTER');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('enable_script_security: a script in a directory anyone may write is refused, vipd does not start', async () => {
    lab = Lab.create('trk3', ['r1']);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'vipd-insecure-'));
    const script = path.join(dir, 'check.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    chmodSync(dir, 0o777); // world-writable, no sticky bit: anyone could swap the script
    try {
      const r1 = new VipdRouter(lab, 'r1', {
        name: 'VI_1',
        vrid: 83,
        priority: 150,
        advertInt: ADVERT_S,
        version: 3,
        vips: [`${VIP}/24`],
        topLevel: `global_defs:\n  enable_script_security: true\nvrrp_script:\n  chk:\n    script: ${script}\n`,
        extra: ['track_script: [chk]'],
      }).start();
      expect(await r1.exited(10_000)).toBe(1);
      expect(r1.log).toContain('refused by enable_script_security');
      expect(r1.heldVips()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
