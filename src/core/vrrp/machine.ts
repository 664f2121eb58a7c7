/**
 * The VRRP state machine of one instance: RFC 9568 §6.4 (v3) / RFC 3768 §6.4 (v2), with FAULT and the
 * keepalived behaviours where keepalived differs (keepalived.md §4.4–4.5). Pure: each event and the
 * current monotonic time go in, the ordered actions for the daemon come out.
 */
import type { Millis } from '../time.js';
import { advertWins, rankAdvert } from './election.js';
import { GarpSchedule, garpBlock } from './garp-schedule.js';
import { PreemptDelay } from './preempt-delay.js';
import { TimerGenerations } from './timer-generations.js';
import { masterDownIntervalMs, OWNER_PRIORITY, skewTimeMs } from './timers.js';
import type {
  InstanceParams,
  InstanceSnapshot,
  TimerName,
  TransitionCause,
  VrrpAction,
  VrrpEvent,
  VrrpState,
} from './types.js';

type AdvertEvent = Extract<VrrpEvent, { type: 'advert' }>;

export class VrrpMachine {
  private currentParams: InstanceParams;
  private current: VrrpState = 'INIT';
  private effectivePriority: number;
  private masterAdverIntervalMs: Millis;
  private masterAddress: string | undefined;
  private readonly faults = new Set<string>();
  private readonly timers = new TimerGenerations();
  private readonly garp: GarpSchedule;
  private readonly preemptDelay: PreemptDelay;
  /** What set the running master-down timer: it names the cause of the takeover when it fires. */
  private downTimerCause: TransitionCause = 'master-down-timer';
  /** A sync-group member whose down timer ran out, waiting for its group. */
  private wantsMaster = false;

  constructor(params: InstanceParams) {
    validate(params);
    this.currentParams = params;
    this.effectivePriority = params.priority;
    this.masterAdverIntervalMs = params.advertIntervalMs;
    this.garp = new GarpSchedule(params.garp);
    this.preemptDelay = new PreemptDelay(params.preemptDelayMs);
  }

  get state(): VrrpState {
    return this.current;
  }

  get params(): InstanceParams {
    return this.currentParams;
  }

  /**
   * A reload changed settings in place (priority, advert interval, preemption, GARP...): the state, the timers
   * already armed and the master's address stay; the new values apply from the next event on. An owner's
   * priority (255) is set here; any other goes through the trackers' 'priority' event, which a master advertises
   * at once. Becoming or ceasing to be an owner is an identity change: the daemon restarts the instance instead.
   */
  reconfigure(params: InstanceParams): void {
    validate(params);
    const ownerBefore = this.isOwner;
    this.currentParams = { ...params, primaryAddress: this.currentParams.primaryAddress };
    if (this.isOwner !== ownerBefore || this.isOwner) this.effectivePriority = params.priority;
    this.garp.reconfigure(params.garp);
    this.preemptDelay.reconfigure(params.preemptDelayMs);
  }

  /**
   * The interface's address changed (re-created interface, address replaced): the tie-break between equal
   * priorities uses the new one from now on. Nothing else depends on it, so no action follows.
   */
  setPrimaryAddress(address: string): void {
    this.currentParams = { ...this.currentParams, primaryAddress: address };
  }

  handle(event: VrrpEvent, now: Millis): VrrpAction[] {
    switch (event.type) {
      case 'startup':
        return this.onStartup(now);
      case 'shutdown':
        return this.onShutdown();
      case 'advert':
        return this.onAdvert(event, now);
      case 'timer': {
        const due = this.timers.consume(event.timer, event.gen);
        return due === undefined ? [] : this.onTimer(event.timer, now, due);
      }
      case 'fault':
        return this.onFault(event.source, event.on, now);
      case 'priority':
        return this.onPriority(event.effective);
      case 'sync':
        return this.onSync(event.to, now);
    }
  }

