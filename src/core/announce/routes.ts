/**
 * The two kernel routes of an announced prefix (issue 22; ../shared/reference/scale-out.md §2.2):
 * - the announcing route, `PREFIX dev lo proto vipd metric METRIC` in the main table, which the host's routing
 *   daemon turns into BGP (FRR: `redistribute kernel route-map` matching the prefix list and `match metric`);
 * - the local route, `local PREFIX dev lo table local proto vipd`, by which the host accepts the address (IPVS sees
 *   it in LOCAL_IN) without it being an interface address, which would win over the announcing route in FRR and
 *   silence the announcement.
 * Both carry vipd's own protocol number, so that `vipd cleanup` (no configuration needed) finds what a crash left.
 */
import type { AnnounceConfig } from '../config/model.js';
import type { RouteSpec } from '../net.js';

/**
 * vipd's rtnetlink protocol number: not one of iproute2's names, not FRR's own (186–198, which zebra takes for its
 * routes and would not redistribute as kernel routes) and not kube-vip's 248, whose routes `vipd cleanup` would
 * otherwise remove.
 */
export const PROTOCOL_VIPD = 245;

const TABLE_MAIN = 254;
const TABLE_LOCAL = 255;

type Prefix = AnnounceConfig['prefixes'][number];

function hostRoute(p: Prefix): Pick<RouteSpec, 'family' | 'dst' | 'prefix' | 'dev' | 'protocol'> {
  return { family: p.family, dst: p.address, prefix: p.family === 4 ? 32 : 128, dev: 'lo', protocol: PROTOCOL_VIPD };
}

const PLAIN = { onlink: false, nexthops: [], metrics: {}, mode: 'prepend', noTrack: false } as const;

export function announcingRoute(p: Prefix, metric: number): RouteSpec {
  return { ...hostRoute(p), ...PLAIN, nexthops: [], metrics: {}, type: 'unicast', table: TABLE_MAIN, metric };
}

export function localRoute(p: Prefix): RouteSpec {
  return { ...hostRoute(p), ...PLAIN, nexthops: [], metrics: {}, type: 'local', table: TABLE_LOCAL };
}
