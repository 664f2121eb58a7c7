/**
 * Desired against actual: the ordered IPVS operations that turn the kernel's table into the one vipd wants,
 * touching only services vipd owns. Pure and idempotent: reconciling a table with itself gives no operation.
 *
 * Ownership: a service is vipd's when it is desired, or when vipd programmed it before (`owned`, kept by the
 * daemon's ledger): an owned service no longer desired is removed, any other service in the kernel is left
 * alone. Inside a service vipd owns, the destinations are all vipd's: one added by hand is removed.
 *
 * Order, per service: add or edit the service, add and edit destinations, then remove the ones not wanted —
 * adding before removing, so a service switching to its sorry server is never left without a destination.
 * Services no longer wanted go last.
 *
 * `mh` (Maglev): the kernel builds its lookup table walking the destinations in the order they were added (it
 * lists them newest first), so two directors have the same table only if they added the same destinations in the
 * same order. The order vipd wants is the configuration's; where the kernel's differs (a reload added a real server
 * in the middle, a destination deleted by hand and put back), the destinations from the first one out of place on
 * are removed and added again in order (IPVS keeps a removed destination's connections, and takes them back with it).
 */
import {
  type DestKey,
  destId,
  destIn,
  type IpvsDest,
  type IpvsService,
  SETTABLE_FLAGS,
  type ServiceKey,
  serviceId,
} from './table.js';

export type IpvsOp =
  | { op: 'add-service'; service: IpvsService }
  | { op: 'edit-service'; service: IpvsService }
  | { op: 'remove-service'; key: ServiceKey }
  | { op: 'add-dest'; key: ServiceKey; dest: IpvsDest }
  | { op: 'edit-dest'; key: ServiceKey; dest: IpvsDest }
  | { op: 'remove-dest'; key: ServiceKey; dest: DestKey };

export function reconcile(
  desired: readonly IpvsService[],
  actual: readonly IpvsService[],
  owned: ReadonlySet<string> = new Set(),
): IpvsOp[] {
  const ops: IpvsOp[] = [];
  const actualById = new Map(actual.map((s) => [serviceId(s.key), s]));
  const wanted = new Set<string>();
  for (const want of desired) {
    const id = serviceId(want.key);
    wanted.add(id);
    const have = actualById.get(id);
    if (!have) {
      ops.push({ op: 'add-service', service: want });
      for (const dest of want.dests) ops.push({ op: 'add-dest', key: want.key, dest });
      continue;
    }
    if (!sameService(want, have)) ops.push({ op: 'edit-service', service: want });
    const haveDests = new Map(have.dests.map((d) => [destId(d), d]));
    const wantIds = new Set(want.dests.map(destId));
    const again = want.scheduler === 'mh' ? outOfOrder(want, have, wantIds) : new Set<string>();
    for (const dest of want.dests) {
      const did = destId(dest);
      if (again.has(did))
        ops.push({ op: 'remove-dest', key: want.key, dest: { address: dest.address, port: dest.port } });
    }
    for (const dest of want.dests) {
      const did = destId(dest);
      const cur = again.has(did) ? undefined : haveDests.get(did);
      if (!cur) ops.push({ op: 'add-dest', key: want.key, dest });
      else if (!sameDest(dest, cur)) ops.push({ op: 'edit-dest', key: want.key, dest });
    }
    for (const [did, cur] of haveDests) {
      if (!wantIds.has(did))
        ops.push({ op: 'remove-dest', key: want.key, dest: { address: cur.address, port: cur.port } });
    }
  }
  for (const have of actual) {
    const id = serviceId(have.key);
    if (!wanted.has(id) && owned.has(id)) ops.push({ op: 'remove-service', key: have.key });
  }
  return ops;
}

/**
 * The wanted destinations of an mh service that are in the kernel but not in their place in the order they were
 * added (the kernel lists newest first): from the first one out of place on.
 */
function outOfOrder(want: IpvsService, have: IpvsService, wantIds: ReadonlySet<string>): Set<string> {
  const added = have.dests
    .map(destId)
    .reverse()
    .filter((id) => wantIds.has(id));
  const order = want.dests.map(destId);
  let k = 0;
  while (k < added.length && added[k] === order[k]) k++;
  const present = new Set(added);
  return new Set(order.slice(k).filter((id) => present.has(id)));
}

function sameService(a: IpvsService, b: IpvsService): boolean {
  return (
    a.scheduler === b.scheduler &&
    (a.flags & SETTABLE_FLAGS) === (b.flags & SETTABLE_FLAGS) &&
    a.timeoutS === b.timeoutS &&
    a.netmask === b.netmask &&
    (a.pe ?? '') === (b.pe ?? '')
  );
}

function sameDest(a: IpvsDest, b: IpvsDest): boolean {
  return (
    a.method === b.method &&
    a.weight === b.weight &&
    a.upperThreshold === b.upperThreshold &&
    a.lowerThreshold === b.lowerThreshold &&
    (a.method !== 'TUN' ||
      ((a.tunnel?.type ?? 'ipip') === (b.tunnel?.type ?? 'ipip') &&
        (a.tunnel?.port ?? 0) === (b.tunnel?.port ?? 0) &&
        (a.tunnel?.csum ?? 'nocsum') === (b.tunnel?.csum ?? 'nocsum')))
  );
}

/**
 * One real server's row changed (`before` → `after`, undefined: not in the table) in every service of its virtual
 * server: only its own destination is added, removed or re-weighted.
 */
export function rowOps(
  keys: readonly ServiceKey[],
  before: IpvsDest | undefined,
  after: IpvsDest | undefined,
): IpvsOp[] {
  return keys.flatMap((key): IpvsOp[] => {
    if (after && !before) return [{ op: 'add-dest', key, dest: destIn(key, after) }];
    if (before && !after) {
      const { address, port } = destIn(key, before);
      return [{ op: 'remove-dest', key, dest: { address, port } }];
    }
    if (before && after && before.weight !== after.weight) return [{ op: 'edit-dest', key, dest: destIn(key, after) }];
    return [];
  });
}
