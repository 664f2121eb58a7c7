/**
 * Per-instance statistics, named after keepalived's JSON stats (advert_rcvd, become_master, ...)
 * so status and metrics can offer both vocabularies. Drop reasons are the codec's closed list.
 */
import type { AcceptNote, DropReason } from '../../core/codec/advert.js';

/** The drops RFC 6527 counts as protocol errors. */
const PROTOCOL_ERRORS: ReadonlySet<DropReason> = new Set(['ip_ttl', 'version', 'checksum', 'vrid']);

/** Seconds the recent maximum covers. */
const RECENT_SECONDS = 10;

/**
 * Timer lateness in ms: how long after its deadline a timer callback ran (event-loop health). Besides the figures
 * since start, the largest over the last RECENT_SECONDS (one slot per second, reused: no allocation per record),
 * so that a recent delay (a reload, a burst of checks) is visible beside a start-up one.
 */
export class LatenessStats {
  count = 0;
  maxMs = 0;
  sumMs = 0;
  private readonly recentMax = new Float64Array(RECENT_SECONDS);
  private readonly recentSecond = new Float64Array(RECENT_SECONDS).fill(-1);

  record(ms: number, nowMs = 0): void {
    this.count++;
    this.sumMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
    const second = Math.floor(nowMs / 1000);
    const slot = second % RECENT_SECONDS;
    if (this.recentSecond[slot] !== second) {
      this.recentSecond[slot] = second;
      this.recentMax[slot] = 0;
    }
    if (ms > (this.recentMax[slot] ?? 0)) this.recentMax[slot] = ms;
  }

  /** The largest lateness recorded in the last RECENT_SECONDS before `nowMs`. */
  recentMaxMs(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    let max = 0;
    for (let i = 0; i < RECENT_SECONDS; i++) {
      const s = this.recentSecond[i] ?? -1;
      if (s > second - RECENT_SECONDS && s <= second) max = Math.max(max, this.recentMax[i] ?? 0);
    }
    return max;
  }

  toJSON(): Record<string, number> {
    return { count: this.count, max_ms: this.maxMs, mean_ms: this.count ? this.sumMs / this.count : 0 };
  }
}

export class InstanceCounters {
  advertRcvd = 0;
  advertSent = 0;
  transitions = 0;
  becomeMaster = 0;
  releaseMaster = 0;
  priZeroRcvd = 0;
  priZeroSent = 0;
  garpSent = 0;
  sendErrors = 0;
  readonly timerLateness = new LatenessStats();
  readonly drops = new Map<DropReason, number>();
  readonly notes = new Map<AcceptNote, number>();

  /** The last protocol error (TTL, version, checksum, VRID): RFC 6527's ProtoErrReason. */
  lastProtocolError: DropReason | undefined;

  drop(reason: DropReason): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
    if (PROTOCOL_ERRORS.has(reason)) this.lastProtocolError = reason;
  }

  note(note: AcceptNote): void {
    this.notes.set(note, (this.notes.get(note) ?? 0) + 1);
  }

  toJSON(): Record<string, unknown> {
    return {
      advert_rcvd: this.advertRcvd,
      advert_sent: this.advertSent,
      transitions: this.transitions,
      become_master: this.becomeMaster,
      release_master: this.releaseMaster,
      pri_zero_rcvd: this.priZeroRcvd,
      pri_zero_sent: this.priZeroSent,
      garp_sent: this.garpSent,
      send_errors: this.sendErrors,
      timer_lateness: this.timerLateness.toJSON(),
      rx_dropped: Object.fromEntries(this.drops),
      rx_accepted_with_note: Object.fromEntries(this.notes),
    };
  }
}
