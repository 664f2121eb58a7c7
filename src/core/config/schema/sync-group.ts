/**
 * `vrrp_sync_group`: its schema, the SyncGroupConfig it builds, and what membership does to an instance's
 * trackers (keepalived's vrrp.c): the group's trackers are every member's, and unless the group has
 * `sync_group_tracking_weight` a member's own weighted trackers lose their weight, so that no member's priority
 * can move apart from the others'.
 */
import * as z from 'zod';
import { NOT_USED_BY_VIPD, suggest, UNSUPPORTED_SYNC_GROUP } from '../keywords.js';
import type { InstanceConfig, SyncGroupConfig, TrackerLists } from '../model.js';
import type { Context } from './context.js';
import { flag, lines, notifyCommand, notifyScripts, trackEntries } from './fields.js';
import { parseSection, type Reporter } from './report.js';
import { buildTrackerLists } from './trackers.js';

export const syncGroupSchema = z
  .object({
    group: lines('"VI_1" (vrrp_instance names)'),
    notify_master: notifyCommand,
    notify_backup: notifyCommand,
    notify_fault: notifyCommand,
    notify_stop: notifyCommand,
    notify: notifyCommand,
    notify_priority_changes: flag,
    track_interface: trackEntries,
    track_script: trackEntries,
    track_file: trackEntries,
    track_check: trackEntries,
    track_process: trackEntries,
    track_bfd: trackEntries,
    sync_group_tracking_weight: flag,
    global_tracking: flag,
  })
  .partial();

export function buildSyncGroup(
  name: string,
  body: Record<string, unknown>,
  instanceNames: ReadonlySet<string>,
  memberOf: Map<string, { group: string; line: number }>,
  ctx: Context,
  report: Reporter,
): SyncGroupConfig | undefined {
  const base = ['vrrp_sync_group', name];
  const where = `vrrp_sync_group ${name}`;
  const before = report.realErrors;
  const { data: r, invalid } = parseSection(
    body,
    base,
    { schema: syncGroupSchema, where, unsupported: UNSUPPORTED_SYNC_GROUP, notUsed: NOT_USED_BY_VIPD.vrrp_sync_group },
    report,
  );
  if (!Object.hasOwn(body, 'group')) report.error(base, 'key', `${where} has no group (its vrrp_instance names)`);
  if (r.global_tracking) {
    report.warn([...base, 'global_tracking'], 'key', 'global_tracking is deprecated: use sync_group_tracking_weight');
  }
  const members: string[] = [];
  (r.group ?? []).forEach((line, i) => {
    const at = ['vrrp_sync_group', name, 'group', i];
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) report.error(at, 'value', `empty group entry in ${where}`);
    for (const inst of words) {
      if (!instanceNames.has(inst)) {
        const close = suggest(inst, instanceNames);
        const tail = close ? ` (did you mean ${close}?)` : '';
        report.error(at, 'value', `${where}: there is no vrrp_instance ${inst}${tail}`);
        continue;
      }
      const prev = memberOf.get(inst);
      if (prev?.group === name) report.error(at, 'value', `${where}: ${inst} is listed twice`);
      else if (prev) {
        report.error(
          at,
          'value',
          `${where}: vrrp_instance ${inst} is already in vrrp_sync_group ${prev.group} (line ${prev.line}); an instance can be in one group only`,
        );
      } else {
        memberOf.set(inst, { group: name, line: report.at(at, 'value').line });
        members.push(inst);
      }
    }
  });
  if (members.length === 1) {
    report.warn([...base, 'group'], 'key', `${where} has only one vrrp_instance: this probably is not what you want`);
  }
  const trackers = buildTrackerLists(r, base, ctx, report);
  if (invalid.size > 0 || report.realErrors > before || !trackers) return undefined;
  return {
    name,
    instances: members,
    notify: notifyScripts(r),
    trackingWeight: (r.sync_group_tracking_weight ?? false) || (r.global_tracking ?? false),
    notifyPriorityChanges: r.notify_priority_changes,
    trackers,
    source: report.at(base, 'key'),
  };
}

/**
 * Each member of `group` as keepalived runs it: the group's trackers added to its own (weights cleared when a
 * member is an address owner), and without sync_group_tracking_weight its own weights taken off: a weighted
 * interface becomes an unweighted one (down → FAULT), a weighted script or check is dropped, a track_file of weight
 * 1 (the default) becomes weight 0 and one of another weight is dropped. Each change is a warning at its line.
 */
export function joinSyncGroup(
  member: InstanceConfig,
  group: SyncGroupConfig,
  report: Pick<Reporter, 'warnAt'>,
): InstanceConfig {
  const why = `it is in vrrp_sync_group ${group.name} (set sync_group_tracking_weight to keep it)`;
  let own: TrackerLists = member;
  if (!group.trackingWeight) {
    const ignored = (source: { line: number; col: number; file: string }, what: string) =>
      report.warnAt(source, `${member.name}: ${what} because ${why}`);
    own = {
      trackInterfaces: member.trackInterfaces.map((t) => {
        if (t.weight === 0) return t;
        ignored(t.source, `the weight of track_interface ${t.interface} is ignored`);
        return { ...t, weight: 0 };
      }),
      trackScripts: member.trackScripts.filter((t) => {
        if (t.weight !== 0) ignored(t.source, `track_script ${t.script} with a weight is ignored`);
        return t.weight === 0;
      }),
      trackFiles: member.trackFiles.flatMap((t) => {
        if (t.weight === 0) return [t];
        if (t.weight === 1) {
          ignored(t.source, `the weight of track_file ${t.file} is ignored (give it weight 0)`);
          return [{ ...t, weight: 0 }];
        }
        ignored(t.source, `track_file ${t.file} with weight ${t.weight} is ignored`);
        return [];
      }),
      trackChecks: member.trackChecks.filter((t) => {
        if (t.weight !== 0) ignored(t.source, `track_check ${t.name} with a weight is ignored`);
        return t.weight === 0;
      }),
      trackProcesses: member.trackProcesses.filter((t) => {
        if (t.weight !== 0) ignored(t.source, `track_process ${t.process} with a weight is ignored`);
        return t.weight === 0;
      }),
      trackBfds: member.trackBfds.filter((t) => {
        if (t.weight !== 0) ignored(t.source, `track_bfd ${t.session} with a weight is ignored`);
        return t.weight === 0;
      }),
    };
  }
  const owner = member.priority === 255;
  const unweighted = <T extends { weight: number }>(t: T): T => (owner ? { ...t, weight: 0 } : t);
  const add = <T>(mine: T[], theirs: T[], key: (t: T) => string) => {
    const have = new Set(mine.map(key));
    return [...mine, ...theirs.filter((t) => !have.has(key(t)))];
  };
  const g = group.trackers;
  return {
    ...member,
    syncGroup: group.name,
    notifyPriorityChanges: member.notifyPriorityChanges ?? group.notifyPriorityChanges,
    trackInterfaces: add(own.trackInterfaces, g.trackInterfaces.map(unweighted), (t) => t.interface),
    trackScripts: add(own.trackScripts, g.trackScripts.map(unweighted), (t) => t.script),
    trackFiles: add(own.trackFiles, g.trackFiles.map(unweighted), (t) => t.file),
    trackChecks: add(own.trackChecks, g.trackChecks.map(unweighted), (t) => t.name),
    trackProcesses: add(own.trackProcesses, g.trackProcesses.map(unweighted), (t) => t.process),
    trackBfds: add(own.trackBfds, g.trackBfds.map(unweighted), (t) => t.session),
  };
}
