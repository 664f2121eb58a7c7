/** A process's CPU time and resident memory from /proc, for the benchmarks. */
import { readFileSync } from 'node:fs';

const CLK_TCK = 100;

/** utime + stime in seconds. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident memory in MiB (VmRSS). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/**
 * Memory in MiB from /proc/PID/smaps_rollup: resident (Rss), proportional (Pss: shared pages divided among their
 * users, so a daemon using a big shared binary is not charged it whole) and anonymous (heap and stacks, its own).
 */
export function memoryMiB(pid: number): { rss: number; pss: number; anon: number } {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) / 1024;
  return { rss: kb('Rss'), pss: kb('Pss'), anon: kb('Anonymous') };
}
