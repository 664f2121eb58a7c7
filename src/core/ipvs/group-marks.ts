/**
 * `nftables_ipvs` (keepalived 2.2.7): a virtual server on a group of address ranges is served by one fwmark service
 * per family instead of one service per address and port, and nftables marks what is addressed to the group's
 * ranges with the group's mark. Thousands of addresses then cost IPVS one service, and a reload that changes the
 * ranges changes nftables' map only.
 *
 * As keepalived: a mark per group and protocol, handed out from nftables_ipvs_start_fwmark in the order of the
 * virtual servers; a group with a fwmark entry is served as it is (no mark of its own). A reload keeps the marks
 * given out (so the services and their connections stay) and hands out new ones after the highest so far.
 */
import type { GroupMarking, VirtualServerConfig, VirtualServerGroupConfig } from '../config/model.js';
import type { Family } from '../net.js';
import type { IpvsProtocol, MarkElement, ServiceKey } from './table.js';

/** The marks handed out, by groupMarkKey, and the next one to hand out (0: none handed out yet). */
export interface GroupMarks {
  readonly byGroup: ReadonlyMap<string, number>;
  readonly next: number;
}

export const NO_GROUP_MARKS: GroupMarks = { byGroup: new Map(), next: 0 };

export function groupMarkKey(group: string, protocol: IpvsProtocol): string {
  return `${group} ${protocol}`;
}

/** The mark that serves `vs`, if any. */
export function markOf(vs: VirtualServerConfig, marks: GroupMarks): number | undefined {
  return vs.target.kind === 'group' ? marks.byGroup.get(groupMarkKey(vs.target.group, vs.protocol)) : undefined;
}

/** Marks for every group and protocol served by one: the mark it had before, else the next one. */
export function assignGroupMarks(
  servers: readonly VirtualServerConfig[],
  groups: ReadonlyMap<string, VirtualServerGroupConfig>,
  marking: GroupMarking | undefined,
  previous: GroupMarks = NO_GROUP_MARKS,
): GroupMarks {
  if (!marking) return NO_GROUP_MARKS;
  const byGroup = new Map<string, number>();
  let next = previous.next || marking.startFwmark;
  for (const vs of servers) {
    if (vs.target.kind !== 'group') continue;
    const group = groups.get(vs.target.group);
    if (!group || group.entries.some((e) => e.kind === 'fwmark')) continue;
    const key = groupMarkKey(group.name, vs.protocol);
    if (byGroup.has(key)) continue;
    const mark = previous.byGroup.get(key) ?? next++;
    byGroup.set(key, mark);
  }
  return { byGroup, next };
}

/** The services a marked group is: one per family of its ranges. */
export function markedServiceKeys(group: VirtualServerGroupConfig | undefined, mark: number): ServiceKey[] {
  const families = new Set<Family>();
  for (const e of group?.entries ?? []) if (e.kind === 'range') families.add(rangeFamily(e.first));
  return ([4, 6] as const).filter((f) => families.has(f)).map((family) => ({ family, fwmark: mark }));
}

/** Every range of every marked group under its mark, each range once per protocol (its first group's). */
export function markElements(groups: ReadonlyMap<string, VirtualServerGroupConfig>, marks: GroupMarks): MarkElement[] {
  const out: MarkElement[] = [];
  const seen = new Set<string>();
  for (const [key, mark] of marks.byGroup) {
    const at = key.lastIndexOf(' ');
    const group = groups.get(key.slice(0, at));
    const protocol = key.slice(at + 1) as IpvsProtocol;
    for (const e of group?.entries ?? []) {
      if (e.kind !== 'range') continue;
      const id = `${protocol} ${e.first} ${e.last} ${e.port}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ family: rangeFamily(e.first), protocol, first: e.first, last: e.last, port: e.port, mark });
    }
  }
  return out;
}

function rangeFamily(address: string): Family {
  return address.includes(':') ? 6 : 4;
}
