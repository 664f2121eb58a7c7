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
  state: NotifyEvent,
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
 * What an instance leaving because a reload removed it notifies: DELETED with notify_deleted, else FAULT
 * (keepalived's default, kept for the scripts written for it).
 */
export function deletedState(scripts: NotifyScripts): 'DELETED' | 'FAULT' {
  return scripts.deleted ? 'DELETED' : 'FAULT';
}

/** What notifies are about: a state entered, or keepalived's MASTER_RX_LOWER_PRI event. */
export type NotifyEvent = NotifyState | 'DELETED' | 'MASTER_RX_LOWER_PRI';

/**
 * The scripts to run for an instance (or, with kind GROUP, a sync group at priority 0) entering `state`, in
 * keepalived's order: the state's own script (notify_master / _backup / _fault / _stop / _deleted, as written,
 * no arguments added), then the generic `notify`. MASTER_RX_LOWER_PRI runs its own script only.
 */
export function notifyRuns(
  scripts: NotifyScripts,
  name: string,
  state: NotifyEvent,
  priority: number,
  kind: 'INSTANCE' | 'GROUP' = 'INSTANCE',
): NotifyRun[] {
  const key = (
    {
      MASTER: 'master',
      BACKUP: 'backup',
      FAULT: 'fault',
      STOP: 'stop',
      DELETED: 'deleted',
      MASTER_RX_LOWER_PRI: 'masterRxLowerPri',
    } as const
  )[state];
  const specific = key === 'deleted' ? scripts.deleted?.argv : scripts[key];
  const runs: NotifyRun[] = [];
  if (specific) runs.push({ argv: [...specific], user: scripts.users?.[key] });
  if (scripts.generic && state !== 'MASTER_RX_LOWER_PRI') {
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
  state: NotifyEvent,
  priority: number,
  kind: 'INSTANCE' | 'GROUP' = 'INSTANCE',
): string[][] {
  return notifyRuns(scripts, name, state, priority, kind).map((r) => r.argv);
}
