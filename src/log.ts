/** pino JSON logs on stdout; one child logger per VRRP instance carries its identity on every line. */
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level = process.env.VIPD_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: 'vipd', level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
}
