/**
 * Every timer of the process on one underlying one-shot timer (the addon's timerfd): a min-heap of slots by
 * deadline. One wake-up runs every timer that is due, in deadline order (arming order among equal deadlines), then
 * the batch hooks (queued sends leave together), and arms the timerfd once for the next deadline. With N instances
 * whose adverts fall due together that is one epoll wake-up, one read and one timerfd_settime instead of N of each.
 *
 * During a wake-up (and a batch()), now() is the wake-up's time for everyone: timers fired together compute their
 * next deadlines from one instant, so instances whose adverts fell due together stay due together.
 *
 * Allocation-free while running: a slot is made once per timer and re-armed in place, the heap is an array of
 * slots that only grows with the number of timers.
 */

import { VipdError } from '../core/errors.js';
import type { TimerPort } from '../core/ports.js';
import type { Millis } from '../core/time.js';

/** The one-shot timer underneath: fires `onFire` once at `at` (a past deadline fires at once). */
export interface OneShotTimer {
  armAt(at: Millis): void;
  disarm(): void;
  close(): void;
}

interface Slot {
  at: Millis;
  /** Arming order, for a stable order among equal deadlines. */
  seq: number;
  /** Position in the heap, or -1 when not armed. */
  index: number;
  closed: boolean;
  onFire: () => void;
}

/** A wake-up runs at most this many fires per armed timer before yielding to the event loop (a timer re-armed in the past every time would otherwise never let go). */
const MAX_FIRES_PER_TIMER_PER_WAKE = 4;

export class TimerScheduler {
  private readonly heap: Slot[] = [];
  private readonly batchHooks: (() => void)[] = [];
  private readonly timer: OneShotTimer;
  private nextSeq = 0;
  /** The deadline the underlying timer is armed for (NaN: disarmed). */
  private armedAt = Number.NaN;
  private firing = false;
  /** The time of the running wake-up or batch (NaN outside one). */
  private batchNow = Number.NaN;
  private readonly lateListeners = new Set<(lateMs: Millis) => void>();

  constructor(
    createOneShot: (onFire: () => void) => OneShotTimer,
    private readonly clock: () => Millis,
    private readonly onError: (err: unknown) => void = (err) => {
      throw err;
    },
  ) {
    this.timer = createOneShot(() => this.wake());
  }

  /** Hears how late each wake-up ran after the deadline it was armed for (max_auto_priority). */
  onLate(listener: (lateMs: Millis) => void): () => void {
    this.lateListeners.add(listener);
    return () => this.lateListeners.delete(listener);
  }

  /** True while a wake-up or batch() runs: sends made now may wait for the batch's end. */
  get inBatch(): boolean {
    return this.firing;
  }

  /** The clock: the batch's time inside one, else the clock's own. */
  now(): Millis {
    return this.firing ? this.batchNow : this.clock();
  }

  /** Runs fn as one batch, as a wake-up runs its timers: one now(), the batch hooks at the end. */
  batch(fn: () => void): void {
    if (this.firing) {
      fn();
      return;
    }
    this.begin();
    try {
      fn();
    } finally {
      this.end();
    }
  }

  /** `hook` runs after the timers of each wake-up (and never inside one). */
  afterBatch(hook: () => void): () => void {
    this.batchHooks.push(hook);
    return () => {
      const i = this.batchHooks.indexOf(hook);
      if (i >= 0) this.batchHooks.splice(i, 1);
    };
  }

  createTimer(onFire: () => void): TimerPort {
    const slot: Slot = { at: 0, seq: 0, index: -1, closed: false, onFire };
    return {
      armAt: (at) => {
        if (slot.closed) throw new VipdError('VIPD_ERR_TIMER_CLOSED', 'timer closed');
        this.arm(slot, at);
      },
      disarm: () => this.remove(slot),
      close: () => {
        this.remove(slot);
        slot.closed = true;
      },
    };
  }

  /** Number of armed timers. */
  get size(): number {
    return this.heap.length;
  }

  close(): void {
    this.heap.length = 0;
    this.timer.close();
  }

  private arm(slot: Slot, at: Millis): void {
    slot.at = at;
    slot.seq = this.nextSeq++;
    if (slot.index < 0) {
      slot.index = this.heap.length;
      this.heap.push(slot);
      this.siftUp(slot.index);
    } else if (!this.siftUp(slot.index)) {
      this.siftDown(slot.index);
    }
    if (!this.firing) this.rearm();
  }

  private remove(slot: Slot): void {
    const i = slot.index;
    if (i < 0) return;
    slot.index = -1;
    const last = this.heap.pop() as Slot;
    if (i < this.heap.length) {
      this.heap[i] = last;
      last.index = i;
      if (!this.siftUp(i)) this.siftDown(i);
    }
    if (!this.firing) this.rearm();
  }

  private wake(): void {
    const deadline = this.armedAt;
    this.armedAt = Number.NaN;
    this.begin();
    const late = this.batchNow - deadline;
    if (late > 0) {
      for (const listener of this.lateListeners) {
        try {
          listener(late);
        } catch (err) {
          this.onError(err);
        }
      }
    }
    let budget = Math.max(1, this.heap.length) * MAX_FIRES_PER_TIMER_PER_WAKE;
    try {
      // Due is judged on the live clock (the timers fired so far took time); now() stays the wake-up's.
      let live = this.batchNow;
      while (this.heap.length > 0 && budget-- > 0) {
        const top = this.heap[0] as Slot;
        if (top.at > live) {
          live = this.clock();
          if (top.at > live) break;
        }
        this.remove(top);
        try {
          top.onFire();
        } catch (err) {
          this.onError(err);
        }
      }
    } finally {
      this.end();
    }
  }

  private begin(): void {
    this.firing = true;
    this.batchNow = this.clock();
  }

  private end(): void {
    this.firing = false;
    this.batchNow = Number.NaN;
    for (const hook of this.batchHooks) {
      try {
        hook();
      } catch (err) {
        this.onError(err);
      }
    }
    this.rearm();
  }

  /** The underlying timer follows the earliest deadline; it is only touched when that deadline changed. */
  private rearm(): void {
    const top = this.heap[0];
    if (!top) {
      if (!Number.isNaN(this.armedAt)) this.timer.disarm();
      this.armedAt = Number.NaN;
      return;
    }
    if (top.at === this.armedAt) return;
    this.armedAt = top.at;
    this.timer.armAt(top.at);
  }

  private before(a: Slot, b: Slot): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  /** Moves the slot at i up while it is before its parent; true when it moved. */
  private siftUp(i: number): boolean {
    const heap = this.heap;
    const slot = heap[i] as Slot;
    let moved = false;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex] as Slot;
      if (!this.before(slot, parent)) break;
      heap[i] = parent;
      parent.index = i;
      i = parentIndex;
      moved = true;
    }
    heap[i] = slot;
    slot.index = i;
    return moved;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const slot = heap[i] as Slot;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.before(heap[right] as Slot, heap[left] as Slot) ? right : left;
      const c = heap[child] as Slot;
      if (!this.before(c, slot)) break;
      heap[i] = c;
      c.index = i;
      i = child;
    }
    heap[i] = slot;
    slot.index = i;
  }
}
