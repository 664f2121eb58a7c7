/**
 * Which address a VRRP instance sends its adverts from (keepalived's choice): IPv4, the interface's first
 * primary address; IPv6, its link-local address once DAD has passed. Addresses vipd itself added (its VIPs) never
 * count: with promote_secondaries a VIP can become the primary when the real one is deleted, and adverts from a
 * VIP would survive exactly the loss they should reveal.
 */
import { canonicalAddress, isLinkLocal6 } from '../codec/ip-address.js';
import type { Family } from '../net.js';
import type { KernelAddress } from '../ports.js';

export function pickSourceAddress(
  listed: readonly KernelAddress[],
  family: Family,
  exclude: ReadonlySet<string> = new Set(),
): string | undefined {
  const usable = listed.filter((a) => !exclude.has(canonicalAddress(a.address)));
  const pick =
    family === 4
      ? usable.find((a) => !a.secondary)
      : usable.find((a) => isLinkLocal6(a.address) && !a.tentative && !a.dadfailed);
  return pick?.address;
}
