/**
 * What a director needs when several announce the same service (issue 22): checked at start, each miss a warning
 * (the routers' ECMP still works; flows that move between directors are what suffers).
 * - net.ipv4.vs.sloppy_tcp = 1: a director that a flow moves to mid-way (a director withdrawn, the routers'
 *   hash changed) must take a packet that is not a SYN as the start of a connection, else it drops it;
 * - a scheduler that sends one flow to one real server on every director without shared state: mh (Maglev, the
 *   same table on every director: see ipvs/reconcile.ts) or sh; any other sends a moved flow anywhere.
 */
import type { VipdConfig } from '../config/model.js';
import { virtualServerId } from '../ipvs/virtual-server.js';

const CONSISTENT = new Set(['mh', 'sh']);

export function scaleOutAdvice(c: VipdConfig, sysctl: (key: string) => string | undefined): string[] {
  const tracked = new Set(c.announces.flatMap((a) => a.trackVirtualServers));
  if (tracked.size === 0) return [];
  const out: string[] = [];
  const sloppy = sysctl('net/ipv4/vs/sloppy_tcp')?.trim();
  if (sloppy !== undefined && sloppy !== '1') {
    out.push(
      `net.ipv4.vs.sloppy_tcp is ${sloppy}: a connection the routers move to this director mid-way is dropped; ` +
        'set it to 1 on every director that announces a virtual server',
    );
  }
  for (const vs of c.virtualServers) {
    if (!tracked.has(virtualServerId(vs)) || CONSISTENT.has(vs.scheduler)) continue;
    out.push(
      `virtual_server ${vs.name} is announced with lb_algo ${vs.scheduler}: a flow the routers move to another ` +
        'director may reach another real server there; lb_algo mh keeps it on the same one',
    );
  }
  return out;
}
