/** `vrrp_sync_group`: its schema and the SyncGroupConfig it builds. */
import { z } from 'zod';
import { NOT_USED_BY_VIPD, suggest, UNSUPPORTED_SYNC_GROUP } from '../keywords.js';
import type { SyncGroupConfig } from '../model.js';
import { command, lines } from './fields.js';
import { parseSection, type Reporter } from './report.js';

export const syncGroupSchema = z
  .object({
    group: lines('"VI_1" (vrrp_instance names)'),
    notify_master: command,
    notify_backup: command,
    notify_fault: command,
    notify_stop: command,
    notify: command,
  })
  .partial();

export function buildSyncGroup(
  name: string,
  body: Record<string, unknown>,
  instanceNames: ReadonlySet<string>,
  memberOf: Map<string, { group: string; line: number }>,
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
  if (invalid.size > 0 || report.realErrors > before) return undefined;
  return {
    name,
    instances: members,
    notify: {
      master: r.notify_master,
      backup: r.notify_backup,
      fault: r.notify_fault,
      stop: r.notify_stop,
      generic: r.notify,
    },
    source: report.at(base, 'key'),
  };
}
