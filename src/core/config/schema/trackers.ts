/** `vrrp_script` and `track_file` blocks, and the tracker lines of an instance (weights resolved line over block). */
import * as z from 'zod';
import { addressFamily, canonicalAddress } from '../../codec/ip-address.js';
import { suggest } from '../keywords.js';
import type {
  TrackBfdRef,
  TrackCheckRef,
  TrackerLists,
  TrackFileConfig,
  TrackFileRef,
  TrackInterface,
  TrackProcessConfig,
  TrackProcessRef,
  TrackScriptRef,
  VrrpScriptConfig,
} from '../model.js';
import { parseInitFile, parseTrackEntry, type TrackerKind, type TrackLine, WEIGHT_MAX } from '../tracking.js';
import type { Context } from './context.js';
import { DEFAULTS } from './defaults.js';
import { command, flag, scriptSeconds, toMs, userSpec, weightSpec, wholeNumber } from './fields.js';
import { type PathSegment, parseSection, type Reporter } from './report.js';
import { userOf } from './users.js';

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

export const trackProcessSchema = z
  .object({
    process: command,
    param_match: z.enum(['initial', 'partial'], { error: 'must be initial or partial' }),
    weight: weightSpec(WEIGHT_MAX.track_process),
    quorum: wholeNumber(0, 65535),
    quorum_max: wholeNumber(0, 65535),
    fork_delay: scriptSeconds,
    terminate_delay: scriptSeconds,
    delay: scriptSeconds,
    full_command: flag,
  })
  .partial();

/** `vrrp_track_process NAME { process CMD [ARGS]; ... }` with keepalived's defaults. */
export function buildTrackProcess(
  name: string,
  body: Record<string, unknown>,
  report: Reporter,
): TrackProcessConfig | undefined {
  const base = ['vrrp_track_process', name];
  const where = `vrrp_track_process ${name}`;
  const before = report.realErrors;
  const { data: r, invalid } = parseSection(
    body,
    base,
    { schema: trackProcessSchema, where, unsupported: new Set() },
    report,
  );
  if (!Object.hasOwn(body, 'process')) report.error(base, 'key', `${where} has no process`);
  const quorum = r.quorum ?? 1;
  const quorumMax = r.quorum_max ?? Number.MAX_SAFE_INTEGER;
  if (quorumMax < quorum)
    report.error([...base, 'quorum_max'], 'value', `quorum_max ${quorumMax} is below quorum ${quorum}`);
  if (invalid.size > 0 || report.realErrors > before || r.process === undefined) return undefined;
  const [process = '', ...params] = r.process;
  const delay = r.delay !== undefined ? toMs(r.delay) : 0;
  return {
    name,
    match: {
      process,
      params: params.length > 0 || r.param_match !== undefined ? params : undefined,
      paramMatch: r.param_match ?? 'exact',
      fullCommand: r.full_command ?? false,
    },
    weight: r.weight?.weight ?? DEFAULTS.trackFileWeight,
    reverse: r.weight?.reverse ?? false,
    quorum,
    quorumMax,
    forkDelayMs: r.fork_delay !== undefined ? toMs(r.fork_delay) : delay,
    terminateDelayMs: r.terminate_delay !== undefined ? toMs(r.terminate_delay) : delay,
    source: report.at(base, 'key'),
  };
}

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
  const user = userOf(r.user, [...base, 'user'], report);
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

