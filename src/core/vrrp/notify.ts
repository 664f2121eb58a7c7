/**
 * keepalived's notify contract (keepalived.md §3f): which scripts run when an instance (or a sync group) enters
 * a state, and with which arguments. Pure; the script runner in src/edges/scripts.ts starts them.
 */
import type { NotifyScripts, ScriptUser } from '../config/model.js';
import type { NotifyState } from './types.js';

/** keepalived's generic `notify` arguments: `INSTANCE|GROUP <name> <STATE> <priority>` appended to the command. */
export function genericNotifyArgv(
  command: readonly string[],
  kind: 'INSTANCE' | 'GROUP',
  name: string,
  state: NotifyState | 'DELETED',
  priority: number,
): string[] {
  return [...command, kind, name, state, String(priority)];
}

/** One notify script to run, and the user keepalived's `notify_* CMD [USER [GROUP]]` runs it as (if any). */
export interface NotifyRun {
  argv: string[];
  user?: ScriptUser | undefined;
}

/**
 * The scripts to run for an instance (or, with kind GROUP, a sync group at priority 0) entering `state`, in
 * keepalived's order: the state's own script (notify_master / _backup / _fault / _stop, as written, no
 * arguments added), then the generic `notify`.
 */
export function notifyRuns(
  scripts: NotifyScripts,
  name: string,
  state: NotifyState | 'DELETED',
  priority: number,
  kind: 'INSTANCE' | 'GROUP' = 'INSTANCE',
): NotifyRun[] {
  const key = ({ MASTER: 'master', BACKUP: 'backup', FAULT: 'fault', STOP: 'stop', DELETED: undefined } as const)[
    state
  ];
  const specific = key ? scripts[key] : undefined;
  const runs: NotifyRun[] = [];
  if (specific) runs.push({ argv: [...specific], user: key ? scripts.users?.[key] : undefined });
  if (scripts.generic) {
    runs.push({
      argv: genericNotifyArgv(scripts.generic, kind, name, state, priority),
      user: scripts.users?.generic,
    });
  }
  return runs;
}

/** notifyRuns' command lines alone. */
export function notifyArgv(
  scripts: NotifyScripts,
  name: string,
  state: NotifyState | 'DELETED',
  priority: number,
  kind: 'INSTANCE' | 'GROUP' = 'INSTANCE',
): string[][] {
  return notifyRuns(scripts, name, state, priority, kind).map((r) => r.argv);
}
