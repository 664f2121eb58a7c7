/** keepalived's reload_time_file formats (reload-time.ts), on a fixed "now" and time zone. */
import { describe, expect, it } from 'vitest';
import { reloadTimeOf } from '../../src/core/config/reload-time.js';

const NOW = Date.UTC(2026, 11, 5, 22, 0, 0); // 2026-12-05 22:00:00 UTC
const utc = () => 0;
const plusTwo = () => 120; // UTC+2

describe('reload_time_file times', () => {
  it('HH:MM:SS is its next occurrence: later today, else tomorrow', () => {
    expect(reloadTimeOf('23:30:00Z\n', NOW, utc)).toEqual({ ok: true, at: Date.UTC(2026, 11, 5, 23, 30, 0) });
    expect(reloadTimeOf('21:00:00Z', NOW, utc)).toEqual({ ok: true, at: Date.UTC(2026, 11, 6, 21, 0, 0) });
    // Local time (UTC+2): 01:00 local on the 6th is 23:00 UTC on the 5th.
    expect(reloadTimeOf('01:00:00', NOW, plusTwo)).toEqual({ ok: true, at: Date.UTC(2026, 11, 5, 23, 0, 0) });
  });

  it('YY-MM-DD and YYYY-MM-DD dates, UTC or local', () => {
    expect(reloadTimeOf('2027-01-02 03:04:05Z', NOW, utc)).toEqual({ ok: true, at: Date.UTC(2027, 0, 2, 3, 4, 5) });
    expect(reloadTimeOf('27-01-02 03:04:05', NOW, plusTwo)).toEqual({ ok: true, at: Date.UTC(2027, 0, 2, 1, 4, 5) });
  });

  it('refuses anything else exactly, as keepalived does', () => {
    for (const bad of [' 23:30:00', '23:30', '23:30:00 ', '2027-02-30 00:00:00', '24:00:00', '2027/01/02 03:04:05']) {
      expect(reloadTimeOf(bad, NOW, utc).ok).toBe(false);
    }
  });
});
