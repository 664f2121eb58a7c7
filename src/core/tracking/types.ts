/**
 * Contract between the health-check engine (src/edges/checks/, I/O), the pure tracking rules
 * (src/core/tracking/) and the daemon. A check run yields a CheckResult; rise/fall turn results into a
 * tracker's up/down; the weights of every tracker of an instance give its effective priority or FAULT.
 */
import type { Millis } from '../time.js';

/** One run of a check (after its retries): what the engine reports. */
export interface CheckResult {
  ok: boolean;
  /** Why it failed ('refused', 'timeout', 'status 503', 'digest mismatch', 'exit 1', ...) or 'ok'. */
  reason: string;
  latencyMs: Millis;
  /** MISC_CHECK misc_dynamic: exit status 2..255 gives weight status-2 while up. */
  dynamicWeight?: number | undefined;
}

/**
 * `virtual-server`: an announce's tracked virtual server, up while it has quorum (named by virtualServerId); `bfd`:
 * a session of FRR's bfdd, by label or peer address.
 */
export type TrackerKind = 'script' | 'check' | 'interface' | 'file' | 'process' | 'virtual-server' | 'bfd';

/** How one tracker counts towards an instance (keepalived semantics; see priority.ts). */
export interface TrackerBinding {
  name: string;
  kind: TrackerKind;
  /** 0 = FAULT while down; > 0 added while up; < 0 subtracted while down (file: value × weight). */
  weight: number;
  reverse: boolean;
}

/** The current state of one tracker. `value` is a track_file's number; others use `up`. */
export interface TrackerState {
  up: boolean;
  value?: number | undefined;
  dynamicWeight?: number | undefined;
}

/**
 * The key of a tracker's state in the map effectivePriority reads, and the tracker effectivePriority names in
 * `fault`: `<kind>:<name>` (e.g. `script:chk_haproxy`, `interface:eth1`, `file:tf_1`, `check:web`), so that an
 * interface and a script of the same name never share a state.
 */
export function trackerKey(t: { kind: TrackerKind; name: string }): string {
  return `${t.kind}:${t.name}`;
}