  snapshot(): InstanceSnapshot {
    return {
      name: this.params.name,
      state: this.current,
      basePriority: this.params.priority,
      effectivePriority: this.effectivePriority,
      advertIntervalMs: this.params.advertIntervalMs,
      masterAdverIntervalMs: this.masterAdverIntervalMs,
      skewTimeMs: this.skewTime(),
      masterDownIntervalMs: this.masterDownInterval(),
      masterAddress: this.masterAddress,
      faults: [...this.faults].sort(),
      wantsMaster: this.wantsMaster,
    };
  }

  private get isOwner(): boolean {
    return this.params.priority === OWNER_PRIORITY;
  }

  /** RFC 9568 §6.1: the owner always preempts, whatever Preempt_Mode says. */
  private get preempts(): boolean {
    return this.params.preempt || this.isOwner;
  }

  private get ownerWantsMaster(): boolean {
    return startsAsMaster(this.params);
  }

  private onStartup(now: Millis): VrrpAction[] {
    if (this.current !== 'INIT') return [];
    this.preemptDelay.start(now);
    if (this.faults.size > 0) return this.enterFault('startup');
    if (this.ownerWantsMaster) return this.enterMaster(now, 'startup');
    return this.enterBackup(now, 'startup');
  }

  private onShutdown(): VrrpAction[] {
    switch (this.current) {
      case 'INIT':
        return [];
      case 'MASTER':
        return [...this.releaseMastership(true), ...this.moveTo('INIT', 'shutdown')];
      default:
        return [...this.timers.cancel('masterDown'), ...this.moveTo('INIT', 'shutdown')];
    }
  }

  private onAdvert(advert: AdvertEvent, now: Millis): VrrpAction[] {
    if (this.current === 'BACKUP') return this.backupHeard(advert, now);
    if (this.current === 'MASTER') return this.masterHeard(advert, now);
    return []; // INIT and FAULT do not take part in the election.
  }

  private backupHeard(advert: AdvertEvent, now: Millis): VrrpAction[] {
    if (advert.priority === 0) {
      // The master is releasing: take over after Skew_Time only, highest priority first.
      return [this.armMasterDown(now + this.skewTime(), 'priority-0-advert')];
    }
    const accept = !this.preempts || advert.priority >= this.effectivePriority || this.preemptDelay.holds(now);
    // A lower master we may preempt: discard, and let the running down timer expire (keepalived).
    if (!accept) return [];
    this.wantsMaster = false; // a master is heard: a sync-group member no longer wants to take over
    this.adoptMaster(advert);
    this.preemptDelay.observe(advert.priority, this.effectivePriority, now);
    return [this.armMasterDown(now + this.masterDownInterval(), 'master-down-timer')];
  }

  private masterHeard(advert: AdvertEvent, now: Millis): VrrpAction[] {
    if (advert.priority === 0) {
      // Another master released: assert ourselves at once so backups do not start an election.
      return [this.advert(this.effectivePriority), this.timers.set('adver', now + this.params.advertIntervalMs)];
    }
    const rank = rankAdvert(advert.priority, advert.src, this.effectivePriority, this.params.primaryAddress);
    if (rank === 'own-address') return [];
    if (!advertWins(rank)) {
      // RFC 9568 (and keepalived): re-advertise at once so the other router and the bridges relearn us.
      const readvertise = this.params.lowerPrioNoAdvert ? [] : [this.advert(this.effectivePriority)];
      return [
        ...readvertise,
        ...this.garp.lowerPriorityHeard(now),
        ...this.syncGarpTimer(),
        { type: 'master-rx-lower-pri', priority: this.effectivePriority, from: advert.src },
      ];
    }
    // keepalived higher_prio_send_advert: one last advert makes the winner re-send its GARPs.
    const lastAdvert = this.params.higherPrioSendAdvert ? [this.advert(this.effectivePriority)] : [];
    this.adoptMaster(advert);
    return [
      ...lastAdvert,
      ...this.releaseMastership(false),
      this.armMasterDown(now + this.masterDownInterval(), 'master-down-timer'),
      ...this.moveTo('BACKUP', rank === 'higher-priority' ? 'higher-priority-advert' : rank),
    ];
  }

