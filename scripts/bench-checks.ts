/**
 * Health-check benchmark (not a test): one vipd in a namespace runs N HTTP_GET vrrp_checks at delay_loop 1 s
 * against a local HTTP server, while a VRRP instance of the same process advertises every 10 ms.
 * For N = 0 (the baseline: this machine's own scheduling noise), 100, 1000, 5000 it prints checks per second answered by the server, vipd's CPU (share of one core,
 * from /proc) and resident memory, and how late the 10 ms adverts were (from a capture: inter-advert gap − 10 ms).
 * Below each N, the floor: scripts/bench/probe-floor.c (compiled here with cc) making the same N requests a second
 * from one C thread on epoll, without parsing: the kernel's share of a probe over loopback (it charges the server
 * side's processing to the client too), which any checker pays, keepalived's included.
 *
 *   npm run bench:checks -- [N,N,...] [seconds=10]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCapture } from '../test/helpers/capture.js';
import { canRunNetns, Lab, waitFor } from '../test/helpers/netns.js';
import { readPcap } from '../test/helpers/pcap.js';
import { cpuSeconds, rssMiB } from '../test/helpers/proc.js';
import { VipdRouter } from '../test/helpers/routers.js';
import { vrrpAdverts } from '../test/helpers/wire.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const COUNTING_SERVER = `
let n = 0;
require('node:http').createServer((q, s) => { n++; s.end('ok'); }).listen(8080, '127.0.0.1', () => console.log('listening'));
setInterval(() => console.log('count ' + n), 1000);
`;

function checkBlocks(n: number): string {
  const lines = ['vrrp_check:'];
  for (let i = 0; i < n; i++) {
    lines.push(`  c${i}:`);
    lines.push(
      `    HTTP_GET: { connect_ip: 127.0.0.1, connect_port: 8080, url: [{ path: /h${i}, status_code: 200 }] }`,
    );
    lines.push('    delay_loop: 1');
    lines.push('    weight: -1');
  }
  return `${lines.join('\n')}\n`;
}

/** The C floor's binary, compiled once; undefined (and said) when there is no compiler. */
function compileFloor(): string | undefined {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'vipd-floor-')), 'probe-floor');
  const source = fileURLToPath(new URL('./bench/probe-floor.c', import.meta.url));
  const cc = spawnSync('cc', ['-O2', '-o', out, source], { encoding: 'utf8' });
  if (cc.status === 0) return out;
  console.error(`no C floor: cc failed (${cc.error?.message ?? cc.stderr})`);
  return undefined;
}

async function run(n: number, seconds: number, floor: string | undefined): Promise<string> {
  const lab = Lab.create('bchk', ['r1', 'client']);
  try {
    const server = lab.spawn('r1', process.execPath, ['-e', COUNTING_SERVER]);
    let counts: number[] = [];
    server.stdout?.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/count (\d+)/g)) counts.push(Number(m[1]));
    });
    await waitFor(() => (counts.length > 0 ? true : undefined), 5000, 20, 'server');
    const names = Array.from({ length: n }, (_, i) => `c${i}`).join(', ');
    const r1 = new VipdRouter(lab, 'r1', {
      name: 'VI_1',
      vrid: 51,
      priority: 150,
      advertInt: 0.01,
      version: 3,
      vips: ['192.0.2.100/24'],
      topLevel: n > 0 ? checkBlocks(n) : '',
      extra: n > 0 ? [`track_check: [${names}]`] : [],
    }).start();
    await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 30_000, 20, 'vipd master');
    await sleep(2000); // warm-up spreads the checks over the first delay_loop
    const cap = await startCapture(lab, 'client', 'eth0', 'ip proto 112');
    counts = [];
    const cpu0 = cpuSeconds(r1.pid as number);
    const t0 = Date.now();
    await sleep(seconds * 1000);
    const cpu1 = cpuSeconds(r1.pid as number);
    const rss = rssMiB(r1.pid as number);
    const wall = (Date.now() - t0) / 1000;
    const adverts = vrrpAdverts(readPcap(await cap.stop()));
    let worstLate = 0;
    const lates: number[] = [];
    for (let i = 1; i < adverts.length; i++) {
      const late = ((adverts[i] as { ts: number }).ts - (adverts[i - 1] as { ts: number }).ts) * 1000 - 10;
      lates.push(late);
      worstLate = Math.max(worstLate, late);
    }
    lates.sort((a, b) => a - b);
    const p99 = lates[Math.floor(lates.length * 0.99)] ?? Number.NaN;
    const rate = counts.length > 1 ? ((counts.at(-1) as number) - (counts[0] as number)) / (counts.length - 1) : 0;
    const line = `N=${String(n).padEnd(5)} checks/s ${rate.toFixed(0).padStart(5)}  CPU ${((100 * (cpu1 - cpu0)) / wall).toFixed(1).padStart(5)} % of one core  RSS ${rss.toFixed(0).padStart(4)} MiB  adverts ${adverts.length}  late p99 ${p99.toFixed(3)} ms  max ${worstLate.toFixed(3)} ms`;
    if (!floor || n === 0) return line;
    r1.signal('SIGTERM');
    await sleep(1000);
    const ns = lab.host('r1').ns;
    const c = spawnSync('ip', ['netns', 'exec', ns, floor, String(n), String(seconds), '8080'], { encoding: 'utf8' })
      .stdout.trim()
      .split(' ');
    return `${line}\n  floor   checks/s ${(c[0] ?? '?').padStart(5)}  CPU ${(c[1] ?? '?').padStart(5)} % of one core  (C, epoll, one thread, no parsing)`;
  } finally {
    lab.destroy();
  }
}

async function main(): Promise<void> {
  if (!canRunNetns()) {
    console.error('bench-checks needs root and iproute2');
    process.exitCode = 1;
    return;
  }
  const ns = (process.argv[2] ?? '0,100,1000,5000').split(',').map(Number);
  const seconds = Number(process.argv[3] ?? 10);
  console.log(`bench-checks: HTTP_GET at delay_loop 1 s, ${seconds} s per N, VRRP adverts every 10 ms alongside`);
  const floor = compileFloor();
  for (const n of ns) console.log(await run(n, seconds, floor));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
