/** Which check results travel to the daemon: every one, or the changes a verdict can follow. */
import { describe, expect, it } from 'vitest';
import { type ResultReporting, resultFilter } from '../../src/core/checks/reporting.js';
import type { CheckResult } from '../../src/core/tracking/types.js';

const ok: CheckResult = { ok: true, reason: 'ok', latencyMs: 1 };
const failed: CheckResult = { ok: false, reason: 'timeout', latencyMs: 2000 };
const weighted = (w: number): CheckResult => ({ ...ok, dynamicWeight: w });

const reportedOf = (reporting: ResultReporting, results: CheckResult[]) => results.map(resultFilter(reporting));

describe('resultFilter', () => {
  it("'every' reports every result (a tracker's rise and fall count them all)", () => {
    expect(reportedOf('every', [ok, ok, failed, failed, ok, ok])).toEqual([true, true, true, true, true, true]);
  });

  it("'changes': the first result, every failure, a success after a failure; not a success like the last", () => {
    expect(reportedOf('changes', [ok, ok, ok, failed, failed, ok, ok])).toEqual([
      true,
      false,
      false,
      true,
      true,
      true,
      false,
    ]);
    expect(reportedOf('changes', [failed, ok, ok])).toEqual([true, true, false]);
  });

  it("'changes': a success with a new dynamic weight (misc_dynamic) is reported", () => {
    expect(reportedOf('changes', [weighted(3), weighted(3), weighted(5), ok, ok])).toEqual([
      true,
      false,
      true,
      true,
      false,
    ]);
  });
});