  /** `due`: the deadline the timer was armed for (`now` is when it fired, a little later). */
  private onTimer(timer: TimerName, now: Millis, due: Millis): VrrpAction[] {
    if (timer === 'masterDown' && this.current === 'BACKUP') {
      if (!this.params.syncGroup) return this.enterMaster(now, this.downTimerCause);
      // keepalived: wait for the whole group, with the timer armed again in case it never says so.
      this.wantsMaster = true;
      return [this.armMasterDown(now + this.masterDownInterval(), this.downTimerCause), { type: 'want-master' }];
    }
    if (timer === 'adver' && this.current === 'MASTER') {
      return [this.advert(this.effectivePriority), this.timers.set('adver', this.nextAdvert(due, now))];
    }
    if (timer === 'garp' && this.current === 'MASTER') return [...this.garp.takeDue(now), ...this.syncGarpTimer()];
    return [];
  }

  private onFault(source: string, on: boolean, now: Millis): VrrpAction[] {
    if (on) this.faults.add(source);
    else this.faults.delete(source);
    // Before startup and after shutdown the sources are only recorded; startup looks at them.
    if (this.current === 'INIT') return [];
    const faulty = this.faults.size > 0;
    if (faulty && this.current !== 'FAULT') return this.enterFault('fault');
    if (!faulty && this.current === 'FAULT') return this.leaveFault(now);
    return [];
  }

  private onPriority(requested: number): VrrpAction[] {
    // The caller clamps already; clamping again keeps a stray 0 (release) or 255 (owner) off the wire.
    const effective = Math.min(OWNER_PRIORITY - 1, Math.max(1, requested));
    // An owner's priority never changes (keepalived); an unchanged value changes nothing.
    if (this.isOwner || effective === this.effectivePriority) return [];
    this.effectivePriority = effective;
    // A master advertises the change at once. A backup only records it: its running down timer keeps
    // its deadline (keepalived), so a backup that now outranks the master takes over when it expires,
    // having discarded the master's lower adverts meanwhile.
    return this.current === 'MASTER' ? [this.advert(effective)] : [];
  }

  /**
   * The sync group moves this member. To MASTER: a member that wanted it keeps its own cause. To BACKUP: a
   * master releases with a priority-0 advert (keepalived sends none), so the peer's member takes over after
   * Skew_Time rather than Master_Down_Interval.
   */
  private onSync(to: 'MASTER' | 'BACKUP', now: Millis): VrrpAction[] {
    if (to === 'MASTER' && this.current === 'BACKUP') {
      return this.enterMaster(now, this.wantsMaster ? this.downTimerCause : 'sync-group');
    }
    if (to === 'BACKUP' && this.current === 'MASTER') {
      return [
        ...this.releaseMastership(true),
        this.armMasterDown(now + this.masterDownInterval(), 'master-down-timer'),
        ...this.moveTo('BACKUP', 'sync-group'),
      ];
    }
    return [];
  }

  /** keepalived order: advert, VIPs, GARP block, then the timers; notify last. */
  private enterMaster(now: Millis, cause: TransitionCause): VrrpAction[] {
    this.masterAdverIntervalMs = this.params.advertIntervalMs; // a master reverts to its own interval
    this.masterAddress = undefined;
    this.garp.start(now);
    return [
      ...this.timers.cancel('masterDown'),
      this.advert(this.effectivePriority),
      { type: 'add-vips' },
      ...garpBlock('master', this.params.garp.masterRepeat),
      this.timers.set('adver', now + this.params.advertIntervalMs),
      ...this.syncGarpTimer(),
      ...this.moveTo('MASTER', cause),
    ];
  }

  private enterBackup(now: Millis, cause: TransitionCause): VrrpAction[] {
    this.masterAdverIntervalMs = this.params.advertIntervalMs;
    return [this.armMasterDown(now + this.masterDownInterval(), 'master-down-timer'), ...this.moveTo('BACKUP', cause)];
  }

