/**
 * The pid file: one vipd per file. A second vipd on the same pid file refuses to start, naming the running pid; a
 * pid file whose process is gone (a crash, kill -9) is taken over. The running daemon is never disturbed: nothing
 * is signalled, and the file is removed on exit only while it still names this process.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { VipdError } from '../core/errors.js';

export class PidFileError extends VipdError {
  constructor(
    readonly file: string,
    readonly pid: number,
  ) {
    super('VIPD_ERR_RUNNING', `another vipd is running (pid ${pid}, pid file ${file})`);
  }
}

export interface PidFile {
  release(): void;
}

export function acquirePidFile(file: string): PidFile {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx', mode: 0o644 });
      return { release: () => releaseIfOurs(file) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = readPid(file);
    if (pid !== undefined && pid !== process.pid && alive(pid)) throw new PidFileError(file, pid);
    // Stale (or unreadable): its process is gone. Remove it and try the exclusive create again.
    try {
      unlinkSync(file);
    } catch {
      // someone else removed it first
    }
  }
  throw new VipdError('VIPD_ERR_PID_FILE', `cannot create the pid file ${file}`);
}

function readPid(file: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, someone else's
  }
}

function releaseIfOurs(file: string): void {
  if (readPid(file) !== process.pid) return;
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
