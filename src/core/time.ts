/**
 * Time inside the pure core is a plain number of milliseconds, fractional where needed.
 * Every VRRP timer value is k/256 of a whole number of centiseconds, which a double holds
 * exactly (v3 Skew_Time at priority 254 and 10 ms is 0.078125 ms), so no precision is lost
 * before the codec converts to centiseconds (v3) or seconds (v2).
 */
export type Millis = number;

/** A monotonic clock. The daemon injects the real one; tests inject a fake. */
export interface Clock {
  now(): Millis;
}
