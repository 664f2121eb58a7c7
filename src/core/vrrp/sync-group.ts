/**
 * keepalived's `vrrp_sync_group` rule (vrrp_sync.c): the members of a group change state together. Pure: the
 * daemon hands in what one member just did and how every member looks now, and gets back the events to force on
 * members (the daemon delivers them from its event queue, so forcing one member never re-enters another).
 *
 * - A member with a fault of its own puts every other member in FAULT (the group fault source), and they leave it
 *   together when no member has a fault of its own any more.
 * - A member that leaves MASTER for BACKUP takes every other MASTER member with it.
 * - A member whose master-down timer ran out only *wants* MASTER; the group goes MASTER when every member wants it
 *   (or already is): keepalived prefers BACKUP to a group split over two routers.
 * - A member that becomes MASTER on its own (an address owner) takes the others with it.
 */
import type { TransitionCause, VrrpEvent, VrrpState } from './types.js';

/** The fault source a member carries while another member of its group has a fault of its own. */
export const SYNC_GROUP_FAULT = 'sync-group';

/** One member as it is now. */
export interface SyncMember {
  name: string;
  state: VrrpState;
  /** Its master-down timer ran out and it waits for the rest of the group. */
  wantsMaster: boolean;
  /** Fault sources that are on, the group's own (SYNC_GROUP_FAULT) included. */
  faults: readonly string[];
}

/** What a member just did. */
export type SyncChange =
  | { type: 'transition'; member: string; from: VrrpState; to: VrrpState; cause: TransitionCause }
  | { type: 'wants-master'; member: string }
  /** One of its fault sources came on or went off (trackers, link, send errors...). */
  | { type: 'faults'; member: string };

export interface ForcedEvent {
  member: string;
  event: VrrpEvent;
}

/** The group's state as keepalived reports it (notify scripts, FIFO); STOP once every member stopped. */
export type SyncGroupState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

const ownFault = (m: SyncMember) => m.faults.some((f) => f !== SYNC_GROUP_FAULT);

/** The events the group forces on its members after `change`, in member order. */
export function syncGroupRule(members: readonly SyncMember[], change: SyncChange): ForcedEvent[] {
  const forced: ForcedEvent[] = [];
  // The group fault follows the members' own faults, whatever changed.
  for (const m of members) {
    const want = members.some((o) => o !== m && ownFault(o));
    if (want !== m.faults.includes(SYNC_GROUP_FAULT)) {
      forced.push({ member: m.name, event: { type: 'fault', source: SYNC_GROUP_FAULT, on: want } });
    }
  }
  const others = members.filter((m) => m.name !== change.member);
  const force = (to: 'MASTER' | 'BACKUP', who: readonly SyncMember[]) => {
    for (const m of who) forced.push({ member: m.name, event: { type: 'sync', to } });
  };
  switch (change.type) {
    case 'transition':
      if (change.cause === 'sync-group' || change.cause === 'shutdown') break;
      if (change.from === 'MASTER' && change.to === 'BACKUP') {
        force(
          'BACKUP',
          others.filter((m) => m.state === 'MASTER'),
        );
      } else if (change.to === 'MASTER') {
        force(
          'MASTER',
          others.filter((m) => m.state === 'BACKUP'),
        );
      }
      break;
    case 'wants-master':
      if (others.every((m) => m.state === 'MASTER' || (m.state === 'BACKUP' && m.wantsMaster))) {
        force(
          'MASTER',
          members.filter((m) => m.state === 'BACKUP'),
        );
      }
      break;
    case 'faults':
      break;
  }
  return forced;
}

/**
 * The group's state from its members': FAULT when one is in FAULT, MASTER when all are, STOP when all stopped,
 * BACKUP otherwise (undefined before any member started).
 */
export function syncGroupState(members: readonly Pick<SyncMember, 'state'>[]): SyncGroupState | undefined {
  if (members.every((m) => m.state === 'INIT')) return undefined;
  if (members.some((m) => m.state === 'FAULT')) return 'FAULT';
  if (members.every((m) => m.state === 'MASTER')) return 'MASTER';
  return 'BACKUP';
}
