/**
 * The kernel side of `use_vmac` (and of the VMACs of addresses, `use_vmac_addr`): the macvlan (through the ledger, which removes exactly what vipd made) and the
 * kernel parameters that make it work, as keepalived sets them (vrrp_if_config.c) plus one of vipd's own:
 *
 * - on the VMAC: arp_ignore=1 (answer only for its own addresses), accept_local=1, rp_filter=0;
 * - on the base interface: arp_ignore=1 and arp_filter=1 (never answer for a VIP with the base's MAC), and
 *   arp_announce=2 (vipd): the master's replies leave by the base interface, and without it the ARP request
 *   the kernel sends from there carries the VIP as its sender address and teaches every client the base MAC
 *   for the VIP, which is the very thing VMAC is for. The base's values are restored when its last VMAC goes.
 */
import { virtualMac } from '../../core/codec/ethernet.js';
import type { InstanceConfig } from '../../core/config/model.js';
import { VipdError } from '../../core/errors.js';
import type { AddressSpec, Family, VmacSpec } from '../../core/net.js';
import type { KernelLedger } from '../ledger.js';

const ON_VMAC: Readonly<Record<string, string>> = { arp_ignore: '1', accept_local: '1', rp_filter: '0' };
const ON_BASE: Readonly<Record<string, string>> = { arp_ignore: '1', arp_filter: '1', arp_announce: '2' };

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

/** Makes (or takes over) a VMAC and sets the parameters; throws with the reason when it cannot. */
export async function makeVmac(ledger: KernelLedger, owner: string, v: InstanceVmac): Promise<void> {
  const { spec } = v;
  if (!(await ledger.addVmac(owner, spec)))
    throw new VipdError('VIPD_ERR_VMAC', `cannot make the VMAC interface ${spec.name} on ${spec.base}`);
  if (v.ipv6Off) ledger.setSysctl(`net/ipv6/conf/${spec.name}/disable_ipv6`, '1', spec.name);
  // ARP's parameters; IPv6 neighbour discovery answers only for the interface's own. An ipvlan has its base's MAC.
  if (spec.ipvlan || v.family !== 4) return;
  for (const [key, value] of Object.entries(ON_VMAC))
    ledger.setSysctl(`net/ipv4/conf/${spec.name}/${key}`, value, spec.name);
  for (const [key, value] of Object.entries(ON_BASE))
    ledger.setSysctl(`net/ipv4/conf/${spec.base}/${key}`, value, spec.name);
}

/** Removes a VMAC (if vipd made it) and gives the base its parameters back if no VMAC needs them. */
export async function unmakeVmac(ledger: KernelLedger, v: InstanceVmac): Promise<void> {
  await ledger.removeVmac(v.spec);
  ledger.releaseSysctls(v.spec.name);
}
