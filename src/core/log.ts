/**
 * The logger the daemon and the edges write to: fields first, then the message (pino's convention; a pino logger
 * is one). Core itself never logs: it returns what happened, and its callers say it.
 */
export interface LogFn {
  (fields: object, message?: string): void;
  (message: string): void;
}

export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /** A logger whose every line carries `bindings`; `options.level` gives it a level of its own ('silent': none). */
  child(bindings: object, options?: { level?: string }): Logger;
}
