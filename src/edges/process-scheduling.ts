/** The process settings through the addon and Node (ProcessSchedulingPort). */
import { readdirSync, readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { ProcessSchedulingPort } from '../core/ports.js';
import { native } from './native.js';

export function createProcessScheduling(timerLate: (listener: (lateMs: number) => void) => () => void) {
  const port: ProcessSchedulingPort = {
    // Linux: setpriority(PRIO_PROCESS, 0) is the calling thread's, the event loop's.
    setNiceness: (niceness) => setPriority(0, niceness),
    setRealtime: (priority, rttimeUs) => native.setRealtime(priority, rttimeUs),
    raiseFileLimit: (required) => native.raiseFileLimit(required),
    lockMemory: (lock) => {
      if (!lock) return native.unlockMemory();
      // Code and read-only data of node, its libraries and the addon, and the stack: what a takeover must not
      // wait for the disk to read in. V8's heap cannot be locked (see the addon's lockRange).
      for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
        const m = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s+(\S*)/.exec(line);
        if (!m || !(m[4]?.startsWith('/') || m[4] === '[stack]')) continue;
        const start = BigInt(`0x${m[1]}`);
        native.lockRange(start, BigInt(`0x${m[2]}`) - start);
      }
    },
    setCpuAffinity: (cpus) => {
      // sched_setaffinity is per thread: every thread there is now (threads started later inherit it).
      for (const tid of readdirSync('/proc/self/task')) native.setThreadAffinity(Number(tid), cpus);
    },
    onRealtimeOverrun: (listener) => {
      process.on('SIGXCPU', listener);
      return () => process.off('SIGXCPU', listener);
    },
    onTimerLate: timerLate,
  };
  return port;
}
