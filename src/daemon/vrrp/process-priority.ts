/**
 * keepalived's VRRP process settings applied to vipd's process, and max_auto_priority's rule run on the timers'
 * lateness: the core's AutoPriority decides, the ProcessSchedulingPort does. A setting the kernel refuses is
 * logged and vipd carries on, as keepalived does ("cannot raise priority").
 */

import type { Logger } from '../../core/log.js';
import type { ProcessSchedulingPort } from '../../core/ports.js';
import { AutoPriority, type ProcessSettings } from '../../core/process/priority.js';

export class ProcessPriority {
  private readonly rule: AutoPriority;
  private settings: ProcessSettings;
  private readonly unsubscribe: (() => void)[] = [];
  private locked = false;
  /** The realtime priority the thread runs at, as last set (0: normal scheduling). */
  private appliedPriority = 0;

  constructor(
    settings: ProcessSettings,
    private readonly port: ProcessSchedulingPort,
    private readonly log: Logger,
  ) {
    this.settings = settings;
    this.rule = new AutoPriority(settings);
  }

  /** Applies the settings and starts following the timers' lateness. */
  start(): void {
    this.apply(this.settings, true);
    this.unsubscribe.push(
      this.port.onTimerLate((lateMs) => {
        const next = this.rule.late(lateMs);
        if (next === undefined) return;
        this.log.warn(
          { lateMs: Math.round(lateMs), realtimePriority: next },
          'a timer ran late: realtime priority raised',
        );
        this.setRealtime(next);
      }),
      this.port.onRealtimeOverrun(() => {
        this.rule.overran();
        this.log.warn(
          { rlimitRttimeUs: this.settings.rlimitRttimeUs },
          'vipd ran half of vrrp_rlimit_rttime under realtime scheduling without blocking: back to normal scheduling',
        );
        this.setRealtime(0);
      }),
    );
  }

  /** A reload: what changed is applied (a priority the late rule raised is kept, up to the new maximum). */
  reconfigure(next: ProcessSettings): void {
    const before = this.settings;
    this.settings = next;
    const priority = this.rule.reconfigure(next);
    this.apply(next, false, before, priority);
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  get realtimePriority(): number {
    return this.rule.realtimePriority;
  }

  private apply(s: ProcessSettings, first: boolean, before?: ProcessSettings, priority = this.rule.realtimePriority) {
    // keepalived 2.2.7 sets vrrp_priority only without vrrp_rt_priority (a realtime thread has no niceness).
    if (s.niceness !== undefined && s.realtimePriority === undefined && (first || s.niceness !== before?.niceness)) {
      this.attempt('vrrp_priority', () => this.port.setNiceness(s.niceness as number));
    }
    if (first ? priority > 0 : priority !== this.appliedPriority || s.rlimitRttimeUs !== before?.rlimitRttimeUs) {
      this.setRealtime(priority);
    }
    if (s.noSwap !== this.locked) {
      this.attempt('vrrp_no_swap', () => this.port.lockMemory(s.noSwap));
      this.locked = s.noSwap;
    }
    const cpus = s.cpuAffinity;
    if (cpus && (first || cpus.join(' ') !== before?.cpuAffinity?.join(' '))) {
      this.attempt('vrrp_cpu_affinity', () => this.port.setCpuAffinity(cpus));
    }
  }

  private setRealtime(priority: number): void {
    this.attempt('vrrp_rt_priority', () => {
      this.port.setRealtime(priority, this.settings.rlimitRttimeUs);
      this.appliedPriority = priority;
    });
  }

  private attempt(setting: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.warn({ err, setting }, `cannot apply ${setting}; vipd runs without it`);
    }
  }
}
