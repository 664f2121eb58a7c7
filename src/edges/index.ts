/** The real edges, gathered for the daemon: the native addon, rtnetlink and the script runner. */
import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';
import type { Logger } from '../core/log.js';
import type { DaemonEdges } from '../core/ports.js';
import { openFrameSocket } from './frame-socket.js';
import { createTimer, monotonicNow } from './hr-timer.js';
import { createAddressPort, createLinkWatcher, createRoutingPort, createVmacPort } from './netlink/index.js';
import { lazyIpvs } from './netlink/ipvs.js';
import { watchRoutingDeletions } from './netlink/routing-events.js';
import { nftables, nftablesGroupMarks } from './nftables.js';
import { openNotifyFifo } from './notify-fifo.js';
import { createProcessScheduling } from './process-scheduling.js';
import { runScript } from './scripts.js';
import { procSysctl } from './sysctl.js';
import { TimerScheduler } from './timer-scheduler.js';
import { createTrackerEdges } from './tracker-edges.js';
import { openVrrpSocket } from './vrrp-socket.js';

export async function createRealEdges(log: Logger): Promise<DaemonEdges> {
  // One timerfd for every timer of the daemon: timers due together are one wake-up, and see one time.
  const timers = new TimerScheduler(createTimer, monotonicNow);
  const clock = { now: () => timers.now() };
  return {
    clock,
    addresses: createAddressPort(),
    ipvs: lazyIpvs(),
    routing: createRoutingPort(),
    vmacs: createVmacPort(),
    sysctl: procSysctl,
    firewall: nftables,
    groupMarks: nftablesGroupMarks,
    scheduling: createProcessScheduling((listener) => timers.onLate(listener)),
    watchRoutingDeletions: (listener) =>
      watchRoutingDeletions(listener, (err) => log.error({ err }, 'route watcher error')),
    // Notification overflow is handled inside (a resync); anything else is worth a line.
    links: await createLinkWatcher({ onError: (err) => log.error({ err }, 'link watcher error') }),
    openVrrpSocket: (opts) =>
      openVrrpSocket(
        { ...opts, onError: (err) => log.warn({ err, interface: opts.ifname }, 'VRRP socket receive error') },
        clock.now,
        timers,
      ),
    openFrameSocket,
    createTimer: (onFire) => timers.createTimer(onFire),
    batch: (fn) => timers.batch(fn),
    trackers: createTrackerEdges(log),
    ipv6Forwarding,
    uptimeSeconds: () => uptime(),
    openNotifyFifo,
    runScript: (argv, { timeoutMs, log, uid, gid }) =>
      new Promise<void>((resolve) => {
        runScript(argv, {
          timeoutMs,
          logger: log,
          uid,
          gid,
          onExit: (r) => {
            log.info({ argv, ...r }, 'notify script finished');
            resolve();
          },
        });
      }),
  };
}

function ipv6Forwarding(ifname: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${ifname}/forwarding`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}
