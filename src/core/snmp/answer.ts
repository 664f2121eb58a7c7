/**
 * Answers the master's Get, GetNext and GetBulk from one view of the MIB: its objects, sorted by OID (RFC 2741
 * §7.2.3). Pure: the same view and request give the same varbinds.
 */
import { compareOids, type Oid, type Received, type SearchRange, TYPE, type VarBind } from './agentx.js';

/** The first object at or after `from` (binary search). */
function firstFrom(view: readonly VarBind[], from: Oid, include: boolean): number {
  let lo = 0;
  let hi = view.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = compareOids((view[mid] as VarBind).oid, from);
    if (c < 0 || (c === 0 && !include)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Get: the object itself, or noSuchObject. */
export function get(view: readonly VarBind[], range: SearchRange): VarBind {
  const i = firstFrom(view, range.start, true);
  const found = view[i];
  return found && compareOids(found.oid, range.start) === 0 ? found : { oid: range.start, type: TYPE.noSuchObject };
}

/** GetNext: the first object after the start (at it with `include`) and below the end, or endOfMibView. */
export function getNext(view: readonly VarBind[], range: SearchRange): VarBind {
  const found = view[firstFrom(view, range.start, range.include)];
  if (!found || (range.end.length > 0 && compareOids(found.oid, range.end) >= 0)) {
    return { oid: range.start, type: TYPE.endOfMibView };
  }
  return found;
}

/**
 * GetBulk: the non-repeaters once each, then the repeaters row after row, each going on from its last answer,
 * until max-repetitions or every repeater is at the end of the view.
 */
export function getBulk(
  view: readonly VarBind[],
  nonRepeaters: number,
  maxRepetitions: number,
  ranges: readonly SearchRange[],
): VarBind[] {
  const out = ranges.slice(0, nonRepeaters).map((r) => getNext(view, r));
  let repeaters = ranges.slice(nonRepeaters);
  for (let rep = 0; rep < maxRepetitions && repeaters.length > 0; rep++) {
    const row = repeaters.map((r) => getNext(view, r));
    out.push(...row);
    if (row.every((vb) => vb.type === TYPE.endOfMibView)) break;
    repeaters = repeaters.map((r, i) => ({ start: (row[i] as VarBind).oid, include: false, end: r.end }));
  }
  return out;
}

/** The varbinds that answer a Get, GetNext or GetBulk. */
export function answerRequest(
  view: readonly VarBind[],
  pdu: Extract<Received, { kind: 'get' | 'getNext' | 'getBulk' }>,
): VarBind[] {
  if (pdu.kind === 'getBulk') return getBulk(view, pdu.nonRepeaters, pdu.maxRepetitions, pdu.ranges);
  return pdu.ranges.map((r) => (pdu.kind === 'get' ? get(view, r) : getNext(view, r)));
}
