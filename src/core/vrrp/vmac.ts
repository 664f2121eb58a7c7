/**
 * What an instance's VMACs are, from its configuration alone: their names, bases and MACs, and the address its own
 * VMAC carries. The daemon makes them; the reload plan compares them.
 */
import { virtualMac } from '../codec/ethernet.js';
import type { InstanceConfig } from '../config/model.js';
import type { AddressSpec, Family, VmacSpec } from '../net.js';

/**
 * The MAC of an instance's VMAC: use_vmac's, else RFC 5798's virtual MAC. Undefined without one, and for an ipvlan
 * (its MAC is its base's).
 */
export function vmacAddress(c: InstanceConfig): Buffer | undefined {
  if (!c.useVmac || c.useVmac.ipvlan) return undefined;
  return c.useVmac.mac ?? virtualMac(c.vrid, c.family);
}

/**
 * The address an instance's own VMAC carries as the host's (outside the ledger; it goes with the interface): an
 * ipvlan's address (use_ipvlan ADDRESS), or, on an IPv6 VMAC that sends the adverts, their link-local source.
 */
export function ownVmacAddress(c: InstanceConfig, source: string): AddressSpec | undefined {
  const vmac = c.useVmac;
  if (!vmac) return undefined;
  if (vmac.ipvlan) {
    const a = vmac.ipvlan.address;
    return a && { family: a.family, address: a.address, prefix: a.prefix, dev: vmac.ifname };
  }
  if (c.family !== 6 || c.vmacXmitBase) return undefined;
  // Deprecated, as keepalived adds it: never the kernel's choice of source for the host's own traffic.
  return { family: 6, address: source, prefix: 64, dev: vmac.ifname, preferredLifetimeS: 0 };
}

/** One VMAC an instance needs: its own (use_vmac, `own`) or one of its addresses'. */
export interface InstanceVmac {
  spec: VmacSpec;
  family: Family;
  own: boolean;
  /** An IPv4 instance's ipvlan without eVIPs of the other family: IPv6 off on it (keepalived). */
  ipv6Off?: boolean;
}

/** Every VMAC of an instance: its own first (use_vmac), then its addresses' (use_vmac_addr, an address's use_vmac). */
export function vmacsOf(c: InstanceConfig): InstanceVmac[] {
  const v = c.useVmac;
  const ipvlan = v?.ipvlan?.flags;
  const ipv6Off = ipvlan !== undefined && c.family === 4 && !c.excludedVips.some((a) => a.family === 6);
  const mac = vmacAddress(c) ?? Buffer.alloc(6);
  const own: InstanceVmac[] = v
    ? [{ spec: { name: v.ifname, base: c.interface, mac, ipvlan }, family: c.family, own: true, ipv6Off }]
    : [];
  return [
    ...own,
    ...c.addressVmacs.map((a) => ({ spec: { name: a.name, base: a.base, mac: a.mac }, family: a.family, own: false })),
  ];
}
