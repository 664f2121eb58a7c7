/**
 * The wire fuzzer's sender, run as its own process in the generator's namespace (`node --import tsx`):
 * sends N frames of WireFuzzer(seed) through an AF_PACKET socket as fast as the socket takes them, then prints
 * one JSON line: frames sent, by category and by the drop reason each must be counted under.
 *
 *   fuzz-sender.ts <ifindex> <mac> <src> <vrid> <vip> <advertIntervalMs> <seed> <count>
 */
import { openFrameSocket } from '../../src/edges/frame-socket.js';
import { WireFuzzer } from './wire-fuzz.js';

const [ifindex, mac, src, vrid, vip, intervalMs, seed, count] = process.argv.slice(2);
const fuzzer = new WireFuzzer(
  {
    vrid: Number(vrid),
    vip: vip as string,
    advertIntervalMs: Number(intervalMs),
    src: src as string,
    mac: Buffer.from((mac as string).split(':').map((h) => Number.parseInt(h, 16))),
  },
  Number(seed),
);
const socket = openFrameSocket(Number(ifindex));
const byCategory: Record<string, number> = {};
const byReason: Record<string, number> = {};
let sent = 0;
let retries = 0;
const started = performance.now();
for (let i = 0; i < Number(count); i++) {
  const f = fuzzer.next();
  // A full transmit queue (ENOBUFS / EAGAIN) is waited out, a bounded number of times.
  for (let attempt = 0; ; attempt++) {
    try {
      socket.send(f.frame);
      break;
    } catch (err) {
      if (attempt >= 1000) throw err;
      retries++;
      const until = performance.now() + 0.05;
      while (performance.now() < until) {
        // spin: 50 µs
      }
    }
  }
  sent++;
  byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
  byReason[f.expected] = (byReason[f.expected] ?? 0) + 1;
}
socket.close();
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ sent, seconds, perSecond: Math.round(sent / seconds), retries, byCategory, byReason }));
