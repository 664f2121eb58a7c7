/**
 * `virtual_routes` / `static_routes` and `virtual_rules` / `static_rules`: each line parsed into a RouteSpec or a
 * RuleSpec (core/config/routing.ts). A line keepalived cannot parse it skips with a message and loads the rest;
 * vipd does the same, with a warning at the line (keepalived's own sample keepalived.conf.vrrp.rules has such a
 * line), so that a file keepalived runs still runs. A repeated route or rule is a warning and is ignored.
 */
import type { RouteSpec, RuleSpec } from '../../net.js';
import { FIRST_AUTO_RULE_PREFERENCE, parseRouteLine, parseRuleLine, routeKey, ruleKey } from '../routing.js';
import type { PathSegment, Reporter } from './report.js';

/** The automatic preferences handed to rules without one, counting down over the whole file (keepalived). */
export class RulePreferences {
  private next = FIRST_AUTO_RULE_PREFERENCE;
  peek(): number {
    return this.next;
  }
  take(): void {
    this.next--;
  }
}

function linesOf(node: unknown, at: readonly PathSegment[], kind: string, report: Reporter): string[] | undefined {
  if (node === undefined) return [];
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.map(String);
  report.error(at, 'value', `${kind} must be a list of lines`);
  return undefined;
}

/**
 * A line's track_group: static lines only, naming a defined group (`trackGroups`: their names; undefined for the
 * virtual_ kinds), and kept unless no_track says the line is not watched (keepalived: "not tracking").
 */
function checkTrackGroup<T extends { trackGroup?: string | undefined; noTrack: boolean }>(
  spec: T,
  where: readonly PathSegment[],
  kind: string,
  trackGroups: ReadonlySet<string> | undefined,
  report: Reporter,
): T | undefined {
  if (spec.trackGroup === undefined) return spec;
  if (trackGroups === undefined) {
    report.error(where, 'value', `${kind}: track_group applies to static routes and rules only`);
    return undefined;
  }
  if (!trackGroups.has(spec.trackGroup)) {
    report.error(where, 'value', `${kind}: there is no track_group ${spec.trackGroup}`);
    return undefined;
  }
  if (spec.noTrack) {
    report.warn(where, 'value', `${kind}: track_group with no_track is not tracked (as keepalived 2.2.7)`);
    return { ...spec, trackGroup: undefined };
  }
  return spec;
}

export function buildRoutes(
  node: unknown,
  at: readonly PathSegment[],
  kind: string,
  report: Reporter,
  trackGroups?: ReadonlySet<string>,
): RouteSpec[] {
  const lines = linesOf(node, at, kind, report);
  const out: RouteSpec[] = [];
  const seen = new Set<string>();
  (lines ?? []).forEach((line, i) => {
    const where = typeof node === 'string' ? at : [...at, i];
    const r = parseRouteLine(line);
    if (!r.ok) {
      report.warn(where, 'value', `${kind}: ${r.error}; the line is skipped`);
      return;
    }
    if (r.value.trackGroup !== undefined && r.value.dev === undefined && trackGroups) {
      // keepalived: "Static route cannot have track_group if interface not specified".
      report.error(where, 'value', `${kind}: a route with track_group needs dev IF (the interface its group tracks)`);
      return;
    }
    const route = checkTrackGroup(r.value, where, kind, trackGroups, report);
    if (!route) return;
    for (const w of r.warnings) report.warn(where, 'value', `${kind}: ${w}`);
    const key = routeKey(route);
    if (seen.has(key)) {
      report.warn(where, 'value', `${kind}: route "${line.trim()}" is listed twice; the repeat is ignored`);
      return;
    }
    seen.add(key);
    out.push(route);
  });
  return out;
}

export function buildRules(
  node: unknown,
  at: readonly PathSegment[],
  kind: string,
  preferences: RulePreferences,
  report: Reporter,
  trackGroups?: ReadonlySet<string>,
): RuleSpec[] {
  const lines = linesOf(node, at, kind, report);
  const out: RuleSpec[] = [];
  const seen = new Set<string>();
  (lines ?? []).forEach((line, i) => {
    const where = typeof node === 'string' ? at : [...at, i];
    const r = parseRuleLine(line, preferences.peek());
    if (!r.ok) {
      report.warn(where, 'value', `${kind}: ${r.error}; the line is skipped`);
      return;
    }
    const { autoPreference, ...parsed } = r.value;
    if (autoPreference) preferences.take();
    const rule = checkTrackGroup(parsed, where, kind, trackGroups, report);
    if (!rule) return;
    for (const w of r.warnings) report.warn(where, 'value', `${kind}: ${w}`);
    const key = ruleKey(rule);
    if (seen.has(key)) {
      report.warn(where, 'value', `${kind}: rule "${line.trim()}" is listed twice; the repeat is ignored`);
      return;
    }
    seen.add(key);
    out.push(rule);
  });
  return out;
}
