/** `vrrp_script` and `track_file` blocks, and the tracker lines of an instance (weights resolved line over block). */
import { z } from 'zod';
import type { TrackFileConfig, VrrpScriptConfig } from '../model.js';
import {
  parseInitFile,
  parseTrackEntry,
  parseUserSpec,
  type TrackerKind,
  type TrackLine,
  WEIGHT_MAX,
} from '../tracking.js';
import { DEFAULTS } from './defaults.js';
import { command, flag, scriptSeconds, toMs, userSpec, weightSpec, wholeNumber } from './fields.js';
import { type PathSegment, parseSection, type Reporter } from './report.js';

export const vrrpScriptSchema = z
  .object({
    script: command,
    interval: scriptSeconds,
    timeout: scriptSeconds,
    weight: weightSpec(WEIGHT_MAX.track_script),
    rise: wholeNumber(1, 2147483647),
    fall: wholeNumber(1, 2147483647),
    user: userSpec,
    init_fail: flag,
  })
  .partial();

// vrrp_check (vipd): keepalived's checker blocks, as VRRP trackers.

export const trackFileSchema = z
  .object({
    file: z.string({ error: 'must be a file path' }).min(1, { error: 'must not be empty' }),
    weight: weightSpec(WEIGHT_MAX.track_file),
    init_file: z.unknown().transform((v, ctx) => {
      const r = parseInitFile(v);
      if (r !== undefined) return r;
      ctx.addIssue({ code: 'custom', message: 'must be true, a whole number, or "N overwrite"' });
      return z.NEVER;
    }),
  })
  .partial();

export function buildScript(
  name: string,
  body: Record<string, unknown>,
  report: Reporter,
): VrrpScriptConfig | undefined {
  const base = ['vrrp_script', name];
  const where = `vrrp_script ${name}`;
  const before = report.realErrors;
  const { data: r, invalid } = parseSection(
    body,
    base,
    { schema: vrrpScriptSchema, where, unsupported: new Set() },
    report,
  );
  if (!Object.hasOwn(body, 'script')) report.error(base, 'key', `${where} has no script`);
  if (invalid.size > 0 || report.realErrors > before || r.script === undefined) return undefined;
  const intervalMs = toMs(r.interval ?? DEFAULTS.scriptIntervalSeconds);
  const user = r.user !== undefined ? parseUserSpec(r.user) : undefined;
  return {
    name,
    command: r.script,
    intervalMs,
    timeoutMs: r.timeout !== undefined ? toMs(r.timeout) : intervalMs,
    weight: r.weight?.weight ?? DEFAULTS.scriptWeight,
    reverse: r.weight?.reverse ?? false,
    rise: r.rise ?? DEFAULTS.scriptRise,
    fall: r.fall ?? DEFAULTS.scriptFall,
    user,
    initFail: r.init_fail ?? false,
    source: report.at(base, 'key'),
  };
}

export function buildTrackFile(
  kind: 'track_file' | 'vrrp_track_file',
  name: string,
  body: Record<string, unknown>,
  report: Reporter,
): TrackFileConfig | undefined {
  const base = [kind, name];
  const where = `${kind} ${name}`;
  const before = report.realErrors;
  const { data: r, invalid } = parseSection(
    body,
    base,
    { schema: trackFileSchema, where, unsupported: new Set() },
    report,
  );
  if (!Object.hasOwn(body, 'file')) report.error(base, 'key', `${where} has no file`);
  if (invalid.size > 0 || report.realErrors > before || r.file === undefined) return undefined;
  return {
    name,
    path: r.file,
    weight: r.weight?.weight ?? DEFAULTS.trackFileWeight,
    reverse: r.weight?.reverse ?? false,
    initFile: r.init_file === false ? undefined : r.init_file,
    source: report.at(base, 'key'),
  };
}

/**
 * The weight and reverse of a tracker line: the line's, else the block's. A line that gives a weight but no
 * reverse is not reversed (keepalived reads `reverse` only as part of the line's weight clause).
 */
export function resolveWeight(
  t: TrackLine,
  block: { weight: number; reverse: boolean },
): { weight: number; reverse: boolean } {
  if (t.weight !== undefined) return { weight: t.weight, reverse: t.reverse ?? false };
  return { weight: block.weight, reverse: t.reverse ?? block.reverse };
}

/**
 * Parses the lines of one tracker list. `make` resolves a line (and reports a bad reference, returning
 * undefined). A name listed twice is an error. Returns one element per line, undefined for a line in error.
 */
export function buildTrackers<T>(
  kind: TrackerKind,
  lines: unknown[] | undefined,
  base: readonly PathSegment[],
  report: Reporter,
  make: (t: TrackLine, source: ReturnType<Reporter['at']>, at: PathSegment[]) => T | undefined,
): (T | undefined)[] {
  const seen = new Set<string>();
  return (lines ?? []).map((line, i) => {
    const at = [...base, kind, i];
    const res = parseTrackEntry(kind, line);
    if (!res.ok) {
      report.error(at, 'value', res.error);
      return undefined;
    }
    if (seen.has(res.value.name)) {
      report.error(at, 'value', `${kind} ${res.value.name} is listed twice`);
      return undefined;
    }
    seen.add(res.value.name);
    return make(res.value, report.at(at, 'value'), at);
  });
}
