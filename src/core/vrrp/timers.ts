/**
 * VRRP timer formulas (RFC 9568 §6.1, RFC 3768 §6.1), in fractional milliseconds.
 * The numerator is multiplied out before dividing by 256, so every result is exact in a double
 * (v3 priority 254 at 10 ms gives 0.078125 ms, which integer milliseconds would truncate to 0).
 */
import type { Millis } from '../time.js';

export const OWNER_PRIORITY = 255;

/**
 * Skew_Time. v3 scales with the master's advert interval; v2 is (256 − priority)/256 of a second
 * whatever the interval. Pass the effective priority (keepalived); an owner's is always 255.
 */
export function skewTimeMs(version: 2 | 3, priority: number, masterAdverIntervalMs: Millis): Millis {
  const unit = version === 3 ? masterAdverIntervalMs : 1000;
  return ((256 - priority) * unit) / 256;
}

/** Master_Down_Interval = downTimerAdverts × Master_Adver_Interval + Skew_Time (keepalived makes the 3 configurable). */
export function masterDownIntervalMs(
  version: 2 | 3,
  priority: number,
  masterAdverIntervalMs: Millis,
  downTimerAdverts = 3,
): Millis {
  return downTimerAdverts * masterAdverIntervalMs + skewTimeMs(version, priority, masterAdverIntervalMs);
}
