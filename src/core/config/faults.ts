/** What a configuration alone puts an instance in FAULT for, as keepalived 2.2.7 does. */
import type { InstanceConfig } from './model.js';

/**
 * Why keepalived 2.2.7 keeps an instance in FAULT for its configuration alone: unicast_fault_no_peer without a
 * peer; an IPv4 use_ipvlan without an address, or with one of the other family.
 */
export function configFaults(c: InstanceConfig): string[] {
  const out: string[] = [];
  if (c.noPeerFault) out.push('unicast_fault_no_peer: no unicast peer');
  const ipvlan = c.useVmac?.ipvlan;
  if (ipvlan && c.family === 4 && !ipvlan.address) out.push('use_ipvlan: an IPv4 ipvlan needs an address');
  if (ipvlan?.address && ipvlan.address.family !== c.family) {
    out.push(`use_ipvlan: ${ipvlan.address.address} is not IPv${c.family}`);
  }
  return out;
}
