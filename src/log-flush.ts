/**
 * What the executable flushes before it exits: log.ts registers its stream here when (and only when) a command
 * loads it, so that `vipd --version` never loads pino (start-up time).
 */
let flusher: ((timeoutMs: number) => Promise<void>) | undefined;

export function registerLogFlush(f: (timeoutMs: number) => Promise<void>): void {
  flusher = f;
}

export function flushLogs(timeoutMs = 500): Promise<void> {
  return flusher?.(timeoutMs) ?? Promise.resolve();
}
