/**
 * pino JSON logs on stdout through a LogStream (never blocks, survives a reader that leaves); one child logger
 * per VRRP instance carries its identity on every line.
 */
import { pino } from 'pino';
import { LogStream } from './edges/log-stream.js';

export type Logger = pino.Logger;

let stdoutStream: LogStream | undefined;

export function createLogger(level = process.env.VIPD_LOG_LEVEL ?? 'info', stream?: LogStream): Logger {
  stdoutStream ??= new LogStream(1);
  const destination = stream ?? stdoutStream;
  return pino(
    { name: 'vipd', level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    destination,
  );
}

/** Before exit: gives queued lines up to `timeoutMs` to reach stdout; a stuck or gone reader cannot hold the exit. */
export function flushLogs(timeoutMs = 500): Promise<void> {
  return stdoutStream?.flush(timeoutMs) ?? Promise.resolve();
}
