/**
 * One wire-fuzz run: vipd master of VRID 51 (advert_int 0.1) on r1, the fuzz sender on `gen`, a capture of r1's
 * adverts on `client`. Returns what the sender sent, what vipd counted (status: per instance and per interface),
 * what the kernel dropped at vipd's raw sockets (its receive buffer overflowed), vipd's transitions during the run
 * and the gaps between its adverts meanwhile. Shared by the integration test (short form) and scripts/fuzz-wire.ts.
 */
import path from 'node:path';
import { controlRequest } from '../../src/edges/control/client.js';
import { startCapture } from './capture.js';
import { type Lab, waitFor } from './netns.js';
import { readPcap } from './pcap.js';
import { repoRoot, VipdRouter } from './routers.js';
import { vrrpAdverts } from './wire.js';

export const FUZZ_VIP = '192.0.2.100';
const INTERVAL_MS = 100;

export interface SenderReport {
  sent: number;
  seconds: number;
  perSecond: number;
  retries: number;
  byCategory: Record<string, number>;
  byReason: Record<string, number>;
}

export interface WireFuzzResult {
  sender: SenderReport;
  counted: Record<string, number>;
  countedTotal: number;
  /** The kernel's drops at vipd's sockets during the run (/proc/net/raw's drops column, before and after). */
  socketDrops: number;
  /** vipd's own count of them since it started (status, reason socket_overflow) ... */
  vipdSocketOverflow: number;
  /** ... and the kernel's, for vipd's sockets since they were opened. */
  kernelSocketDrops: number;
  transitionsDuring: number;
  alive: boolean;
  advertGapsMs: number[];
}

/** Kernel drops of the raw protocol-112 sockets in a namespace (/proc/net/raw's last column). */
function rawSocketDrops(lab: Lab, host: string): number {
  const lines = lab.exec(host, 'cat', '/proc/net/raw').trim().split('\n').slice(1);
  return lines
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(':0070'))
    .reduce((sum, f) => sum + Number(f.at(-1)), 0);
}

function addCounts(into: Record<string, number>, from: Record<string, number> | undefined): void {
  for (const [k, v] of Object.entries(from ?? {})) into[k] = (into[k] ?? 0) + v;
}

export async function runWireFuzz(lab: Lab, count: number, seed: number): Promise<WireFuzzResult> {
  const r1 = new VipdRouter(lab, 'r1', {
    name: 'VI_1',
    vrid: 51,
    priority: 150,
    advertInt: INTERVAL_MS / 1000,
    version: 3,
    vips: [`${FUZZ_VIP}/24`],
  }).start({}, ['--log-level', 'info']);
  await waitFor(() => (r1.state() === 'MASTER' ? true : undefined), 15_000, 10, 'r1 MASTER');
  const cap = await startCapture(lab, 'client', 'eth0', `ip proto 112 and src host ${lab.host('r1').ipv4}`);
  const transitionsBefore = r1.transitions().length;
  const dropsBefore = rawSocketDrops(lab, 'r1');
  const ifindex = lab.exec('gen', 'cat', '/sys/class/net/eth0/ifindex').trim();
  const mac = lab.exec('gen', 'cat', '/sys/class/net/eth0/address').trim();
  const sender = lab.spawn(
    'gen',
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(repoRoot, 'test/helpers/fuzz-sender.ts'),
      ifindex,
      mac,
      lab.host('gen').ipv4,
      '51',
      FUZZ_VIP,
      String(INTERVAL_MS),
      String(seed),
      String(count),
    ],
    { cwd: repoRoot },
  );
  let out = '';
  let err = '';
  sender.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  sender.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => sender.on('exit', resolve));
  if (code !== 0) throw new Error(`fuzz sender failed (${code}): ${err}`);
  const report = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as SenderReport;
  // What is still queued at vipd's sockets is read within a few wake-ups.
  await new Promise((r) => setTimeout(r, 1000));
  const status = (await controlRequest(r1.controlSocket, { command: 'status' })) as {
    instances: { counters: { rx_dropped: Record<string, number> } }[];
    interfaces: { rx_dropped: Record<string, number> }[];
  };
  const counted: Record<string, number> = {};
  for (const i of status.instances) addCounts(counted, i.counters.rx_dropped);
  let vipdSocketOverflow = 0;
  for (const i of status.interfaces) {
    const { socket_overflow: overflow = 0, ...rest } = i.rx_dropped;
    vipdSocketOverflow += overflow;
    addCounts(counted, rest);
  }
  const socketDropsNow = rawSocketDrops(lab, 'r1');
  const socketDrops = socketDropsNow - dropsBefore;
  const transitionsDuring = r1.transitions().length - transitionsBefore;
  let alive = r1.pid !== undefined;
  try {
    process.kill(r1.pid as number, 0);
  } catch {
    alive = false;
  }
  const ts = vrrpAdverts(readPcap(await cap.stop())).map((a) => a.ts * 1000);
  return {
    sender: report,
    counted,
    countedTotal: Object.values(counted).reduce((a, b) => a + b, 0),
    socketDrops,
    vipdSocketOverflow,
    kernelSocketDrops: socketDropsNow,
    transitionsDuring,
    alive,
    advertGapsMs: ts.slice(1).map((t, i) => t - (ts[i] as number)),
  };
}
