/**
 * Sends given Ethernet frames from a lab host, as its own process in that namespace (`node --import tsx`): each
 * frame in turn, the whole list `rounds` times, `intervalMs` apart. For tests that need a peer saying exactly
 * this on the wire (a forged advert, a wrong TTL, an unlisted unicast source).
 *
 *   frame-sender.ts <ifindex> <intervalMs> <rounds> <hex frame>...
 */
import { openFrameSocket } from '../../src/edges/frame-socket.js';

const [ifindex, intervalMs, rounds, ...hex] = process.argv.slice(2);
const frames = hex.map((h) => Buffer.from(h, 'hex'));
const socket = openFrameSocket(Number(ifindex));
let round = 0;
const tick = () => {
  for (const f of frames) socket.send(f);
  if (++round >= Number(rounds)) {
    socket.close();
    return;
  }
  setTimeout(tick, Number(intervalMs));
};
tick();
