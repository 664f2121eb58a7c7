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
import { virtualMac } from '../core/codec/ethernet.js';
import type { InstanceConfig } from '../core/config/model.js';
import type { Family, VmacSpec } from '../core/ports.js';
import type { KernelLedger } from './ledger.js';

const ON_VMAC: Readonly<Record<string, string>> = { arp_ignore: '1', accept_local: '1', rp_filter: '0' };
const ON_BASE: Readonly<Record<string, string>> = { arp_ignore: '1', arp_filter: '1', arp_announce: '2' };

/** The MAC of an instance's VMAC: use_vmac's, else RFC 5798's virtual MAC. */
export function vmacAddress(c: InstanceConfig): Buffer {
  return c.useVmac?.mac ?? virtualMac(c.vrid, c.family);
}

/** One VMAC an instance needs: its own (use_vmac, `own`) or one of its addresses'. */
export interface InstanceVmac {
  spec: VmacSpec;
  family: Family;
  own: boolean;
}

/** Every VMAC of an instance: its own first (use_vmac), then its addresses' (use_vmac_addr, an address's use_vmac). */
export function vmacsOf(c: InstanceConfig): InstanceVmac[] {
  const own: InstanceVmac[] = c.useVmac
    ? [{ spec: { name: c.useVmac.ifname, base: c.interface, mac: vmacAddress(c) }, family: c.family, own: true }]
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
    throw new Error(`cannot make the VMAC interface ${spec.name} on ${spec.base}`);
  if (v.family !== 4) return; // ARP's parameters; IPv6 neighbour discovery answers only for the interface's own
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
