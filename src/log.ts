/**
 * pino logs on stdout through a LogStream (never blocks, survives a reader that leaves): JSON lines for journald,
 * files and pipes; readable lines (pino-pretty) when stdout is a terminal. One child logger per VRRP instance
 * carries its identity on every line.
 */
import { createRequire } from 'node:module';
import { pino } from 'pino';
import type { Logger } from './core/log.js';
import { LogStream } from './edges/log-stream.js';
import { registerLogFlush } from './log-flush.js';

export type { Logger };

let stdoutStream: LogStream | undefined;

/** `{ write(line) }` turning pino's JSON lines into readable ones: loaded only for a terminal (start-up cost). */
function prettyLines(out: LogStream): { write(line: string): boolean } {
  const require = createRequire(import.meta.url);
  const { prettyFactory } = require('pino-pretty') as {
    prettyFactory: (o: object) => (line: string) => string;
  };
  const pretty = prettyFactory({
    colorize: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name,instance',
    messageFormat: '{if instance}{instance}: {end}{msg}',
  });
  return { write: (line) => out.write(pretty(line)) };
}

export function createLogger(
  level = process.env.VIPD_LOG_LEVEL ?? 'info',
  stream?: LogStream,
  readable = !stream && process.stdout.isTTY === true,
): Logger {
  stdoutStream ??= new LogStream(1);
  const out = stream ?? stdoutStream;
  const destination = readable ? prettyLines(out) : out;
  return pino(
    { name: 'vipd', level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    destination,
  );
}

/** Before exit: gives queued lines up to `timeoutMs` to reach stdout; a stuck or gone reader cannot hold the exit. */
export function flushLogs(timeoutMs = 500): Promise<void> {
  return stdoutStream?.flush(timeoutMs) ?? Promise.resolve();
}
registerLogFlush(flushLogs);
