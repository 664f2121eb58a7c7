/**
 * keepalived's notify contract (keepalived.md §3f): which scripts run when an instance (or a sync group) enters
 * a state, and with which arguments. Pure; the script runner in src/edges/scripts.ts starts them.
 */
import type { NotifyScripts } from '../config/model.js';
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

/**
 * The scripts to run for an instance (or, with kind GROUP, a sync group at priority 0) entering `state`, in
 * keepalived's order: the state's own script (notify_master / _backup / _fault / _stop, as written, no
 * arguments added), then the generic `notify`.
 */
export function notifyArgv(
  scripts: NotifyScripts,
  name: string,
  state: NotifyState | 'DELETED',
  priority: number,
  kind: 'INSTANCE' | 'GROUP' = 'INSTANCE',
): string[][] {
  const specific = {
    MASTER: scripts.master,
    BACKUP: scripts.backup,
    FAULT: scripts.fault,
    STOP: scripts.stop,
    DELETED: undefined,
  }[state];
  const runs: string[][] = [];
  if (specific) runs.push([...specific]);
  if (scripts.generic) runs.push(genericNotifyArgv(scripts.generic, kind, name, state, priority));
  return runs;
}
