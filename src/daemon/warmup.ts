/**
 * V8 compiles a function the first time it runs, and the first failover is the first time the takeover
 * paths of the state machine run: measured here, that cold start cost about a millisecond on the wire.
 * The machine is pure, so a scratch copy can rehearse a takeover and a release at start-up, with no
 * effect on anything, and the real failover then runs compiled code.
 */
import { VrrpMachine } from '../core/vrrp/machine.js';
import type { InstanceParams, VrrpAction } from '../core/vrrp/types.js';

export function rehearseFailover(params: InstanceParams): void {
  const machine = new VrrpMachine({ ...params, name: `${params.name} (rehearsal)`, syncGroup: false });
  const fire = (actions: VrrpAction[]) => {
    for (const a of actions) {
      if (a.type === 'set-timer' && a.timer === 'masterDown') {
        return machine.handle({ type: 'timer', timer: 'masterDown', gen: a.gen }, a.at);
      }
    }
    return [];
  };
  const startup = machine.handle({ type: 'startup' }, 0);
  fire(startup); // BACKUP -> MASTER on the down timer
  const ours = params.advertIntervalMs;
  machine.handle({ type: 'advert', priority: 0, maxAdverIntervalMs: ours, src: params.primaryAddress }, 1);
  // A higher priority from a "higher" address takes mastership away, then the down timer brings it back.
  const higher = params.family === 4 ? '255.255.255.254' : 'fe80::ffff:ffff:ffff:fffe';
  const release = machine.handle({ type: 'advert', priority: 255, maxAdverIntervalMs: ours, src: higher }, 2);
  machine.handle({ type: 'advert', priority: 1, maxAdverIntervalMs: ours, src: higher }, 3);
  fire(release);
  machine.handle({ type: 'sync', to: 'BACKUP' }, 4); // a sync group's forced release
  machine.handle({ type: 'shutdown' }, 5);
}
