/**
 * keepalived's process settings for the VRRP side (global_defs vrrp_priority, vrrp_rt_priority,
 * vrrp_rlimit_rttime, vrrp_no_swap, vrrp_cpu_affinity, max_auto_priority, min_auto_priority_delay) and the rule
 * that raises the realtime priority when the event loop runs late, pure: lateness in, the scheduling to switch to
 * out. The daemon applies it through ProcessSchedulingPort.
 *
 * keepalived (lib/process.c, lib/scheduler.c at 9cbce3e2): when a timer runs more than min_auto_priority_delay
 * after its deadline, it switches to SCHED_RR at the lowest realtime priority, then one higher at each further
 * delay, up to max_auto_priority; under realtime scheduling RLIMIT_RTTIME is set (soft half, hard the whole).
 */
import type { Millis } from '../time.js';

export interface ProcessSettings {
  /** `vrrp_priority`: the niceness of the VRRP thread, -20..19, without vrrp_rt_priority (as keepalived). */
  niceness?: number | undefined;
  /** `vrrp_rt_priority`: SCHED_RR at this priority (1..99) from the start. */
  realtimePriority?: number | undefined;
  /** `vrrp_rlimit_rttime`: µs of CPU without a blocking call under realtime scheduling (10000). */
  rlimitRttimeUs: number;
  /**
   * `vrrp_no_swap`: keepalived locks all its memory (mlockall). vipd locks its code, libraries and stack as they
   * are touched: V8 returns heap pages to the kernel with madvise, which locked pages refuse (V8 aborts then).
   */
  noSwap: boolean;
  /** `vrrp_cpu_affinity`: the CPUs every thread of the process may run on. */
  cpuAffinity?: number[] | undefined;
  /** `max_auto_priority`: 0 (and -1) off; else the highest realtime priority the late rule may reach. */
  maxAutoPriority: number;
  /** `min_auto_priority_delay`: how late a timer must run for the rule to act (1 s). */
  minAutoPriorityDelayMs: Millis;
}

export const DEFAULT_PROCESS_SETTINGS: ProcessSettings = {
  rlimitRttimeUs: 10_000,
  noSwap: false,
  maxAutoPriority: 0,
  minAutoPriorityDelayMs: 1000,
};

/** The lowest and highest SCHED_RR priorities on Linux (sched_get_priority_min/max). */
export const REALTIME_MIN = 1;
export const REALTIME_MAX = 99;

/** The realtime priority the process runs at (0: normal scheduling), and the rule that raises it. */
export class AutoPriority {
  private current: number;

  constructor(private settings: ProcessSettings) {
    this.current = settings.realtimePriority ?? 0;
  }

  get realtimePriority(): number {
    return this.current;
  }

  /** New settings (a reload): the priority they start at, kept if the rule had already raised it further. */
  reconfigure(settings: ProcessSettings): number {
    this.settings = settings;
    const cap = settings.maxAutoPriority > 0 ? settings.maxAutoPriority : 0;
    const start = settings.realtimePriority ?? 0;
    this.current = Math.max(start, Math.min(this.current, cap));
    return this.current;
  }

  /** A timer ran `lateMs` after its deadline: the realtime priority to switch to now, or undefined. */
  late(lateMs: Millis): number | undefined {
    const max = this.settings.maxAutoPriority;
    if (max <= 0 || lateMs <= this.settings.minAutoPriorityDelayMs) return undefined;
    if (this.current >= max) return undefined;
    this.current = this.current === 0 ? REALTIME_MIN : this.current + 1;
    return this.current;
  }

  /** The kernel signalled realtime CPU use beyond the soft limit (SIGXCPU): back to normal scheduling. */
  overran(): void {
    this.current = 0;
  }
}
