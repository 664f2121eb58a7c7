/**
 * Which results of a check travel from the check thread to the daemon. A tracker with rise and fall counts every
 * result; a real server's checker only changes the table when its verdict does, so with thousands of healthy real
 * servers the daemon's event loop need hear nothing at all.
 */
import type { CheckResult } from '../tracking/types.js';

/** 'every' result, or only the 'changes' a verdict can follow. */
export type ResultReporting = 'every' | 'changes';

/**
 * A predicate over one check's results in order, true for those to report. 'changes': the first result, every
 * failure (log_all_failures logs each one), and a success after a failure or with a new dynamic weight; a success
 * like the one before it is not reported.
 */
export function resultFilter(reporting: ResultReporting): (r: CheckResult) => boolean {
  if (reporting === 'every') return () => true;
  let last: CheckResult | undefined;
  return (r) => {
    const report = !last || !r.ok || !last.ok || r.dynamicWeight !== last.dynamicWeight;
    last = r;
    return report;
  };
}
