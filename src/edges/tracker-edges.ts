/**
 * The real TrackerEdges: the check engine on its own thread for scripts and checks, an inotify watch (fs.watch on the file's
 * directory, so a file replaced by rename keeps being watched) for track_file, process events for
 * vrrp_track_process, and /etc/passwd, /etc/group for script users.
 */
import { type FSWatcher, readFileSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import type { Logger } from '../core/log.js';
import type { TrackerEdges } from '../core/ports.js';
import { DEFAULT_BFDD_SOCKET, watchBfdSessions } from './bfdd.js';
import { CheckThread } from './check-thread.js';
import { checkScriptSecurity } from './checks/misc.js';
import { watchProcesses } from './processes.js';

export function createTrackerEdges(log?: Logger): TrackerEdges {
  const thread = new CheckThread(log);
  return {
    createCheck: (spec, onResult, reporting) => thread.createCheck(spec, onResult, reporting),
    close: () => thread.close(),
    watchProcesses,
    watchBfd: (socketPath, changed) =>
      watchBfdSessions(socketPath ?? DEFAULT_BFDD_SOCKET, changed, log ?? pino({ level: 'silent' })),
    watchFile(file, onChange) {
      let watcher: FSWatcher | undefined;
      try {
        watcher = watch(path.dirname(file), { persistent: false }, (_event, name) => {
          if (name === null || name === path.basename(file)) onChange();
        });
      } catch {
        // The directory does not exist: the value stays what readFile gives (missing counts as 0).
      }
      return () => watcher?.close();
    },
    readFile(file) {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return undefined;
      }
    },
    writeFile: (file, text) => writeFileSync(file, text),
    scriptSecurity: checkScriptSecurity,
    resolveUser(u) {
      const user = entry('/etc/passwd', u.user);
      const uid = numeric(u.user) ?? field(user, 2);
      const gid = u.group ? (numeric(u.group) ?? field(entry('/etc/group', u.group), 2)) : field(user, 3);
      return uid === undefined || gid === undefined ? undefined : { uid, gid };
    },
  };
}

const numeric = (s: string): number | undefined => (/^\d+$/.test(s) ? Number(s) : undefined);
const field = (fields: string[] | undefined, i: number): number | undefined =>
  fields?.[i] !== undefined && /^\d+$/.test(fields[i] as string) ? Number(fields[i]) : undefined;

/** The fields of the passwd/group line for `name` (or for the id `name`, when numeric). */
function entry(file: string, name: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return text
    .split('\n')
    .map((line) => line.split(':'))
    .find((f) => f[0] === name || (numeric(name) !== undefined && f[2] === name));
}
