/**
 * A failing operation that is retried on every advert (10 a second at advert_int 0.1) must not write a log line
 * each time: the first of a run of identical errors is logged, the rest only counted, and the count is logged
 * once when the run ends (a success, or a different error).
 */
import type { Logger } from '../core/log.js';

export class RepeatedErrors {
  private run: { key: string; count: number } | undefined;

  constructor(
    private readonly log: Logger,
    private readonly msg: string,
  ) {}

  /** One failure; `key` tells identical errors apart (operation and errno). */
  failed(key: string, fields: object): void {
    if (this.run?.key === key) {
      this.run.count++;
      return;
    }
    this.ended();
    this.run = { key, count: 1 };
    this.log.warn({ ...fields, repeat: 'further identical errors are counted, not logged' }, this.msg);
  }

  /** The operation succeeded (or stopped being tried): the run of errors is over. */
  ended(): void {
    const run = this.run;
    this.run = undefined;
    if (run && run.count > 1) this.log.warn({ error: run.key, times: run.count }, `${this.msg} (repeated)`);
  }
}

/** The errno-style code of an error, for grouping identical errors. */
export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
}
