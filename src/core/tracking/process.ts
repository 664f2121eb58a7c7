/**
 * keepalived's `vrrp_track_process` matching (keepalived.conf(5), track_process.c at v2.2.7), pure: which running
 * processes a tracker counts, and whether the count is within its quorum. A process is matched exactly, never by
 * pattern: by its name (/proc/PID/comm) when no parameters are given, else by its command line (argv[0] equal to
 * the process, then the parameters: all exactly, the first ones only with `partial`, or the last one as a prefix
 * with `initial`); `full_command` always compares the command line.
 */

export interface ProcessMatch {
  /** The process name, or with parameters or full_command the command (argv[0]). */
  process: string;
  /** Parameters to match, when any were given (or `param_match` was: then "no parameters" must match). */
  params: string[] | undefined;
  paramMatch: 'exact' | 'partial' | 'initial';
  fullCommand: boolean;
}

/** What vipd knows of a running process. */
export interface ProcessInfo {
  pid: number;
  /** /proc/PID/comm (at most 15 characters). */
  comm: string;
  /** /proc/PID/cmdline split at its NULs; empty for kernel threads and zombies. */
  argv: readonly string[];
}

/** Whether a tracker counts this process. */
export function matchesProcess(m: ProcessMatch, p: ProcessInfo): boolean {
  if (!m.fullCommand && m.params === undefined) return p.comm === m.process.slice(0, 15);
  const [command, ...args] = p.argv;
  if (command !== m.process) return false;
  const want = m.params ?? [];
  switch (m.paramMatch) {
    case 'exact':
      return args.length === want.length && want.every((w, i) => args[i] === w);
    case 'partial':
      return args.length >= want.length && want.every((w, i) => args[i] === w);
    case 'initial': {
      if (args.length !== want.length) return false;
      const last = want.length - 1;
      return want.every((w, i) => (i === last ? (args[i] ?? '').startsWith(w) : args[i] === w));
    }
  }
}

/** Whether `count` matching processes are within [quorum, quorumMax]. */
export function withinQuorum(count: number, quorum: number, quorumMax: number): boolean {
  return count >= quorum && count <= quorumMax;
}

/** What a process watch reports (see ports.ts ProcessEvents; repeated here to keep core free of the port). */
type ProcessEvent =
  | { kind: 'snapshot'; processes: readonly ProcessInfo[] }
  | { kind: 'running'; process: ProcessInfo }
  | { kind: 'ended'; pid: number };

/** The matching pids of each tracker, kept from process events. */
export class ProcessTable {
  private readonly pids = new Map<string, Set<number>>();

  constructor(private readonly trackers: readonly { name: string; match: ProcessMatch }[]) {
    for (const t of trackers) this.pids.set(t.name, new Set());
  }

  count(name: string): number {
    return this.pids.get(name)?.size ?? 0;
  }

  /** Applies one event; returns the trackers whose count changed. */
  apply(e: ProcessEvent): string[] {
    const changed: string[] = [];
    for (const t of this.trackers) {
      const set = this.pids.get(t.name) as Set<number>;
      const before = set.size;
      if (e.kind === 'snapshot') {
        set.clear();
        for (const p of e.processes) if (matchesProcess(t.match, p)) set.add(p.pid);
      } else if (e.kind === 'running') {
        if (matchesProcess(t.match, e.process)) set.add(e.process.pid);
        else set.delete(e.process.pid); // a process can change its name
      } else set.delete(e.pid);
      if (set.size !== before) changed.push(t.name);
    }
    return changed;
  }
}
