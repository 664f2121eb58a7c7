/**
 * A backup's first takeover is the first time the daemon's side of it runs: the timer's wake-up, the state
 * machine's takeover, the runner's actions, the ledger, the send calls. Each first call compiles lazily and starts
 * with empty inline caches. Measured with timestamps in a throw-away build (kill -9 at advert_int 0.01), the first
 * takeover took 0.4-0.7 ms from the timer's wake-up to the advert's sendmsg, where a later advert takes under 0.1 ms.
 *
 * So, after start-up, a scratch runner rehearses what a failover does, on edges that do nothing: a clock and
 * timers it drives itself, a sender and an address port that send and change nothing, a silent log, a ledger of its
 * own. It runs the real runner's and machine's code with objects of the same shapes, so the real first takeover
 * finds it compiled and its caches warm. Nothing of it reaches the kernel, the wire, the logs, the metrics or the
 * daemon's state. The real send calls are warmed by InstanceRunner.warmSendPath.
 */
import type { InstanceConfig } from '../../core/config/model.js';
import type { Logger } from '../../core/log.js';
import { ManualTimers } from '../../core/manual-timers.js';
import type { AddressPort } from '../../core/ports.js';
import type { VrrpState } from '../../core/vrrp/types.js';
import { KernelLedger } from '../ledger.js';
import type { InstanceRuntime } from './advertiser.js';
import { InstanceRunner } from './instance.js';
import type { Sender } from './interface-binding.js';

const inertAddresses: AddressPort = {
  add: async () => 'added',
  remove: async () => 'removed',
  list: async () => [],
  close: () => undefined,
};

const inertSender: Sender = {
  sendAdvert: (_message, _dst, opts) => opts.done?.(undefined),
  sendFrame: () => undefined,
  sendAhDatagram: () => undefined,
};

/**
 * Rehearses on a copy of `config` reduced to what the runner does itself (no routes, rules, sync group or
 * trackers): takeover, advert, release, takeover after a priority-0 advert, a forced release, shutdown. Resolves
 * with the states the scratch runner went through.
 */
export async function rehearseTakeover(config: InstanceConfig, log: Logger): Promise<VrrpState[]> {
  const silent = log.child({}, { level: 'silent' });
  const time = new ManualTimers(0);
  const states: VrrpState[] = [];
  const scratch: InstanceConfig = {
    ...config,
    name: `${config.name} (rehearsal)`,
    state: 'BACKUP',
    priority: Math.min(config.priority, 254),
    virtualRoutes: [],
    virtualRules: [],
    syncGroup: undefined,
    garpExtraIf: undefined,
    trackInterfaces: [],
    trackScripts: [],
    trackFiles: [],
    trackChecks: [],
    trackProcesses: [],
    trackBfds: [],
  };
  const runtime: InstanceRuntime = {
    primaryAddress: config.family === 4 ? '192.0.2.1' : 'fe80::1',
    mac: Buffer.from([2, 0, 0, 0, 0, 1]),
    ipv6Router: false,
  };
  const runner = new InstanceRunner(
    scratch,
    runtime,
    [],
    inertSender,
    {
      clock: time.clock,
      ledger: new KernelLedger({ addresses: inertAddresses }, silent),
      createTimer: time.createTimer,
      runScript: async () => undefined,
      reportTransition: (t) => states.push(t.to),
    },
    silent,
  );
  // A master with a "higher" address than any real one, heard by the scratch runner.
  const peer = config.family === 4 ? '255.255.255.254' : 'fe80::ffff:ffff:ffff:fffe';
  const heard = (priority: number) =>
    runner.dispatch(
      { type: 'advert', priority, maxAdverIntervalMs: config.advertIntervalMs, src: peer },
      undefined,
      time.now,
    );
  try {
    runner.start(); // BACKUP, its down timer armed
    time.fireNext(); // the down timer: takeover
    time.fireNext(); // a routine advert (or the GARP timer, whichever is first)
    await runner.settled();
    heard(255); // a higher priority: release
    heard(0); // that master leaves: Skew_Time, then takeover
    time.fireNext();
    await runner.settled();
    runner.dispatch({ type: 'sync', to: 'BACKUP' }, undefined, time.now); // a sync group's forced release
    runner.dispatch({ type: 'shutdown' }, undefined, time.now);
    await runner.settled();
  } finally {
    runner.close();
  }
  return states;
}
