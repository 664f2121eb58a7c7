/**
 * The check thread's timers: each due time rounded up to a 10 ms slot on the event loop's own clock, and one Node
 * timer for the earliest slot. A thousand checks a second then wake the thread at most a hundred times a second
 * for their timers, and arming one reads no clock: Node's setTimeout reads it every time, and in the user-mode Linux
 * lab that read is a system call. delay_loop, delay_before_retry and warmup are whole seconds in keepalived; a run
 * up to 10 ms late changes nothing (connect_timeout is the probe engine's own timer, not one of these).
 */
import type { SchedulerTimers } from './scheduler.js';

export const SLOT_MS = 10;

interface Entry {
  fn: () => void;
  slot: number;
  cancelled: boolean;
}

/** `now`: the loop's time in ms; `base`: the timers one wake-up per slot is armed on. */
export function coalescedTimers(now: () => number, base: SchedulerTimers, slotMs = SLOT_MS): SchedulerTimers {
  const slots = new Map<number, Entry[]>();
  /** The slots' due times, a binary min-heap (a slot appears once). */
  const heap: number[] = [];
  let armed: { slot: number; handle: unknown } | undefined;

  const push = (slot: number) => {
    heap.push(slot);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as number) <= slot) break;
      heap[i] = heap[parent] as number;
      heap[parent] = slot;
      i = parent;
    }
  };
  const pop = (): number => {
    const top = heap[0] as number;
    const last = heap.pop() as number;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && (heap[l] as number) < (heap[m] as number)) m = l;
        if (r < heap.length && (heap[r] as number) < (heap[m] as number)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as number, heap[i] as number];
        i = m;
      }
    }
    return top;
  };

  const arm = () => {
    const next = heap[0];
    if (next === undefined || armed?.slot === next) return;
    if (armed) base.clearTimeout(armed.handle);
    armed = { slot: next, handle: base.setTimeout(fire, Math.max(0, next - now())) };
  };

  function fire(): void {
    armed = undefined;
    const t = now();
    while (heap.length > 0 && (heap[0] as number) <= t) {
      const slot = pop();
      const due = slots.get(slot) ?? [];
      slots.delete(slot);
      for (const e of due) {
        if (e.cancelled) continue;
        e.cancelled = true;
        try {
          e.fn();
        } catch (err) {
          // As a throw from a Node timer would: it surfaces, and the other timers of the slot still run.
          process.nextTick(() => {
            throw err;
          });
        }
      }
    }
    arm();
  }

  return {
    setTimeout(fn, ms) {
      const slot = Math.ceil((now() + Math.max(0, ms)) / slotMs) * slotMs;
      const entry: Entry = { fn, slot, cancelled: false };
      const due = slots.get(slot);
      if (due) due.push(entry);
      else {
        slots.set(slot, [entry]);
        push(slot);
      }
      arm();
      return entry;
    },
    clearTimeout(handle) {
      // The slot keeps its place; firing skips a cancelled entry (and an emptied slot costs one wake-up at most).
      (handle as Entry).cancelled = true;
    },
  };
}
