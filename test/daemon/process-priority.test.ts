/**
 * keepalived's VRRP process settings: the core rule (AutoPriority) and the daemon's ProcessPriority on a fake
 * scheduling port: what is applied at start, on a late timer, on SIGXCPU and on a reload.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ProcessSchedulingPort } from '../../src/core/ports.js';
import { AutoPriority, DEFAULT_PROCESS_SETTINGS, type ProcessSettings } from '../../src/core/process/priority.js';
import { ProcessPriority } from '../../src/daemon/vrrp/process-priority.js';

const settings = (s: Partial<ProcessSettings>): ProcessSettings => ({ ...DEFAULT_PROCESS_SETTINGS, ...s });

describe('AutoPriority (max_auto_priority)', () => {
  it('is off by default and with -1', () => {
    expect(new AutoPriority(settings({})).late(5000)).toBeUndefined();
    expect(new AutoPriority(settings({ maxAutoPriority: -1 })).late(5000)).toBeUndefined();
  });

  it('acts only on a run later than min_auto_priority_delay, one step at a time, up to the maximum', () => {
    const rule = new AutoPriority(settings({ maxAutoPriority: 3, minAutoPriorityDelayMs: 1000 }));
    expect(rule.late(1000)).toBeUndefined();
    expect(rule.late(1000.5)).toBe(1);
    expect(rule.late(2000)).toBe(2);
    expect(rule.late(2000)).toBe(3);
    expect(rule.late(9000)).toBeUndefined();
    expect(rule.realtimePriority).toBe(3);
  });

  it('starts from vrrp_rt_priority; SIGXCPU goes back to normal scheduling', () => {
    const rule = new AutoPriority(settings({ realtimePriority: 5, maxAutoPriority: 7 }));
    expect(rule.late(1500)).toBe(6);
    rule.overran();
    expect(rule.realtimePriority).toBe(0);
    expect(rule.late(1500)).toBe(1);
  });

  it('a reload keeps a raised priority up to the new maximum, and never below vrrp_rt_priority', () => {
    const rule = new AutoPriority(settings({ maxAutoPriority: 9 }));
    for (let i = 0; i < 6; i++) rule.late(2000);
    expect(rule.reconfigure(settings({ maxAutoPriority: 4 }))).toBe(4);
    expect(rule.reconfigure(settings({ maxAutoPriority: 0, realtimePriority: 2 }))).toBe(2);
  });
});

function fakePort() {
  const calls: string[] = [];
  let late: ((ms: number) => void) | undefined;
  let overrun: (() => void) | undefined;
  const port: ProcessSchedulingPort = {
    setNiceness: (n) => calls.push(`nice ${n}`),
    setRealtime: (p, us) => {
      if (p === 99) throw Object.assign(new Error('sched_setscheduler EPERM'), { code: 'EPERM' });
      calls.push(`rt ${p} ${us}`);
    },
    lockMemory: (lock) => calls.push(lock ? 'lock' : 'unlock'),
    setCpuAffinity: (cpus) => calls.push(`cpus ${cpus.join(',')}`),
    raiseFileLimit: (n) => calls.push(`nofile ${n}`),
    onTimerLate: (l) => {
      late = l;
      return () => {
        late = undefined;
      };
    },
    onRealtimeOverrun: (l) => {
      overrun = l;
      return () => {
        overrun = undefined;
      };
    },
  };
  return { port, calls, late: (ms: number) => late?.(ms), overrun: () => overrun?.(), subscribed: () => !!late };
}

const log = pino({ level: 'silent' });

describe('ProcessPriority (daemon)', () => {
  it('applies the settings at start as keepalived: vrrp_priority only without vrrp_rt_priority', () => {
    const f = fakePort();
    new ProcessPriority(
      settings({ niceness: -5, realtimePriority: 20, rlimitRttimeUs: 50_000, noSwap: true, cpuAffinity: [0, 2] }),
      f.port,
      log,
    ).start();
    expect(f.calls).toEqual(['rt 20 50000', 'lock', 'cpus 0,2']);
    const g = fakePort();
    new ProcessPriority(settings({ niceness: -5 }), g.port, log).start();
    expect(g.calls).toEqual(['nice -5']);
  });

  it('raises the realtime priority on late timers, drops it on SIGXCPU, and stops listening at stop', () => {
    const f = fakePort();
    const p = new ProcessPriority(settings({ maxAutoPriority: 2, minAutoPriorityDelayMs: 100 }), f.port, log);
    p.start();
    f.late(50);
    f.late(150);
    f.late(150);
    f.late(150);
    expect(f.calls).toEqual(['rt 1 10000', 'rt 2 10000']);
    f.overrun();
    expect(f.calls.at(-1)).toBe('rt 0 10000');
    expect(p.realtimePriority).toBe(0);
    p.stop();
    expect(f.subscribed()).toBe(false);
  });

  it('a reload applies only what changed; a refused setting is logged and vipd carries on', () => {
    const f = fakePort();
    const p = new ProcessPriority(settings({ cpuAffinity: [1] }), f.port, log);
    p.start();
    p.reconfigure(settings({ cpuAffinity: [1], noSwap: true }));
    p.reconfigure(settings({ cpuAffinity: [1, 3], noSwap: false, realtimePriority: 99 }));
    expect(f.calls).toEqual(['cpus 1', 'lock', 'unlock', 'cpus 1,3']);
    expect(p.realtimePriority).toBe(99); // the rule's target; the kernel refused it (EPERM, logged)
  });
});