/** The tracker lists of an instance or a sync group (`r`: its parsed body), references checked; undefined on error. */
export function buildTrackerLists(
  r: {
    track_interface?: unknown[];
    track_script?: unknown[];
    track_file?: unknown[];
    track_check?: unknown[];
    track_process?: unknown[];
    track_bfd?: unknown[];
  },
  base: readonly PathSegment[],
  ctx: Context,
  report: Reporter,
): TrackerLists | undefined {
  const missing = (at: PathSegment[], kind: string, block: string, name: string, known: ReadonlySet<string>) => {
    const close = suggest(name, known);
    report.error(
      at,
      'value',
      `${kind} ${name}: there is no ${block} ${name}${close ? ` (did you mean ${close}?)` : ''}`,
    );
    return undefined;
  };
  const trackInterfaces = buildTrackers('track_interface', r.track_interface, base, report, (t, source) => ({
    interface: t.name,
    weight: t.weight ?? 0,
    reverse: t.reverse ?? false,
    source,
  })) satisfies (TrackInterface | undefined)[];
  const trackScripts = buildTrackers('track_script', r.track_script, base, report, (t, source, at) => {
    if (!ctx.scriptNames.has(t.name)) return missing(at, 'track_script', 'vrrp_script', t.name, ctx.scriptNames);
    const sc = ctx.scripts.get(t.name);
    if (!sc) return undefined; // the vrrp_script itself is in error (reported there)
    // keepalived 2.2.7 resolves a track_script when it reads it: a vrrp_script further down is "not found,
    // ignoring". vipd tracks it (what the operator wrote), and says where keepalived differs.
    if (report.keepalived && sc.source.file === source.file && sc.source.line > source.line) {
      report.lenient(
        at,
        'value',
        `track_script ${t.name}: vrrp_script ${t.name} is defined further down (line ${sc.source.line}); vipd ` +
          'tracks it, keepalived 2.2.7 does not ("not found, ignoring"): define it above to run the same on both',
      );
    }
    return { script: t.name, ...resolveWeight(t, sc), source };
  }) satisfies (TrackScriptRef | undefined)[];
  const trackFiles = buildTrackers('track_file', r.track_file, base, report, (t, source, at) => {
    if (!ctx.trackFileNames.has(t.name) && t.name.startsWith('/')) {
      // vipd: a file path stands for a track_file block of that name with keepalived's defaults.
      let tf = ctx.implicitFiles.get(t.name);
      if (!tf) {
        tf = { name: t.name, path: t.name, weight: DEFAULTS.trackFileWeight, reverse: false, source };
        ctx.implicitFiles.set(t.name, tf);
      }
      return { file: t.name, ...resolveWeight(t, tf), source };
    }
    if (!ctx.trackFileNames.has(t.name)) return missing(at, 'track_file', 'track_file', t.name, ctx.trackFileNames);
    const tf = ctx.trackFiles.get(t.name);
    if (!tf) return undefined;
    return { file: t.name, ...resolveWeight(t, tf), source };
  }) satisfies (TrackFileRef | undefined)[];
  const trackChecks = buildTrackers('track_check', r.track_check, base, report, (t, source, at) => {
    if (!ctx.checkNames.has(t.name)) return missing(at, 'track_check', 'vrrp_check', t.name, ctx.checkNames);
    const c = ctx.checks.get(t.name);
    if (!c) return undefined;
    return { name: t.name, ...resolveWeight(t, c), source };
  }) satisfies (TrackCheckRef | undefined)[];
  const trackProcesses = buildTrackers('track_process', r.track_process, base, report, (t, source, at) => {
    if (!ctx.processNames.has(t.name))
      return missing(at, 'track_process', 'vrrp_track_process', t.name, ctx.processNames);
    const tp = ctx.processes.get(t.name);
    if (!tp) return undefined;
    return { process: t.name, ...resolveWeight(t, tp), source };
  }) satisfies (TrackProcessRef | undefined)[];
  // A BFD session is FRR bfdd's, named by its peer address or its label: nothing here to check it against.
  const trackBfds = buildTrackers('track_bfd', r.track_bfd, base, report, (t, source) => ({
    session: addressFamily(t.name) === undefined ? t.name : canonicalAddress(t.name),
    weight: t.weight ?? 0,
    reverse: t.reverse ?? false,
    source,
  })) satisfies (TrackBfdRef | undefined)[];
  const lists = [trackInterfaces, trackScripts, trackFiles, trackChecks, trackProcesses, trackBfds];
  if (lists.some((l) => l.includes(undefined))) return undefined;
  return {
    trackProcesses: trackProcesses as TrackProcessRef[],
    trackInterfaces: trackInterfaces as TrackInterface[],
    trackScripts: trackScripts as TrackScriptRef[],
    trackFiles: trackFiles as TrackFileRef[],
    trackChecks: trackChecks as TrackCheckRef[],
    trackBfds: trackBfds as TrackBfdRef[],
  };
}
