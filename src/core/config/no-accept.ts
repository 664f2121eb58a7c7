/** no_accept: the addresses input to which vipd drops, from the configuration alone. */
import { canonicalAddress } from '../codec/ip-address.js';
import type { Family } from '../net.js';
import type { VipdConfig } from './model.js';

/** The addresses input to which is dropped: the VIPs of non-owner instances without accept mode. */
export function noAcceptAddresses(c: VipdConfig): { family: Family; address: string }[] {
  return c.instances
    .filter((i) => !i.accept && i.priority !== 255)
    .flatMap((i) =>
      [...i.vips, ...i.excludedVips].map((v) => ({ family: v.family, address: canonicalAddress(v.address) })),
    );
}