  private enterFault(cause: TransitionCause): VrrpAction[] {
    const release = this.current === 'MASTER' ? this.releaseMastership(true) : this.timers.cancel('masterDown');
    return [...release, ...this.moveTo('FAULT', cause)];
  }

  private leaveFault(now: Millis): VrrpAction[] {
    if (this.ownerWantsMaster) return this.enterMaster(now, 'fault-cleared');
    this.preemptDelay.reset();
    return this.enterBackup(now, 'fault-cleared');
  }

  /** Stops acting as master: timers off, optionally a priority-0 advert, VIPs removed. */
  private releaseMastership(sendPriorityZero: boolean): VrrpAction[] {
    this.garp.clear();
    this.preemptDelay.reset(); // keepalived: a former master runs no preempt delay
    return [
      ...this.timers.cancel('adver'),
      ...this.timers.cancel('garp'),
      ...(sendPriorityZero ? [this.advert(0)] : []),
      { type: 'remove-vips' },
    ];
  }

  private moveTo(to: VrrpState, cause: TransitionCause): VrrpAction[] {
    const from = this.current;
    this.current = to;
    this.wantsMaster = false;
    if (to === 'INIT') this.masterAddress = undefined;
    return [
      { type: 'transition', from, to, cause },
      { type: 'notify', state: to === 'INIT' ? 'STOP' : to, priority: this.effectivePriority },
    ];
  }

  /** Remembers an accepted master; v3 adopts its interval (RFC 9568 §6.4.2), v2 keeps its own. */
  private adoptMaster(advert: AdvertEvent): void {
    if (this.params.version === 3) this.masterAdverIntervalMs = advert.maxAdverIntervalMs;
    this.masterAddress = advert.src;
  }

  /**
   * Adverts keep absolute deadlines: the next is one interval after the one just due, not after the (late) moment
   * it fired, so lateness never accumulates into drift. A master that fell a whole interval behind (a stalled
   * process) starts again from now rather than sending a burst to catch up.
   */
  private nextAdvert(due: Millis, now: Millis): Millis {
    const next = due + this.params.advertIntervalMs;
    return next > now ? next : now + this.params.advertIntervalMs;
  }

  private armMasterDown(at: Millis, cause: TransitionCause): VrrpAction {
    this.downTimerCause = cause;
    return this.timers.set('masterDown', at);
  }

  /** Arms the 'garp' timer for the schedule's earliest block, re-arming only when that changed. */
  private syncGarpTimer(): VrrpAction[] {
    const next = this.garp.next();
    if (next === this.timers.deadline('garp')) return [];
    return next === undefined ? this.timers.cancel('garp') : [this.timers.set('garp', next)];
  }

  private advert(priority: number): VrrpAction {
    return { type: 'send-advert', priority };
  }

  private skewTime(): Millis {
    return skewTimeMs(this.params.version, this.effectivePriority, this.masterAdverIntervalMs);
  }

  private masterDownInterval(): Millis {
    const { version, downTimerAdverts } = this.params;
    return masterDownIntervalMs(version, this.effectivePriority, this.masterAdverIntervalMs, downTimerAdverts);
  }
}

/** Only an owner (255) configured `state MASTER` skips BACKUP at start-up (keepalived; RFC: every owner). */
export function startsAsMaster(p: Pick<InstanceParams, 'priority' | 'initialState'>): boolean {
  return p.priority === OWNER_PRIORITY && p.initialState === 'MASTER';
}

/** Catches wiring mistakes early; the configuration layer reports user errors properly. */
function validate(p: InstanceParams): void {
  const fail = (what: string) => {
    throw new RangeError(`VRRP instance ${p.name}: ${what}`);
  };
  if (!Number.isInteger(p.priority) || p.priority < 1 || p.priority > OWNER_PRIORITY) fail('priority must be 1..255');
  if (!(p.advertIntervalMs > 0)) fail('advert interval must be positive');
  if (!Number.isInteger(p.downTimerAdverts) || p.downTimerAdverts < 1) fail('down_timer_adverts must be >= 1');
}
