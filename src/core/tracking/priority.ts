/**
 * An instance's effective priority from its base priority and the state of its trackers, with keepalived's
 * semantics (keepalived.conf(5) track_interface / track_script / track_file; keepalived.md §1d). Pure.
 *
 * Per tracker (script, check, interface), with `up` the tracker's state flipped when `reverse`:
 * - weight 0: FAULT while not up (so `weight 0 reverse` is FAULT while the tracker is up);
 * - weight > 0: the weight is added while up (reverse: subtracted while the tracker is up);
 * - weight < 0: the weight is subtracted while down (reverse: added while the tracker is down);
 * - a check reporting a MISC_CHECK `misc_dynamic` weight (state.dynamicWeight) adds that weight while up,
 *   in place of a positive configured weight; while down the configured weight rules as above.
 * A track_file adds `value × weight` (× −1 with reverse); with weight 0 a non-zero value is FAULT (reverse: a
 * zero value); a product ≤ −254 is FAULT.
 *
 * The sum is clamped to 1..254; an address owner (base 255) keeps 255 whatever its trackers say, though a
 * FAULT still applies to it. A tracker with no state yet counts as up (a file as value 0), which is where
 * HealthCounter starts without init_fail.
 */
import { type TrackerBinding, type TrackerState, trackerKey } from './types.js';

export interface EffectivePriority {
  /** 1..254, or 255 for an owner. Meaningless while `fault` is set (kept for display). */
  priority: number;
  /** trackerKey of the first tracker (in binding order) that puts the instance in FAULT, else undefined. */
  fault: string | undefined;
}

/** The owner's priority, which trackers never change. */
export const OWNER_PRIORITY = 255;
/** A track_file `value × weight` at or below this puts the instance in FAULT (keepalived). */
export const FILE_FAULT_THRESHOLD = -254;

/** The priority change one tracker contributes, or 'fault'. */
export function trackerContribution(binding: TrackerBinding, state: TrackerState | undefined): number | 'fault' {
  const sign = binding.reverse ? -1 : 1;
  if (binding.kind === 'file') {
    const value = state?.value ?? 0;
    if (binding.weight === 0) return (value !== 0) !== binding.reverse ? 'fault' : 0;
    const product = value * binding.weight * sign;
    return product <= FILE_FAULT_THRESHOLD ? 'fault' : product;
  }
  // reverse flips both the state and the weight's sign: +10 reverse subtracts 10 while the tracker is up.
  const up = (state?.up ?? true) !== binding.reverse;
  const weight = binding.weight * sign;
  if (weight === 0 && !up) return 'fault';
  if (up && state?.dynamicWeight !== undefined && binding.kind === 'check') return state.dynamicWeight;
  if (weight > 0) return up ? weight : 0;
  return up ? 0 : weight;
}

/** `states` is keyed by trackerKey (`script:chk_haproxy`); a missing state counts as up (a file: value 0). */
export function effectivePriority(
  base: number,
  bindings: readonly TrackerBinding[],
  states: ReadonlyMap<string, TrackerState>,
): EffectivePriority {
  let sum = 0;
  let fault: string | undefined;
  for (const b of bindings) {
    const key = trackerKey(b);
    const c = trackerContribution(b, states.get(key));
    if (c === 'fault') fault ??= key;
    else sum += c;
  }
  if (base >= OWNER_PRIORITY) return { priority: OWNER_PRIORITY, fault };
  return { priority: Math.min(254, Math.max(1, base + sum)), fault };
}
