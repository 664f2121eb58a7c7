/**
 * `virtual_routes` / `static_routes` and `virtual_rules` / `static_rules`: each line parsed into a RouteSpec or a
 * RuleSpec (core/config/routing.ts). A line keepalived cannot parse it skips with a message and loads the rest;
 * vipd does the same, with a warning at the line (keepalived's own sample keepalived.conf.vrrp.rules has such a
 * line), so that a file keepalived runs still runs. A repeated route or rule is a warning and is ignored.
 */
import type { RouteSpec, RuleSpec } from '../../ports.js';
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

export function buildRoutes(node: unknown, at: readonly PathSegment[], kind: string, report: Reporter): RouteSpec[] {
  const lines = linesOf(node, at, kind, report);
  const out: RouteSpec[] = [];
  const seen = new Set<string>();
  (lines ?? []).forEach((line, i) => {
    const where = typeof node === 'string' ? at : [...at, i];
    if (/\strack_group\s/.test(` ${line} `)) {
      report.error(where, 'value', `${kind}: track_group on a route is not supported yet (static addresses have it)`);
      return;
    }
    const r = parseRouteLine(line);
    if (!r.ok) {
      report.warn(where, 'value', `${kind}: ${r.error}; the line is skipped`);
      return;
    }
    for (const w of r.warnings) report.warn(where, 'value', `${kind}: ${w}`);
    const key = routeKey(r.value);
    if (seen.has(key)) {
      report.warn(where, 'value', `${kind}: route "${line.trim()}" is listed twice; the repeat is ignored`);
      return;
    }
    seen.add(key);
    out.push(r.value);
  });
  return out;
}

export function buildRules(
  node: unknown,
  at: readonly PathSegment[],
  kind: string,
  preferences: RulePreferences,
  report: Reporter,
): RuleSpec[] {
  const lines = linesOf(node, at, kind, report);
  const out: RuleSpec[] = [];
  const seen = new Set<string>();
  (lines ?? []).forEach((line, i) => {
    const where = typeof node === 'string' ? at : [...at, i];
    if (/\strack_group\s/.test(` ${line} `)) {
      report.error(where, 'value', `${kind}: track_group on a rule is not supported yet (static addresses have it)`);
      return;
    }
    const r = parseRuleLine(line, preferences.peek());
    if (!r.ok) {
      report.warn(where, 'value', `${kind}: ${r.error}; the line is skipped`);
      return;
    }
    const { autoPreference, ...rule } = r.value;
    if (autoPreference) preferences.take();
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
