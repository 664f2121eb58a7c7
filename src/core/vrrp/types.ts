/**
 * Contract of the VRRP state machine (RFC 9568 §6.4, RFC 3768 §6.4, plus Fault as keepalived).
 * The machine is pure: it takes an event and the current monotonic time and returns the ordered
 * actions for the daemon to perform. It never reads a clock or touches I/O.
 */
import type { Family } from '../net.js';
import type { Millis } from '../time.js';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

export interface GarpParams {
  /** Delay before the second GARP/NA block after becoming master (keepalived 5 s; 0 = no second block). */
  masterDelayMs: Millis;
  /** GARPs per block at the transition to master (keepalived 5). */
  masterRepeat: number;
  /** Periodic refresh while master (0 = off, keepalived default). */
  masterRefreshMs: Millis;
  masterRefreshRepeat: number;
  /** Re-GARP when a master hears a lower-priority advert (keepalived: the master values). */
  lowerPrioDelayMs: Millis;
  lowerPrioRepeat: number;
}

export interface InstanceParams {
  name: string;
  vrid: number;
  version: 2 | 3;
  family: Family;
  /** Configured priority, 1..255 (255 = address owner). */
  priority: number;
  /** Configured Advertisement_Interval in ms (v3: multiple of 10; v2: multiple of 1000). */
  advertIntervalMs: Millis;
  /** keepalived `state MASTER|BACKUP`: only an owner (255) that wants MASTER takes over at once. */
  initialState: 'MASTER' | 'BACKUP';
  preempt: boolean;
  /** keepalived preempt_delay in ms (0 = none). */
  preemptDelayMs: Millis;
  /** Our primary address (advert source), used for the equal-priority tie-break. */
  primaryAddress: string;
  /** Adverts missed before the master is declared down (RFC: 3). */
  downTimerAdverts: number;
  /** Do not answer a lower-priority advert with an immediate advert (keepalived default false). */
  lowerPrioNoAdvert: boolean;
  /** Send one advert before yielding to a higher-priority master (keepalived default false). */
  higherPrioSendAdvert: boolean;
  garp: GarpParams;
  /**
   * A member of a vrrp_sync_group: when its master-down timer runs out it only wants MASTER ('want-master') and
   * waits for the group to say so ('sync' event), re-arming the timer meanwhile (keepalived).
   */
  syncGroup: boolean;
}

export type TimerName = 'adver' | 'masterDown' | 'garp';

export type VrrpEvent =
  | { type: 'startup' }
  /** vipd is stopping: a master sends priority 0 and releases the VIPs. */
  | { type: 'shutdown' }
  /** A received advert that passed every receive check of the codec. */
  | { type: 'advert'; priority: number; maxAdverIntervalMs: Millis; src: string }
  /** A timer set by an earlier set-timer action has fired; stale generations are ignored. */
  | { type: 'timer'; timer: TimerName; gen: number }
  /** A fault source (interface down, unweighted tracker) turned on or off; FAULT while any is on. */
  | { type: 'fault'; source: string; on: boolean }
  /** Tracker weights changed the effective priority (already clamped to 1..254 by the caller). */
  | { type: 'priority'; effective: number }
  /** The instance's sync group moves it (see sync-group.ts); ignored unless it is in BACKUP (to MASTER) or MASTER. */
  | { type: 'sync'; to: 'MASTER' | 'BACKUP' };

/** The `cause` of each `transition` action. */
export type TransitionCause =
  | 'startup'
  | 'master-down-timer'
  /** The master released (priority 0) and our down timer, cut to Skew_Time, ran out. */
  | 'priority-0-advert'
  | 'higher-priority-advert'
  | 'equal-priority-higher-address'
  | 'fault'
  | 'fault-cleared'
  /** Its sync group moved it with another member. */
  | 'sync-group'
  | 'shutdown';

export type NotifyState = 'MASTER' | 'BACKUP' | 'FAULT' | 'STOP';

export type VrrpAction =
  /** Send one advert now with this priority (0 when releasing mastership). */
  | { type: 'send-advert'; priority: number }
  | { type: 'add-vips' }
  | { type: 'remove-vips' }
  /** Send `repeat` gratuitous ARPs / unsolicited NAs for every VIP. */
  | { type: 'garp'; repeat: number; reason: 'master' | 'master-delayed' | 'refresh' | 'lower-prio' }
  | { type: 'notify'; state: NotifyState; priority: number }
  /**
   * As master, an advert of lower priority arrived (another router took over during a break): keepalived's
   * notify_master_rx_lower_pri and FIFO MASTER_RX_LOWER_PRI, so a cloud master can take its address back.
   */
  | { type: 'master-rx-lower-pri'; priority: number; from: string }
  | { type: 'set-timer'; timer: TimerName; at: Millis; gen: number }
  | { type: 'cancel-timer'; timer: TimerName }
  /** A sync-group member's master-down timer ran out: it becomes MASTER when its group says so. */
  | { type: 'want-master' }
  /** For logs and metrics: a state change and why it happened. */
  | { type: 'transition'; from: VrrpState; to: VrrpState; cause: TransitionCause };

/** A read-only view for status and metrics. */
export interface InstanceSnapshot {
  name: string;
  state: VrrpState;
  basePriority: number;
  effectivePriority: number;
  advertIntervalMs: Millis;
  masterAdverIntervalMs: Millis;
  skewTimeMs: Millis;
  masterDownIntervalMs: Millis;
  /** Source address of the last accepted advert from another router. */
  masterAddress: string | undefined;
  faults: string[];
  /** A sync-group member waiting for its group to go MASTER. */
  wantsMaster: boolean;
}
