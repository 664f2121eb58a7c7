/**
 * Soak run (not a test): two vipd on a LAN of namespaces, N instances each at advert_int 0.1 (VRRPv3), r1 the
 * master of all (priority 150), r2 the backup (100), each instance tracking a vrrp_script (every 1 s) and, for
 * one instance in ten, a TCP_CHECK against a listener on r1 (every 1 s): checks run the whole time. For M minutes:
 * transitions after the settling (any is spurious: nothing changes), RSS and open file descriptors of both
 * daemons every 10 s, the RSS slope (least squares over the second half, KiB per hour), the fd count's range.
 *
 *   npm run soak -- [minutes=60] [instances=100]
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { canRunNetns, Lab, waitFor } from '../test/helpers/netns.js';
import { rssMiB } from '../test/helpers/proc.js';
import { VipdRouter } from '../test/helpers/routers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function config(n: number, priority: number, dir: string, checkHost: string): string {
  const ok = path.join(dir, 'ok.sh');
  writeFileSync(ok, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  const lines = [
    'vrrp_script:',
    '  alive:',
    `    script: ${ok}`,
    '    interval: 1',
    '    weight: -20',
    'vrrp_check:',
    '  listener:',
    '    TCP_CHECK:',
    `      connect_ip: ${checkHost}`,
    '      connect_port: 7070',
    '      delay_loop: 1',
    'vrrp_instance:',
  ];
  for (let i = 1; i <= n; i++) {
    lines.push(`  VI_${i}:`, '    interface: eth0', `    virtual_router_id: ${i}`, `    priority: ${priority}`);
    lines.push(
      '    version: 3',
      '    advert_int: 0.1',
      `    virtual_ipaddress: ["10.${Math.floor(i / 250)}.${i % 250}.1/32"]`,
    );
    lines.push(i % 10 === 0 ? '    track_script: [alive]\n    track_check: [listener]' : '    track_script: [alive]');
  }
  return `${lines.join('\n')}\n`;
}

const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  if (!canRunNetns()) throw new Error('soak needs root');
  const minutes = Number(process.argv[2] ?? 60);
  const n = Number(process.argv[3] ?? 100);
  const lab = Lab.create('soak', ['r1', 'r2']);
  try {
    const listener = lab.spawn('r1', 'python3', [
      '-c',
      'import socket\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\ns.bind(("0.0.0.0",7070))\ns.listen(128)\nwhile True:\n  c,_=s.accept()\n  c.close()',
    ]);
    void listener;
    const make = (host: string, priority: number) => {
      const r = new VipdRouter(lab, host, { name: 'VI_1', vrid: 1, vips: [] });
      return new VipdRouter(lab, host, {
        name: 'VI_1',
        vrid: 1,
        vips: [],
        configText: config(n, priority, r.dir, lab.host('r1').ipv4),
      });
    };
    const r1 = make('r1', 150).start({}, ['--log-level', 'info']);
    const masters = () => r1.transitions().filter((t) => t.to === 'MASTER').length;
    await waitFor(() => (masters() >= n ? true : undefined), 60_000, 200, 'r1 master of all');
    const r2 = make('r2', 100).start({}, ['--log-level', 'info']);
    await waitFor(
      () => (r2.transitions().filter((t) => t.to === 'BACKUP').length >= n ? true : undefined),
      60_000,
      200,
      'r2 backup of all',
    );
    await sleep(5000);
    const settled = { r1: r1.transitions().length, r2: r2.transitions().length };
    const t0 = performance.now();
    const samples: { min: number; rss1: number; rss2: number; fd1: number; fd2: number }[] = [];
    while (performance.now() - t0 < minutes * 60_000) {
      const p1 = r1.pid as number;
      const p2 = r2.pid as number;
      samples.push({
        min: (performance.now() - t0) / 60_000,
        rss1: rssMiB(p1),
        rss2: rssMiB(p2),
        fd1: fds(p1),
        fd2: fds(p2),
      });
      const s = samples.at(-1);
      if (samples.length % 6 === 1) {
        console.log(
          `${s?.min.toFixed(1)} min: RSS ${s?.rss1.toFixed(1)} / ${s?.rss2.toFixed(1)} MiB, fds ${s?.fd1} / ${s?.fd2}, transitions since settling ${r1.transitions().length - settled.r1} / ${r2.transitions().length - settled.r2}`,
        );
      }
      await sleep(10_000);
    }
    const spurious = r1.transitions().length - settled.r1 + (r2.transitions().length - settled.r2);
    const half = samples.slice(Math.floor(samples.length / 2));
    const hours = half.map((s) => s.min / 60);
    const kibPerHour = (key: 'rss1' | 'rss2') =>
      slope(
        hours,
        half.map((s) => s[key] * 1024),
      );
    const range = (key: 'fd1' | 'fd2') =>
      `${Math.min(...samples.map((s) => s[key]))}..${Math.max(...samples.map((s) => s[key]))}`;
    console.log(`\nsoak: ${minutes} min, ${n} instances at 0.1 s on each of two vipd, checks running`);
    console.log('| figure | r1 (master) | r2 (backup) |');
    console.log('| --- | --- | --- |');
    console.log(
      `| spurious transitions | ${r1.transitions().length - settled.r1} | ${r2.transitions().length - settled.r2} |`,
    );
    console.log(
      `| RSS first / last (MiB) | ${samples[0]?.rss1.toFixed(1)} / ${samples.at(-1)?.rss1.toFixed(1)} | ${samples[0]?.rss2.toFixed(1)} / ${samples.at(-1)?.rss2.toFixed(1)} |`,
    );
    console.log(
      `| RSS slope, second half (KiB/h) | ${kibPerHour('rss1').toFixed(0)} | ${kibPerHour('rss2').toFixed(0)} |`,
    );
    console.log(`| open fds (min..max) | ${range('fd1')} | ${range('fd2')} |`);
    if (spurious > 0) process.exitCode = 1;
  } finally {
    lab.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
