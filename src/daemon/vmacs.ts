/**
 * The kernel side of `use_vmac`: the macvlan (through the ledger, which removes exactly what vipd made) and the
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
import type { VmacSpec } from '../core/ports.js';
import type { KernelLedger } from './ledger.js';

const ON_VMAC: Readonly<Record<string, string>> = { arp_ignore: '1', accept_local: '1', rp_filter: '0' };
const ON_BASE: Readonly<Record<string, string>> = { arp_ignore: '1', arp_filter: '1', arp_announce: '2' };

/** The MAC of an instance's VMAC: use_vmac's, else RFC 5798's virtual MAC. */
export function vmacAddress(c: InstanceConfig): Buffer {
  return c.useVmac?.mac ?? virtualMac(c.vrid, c.family);
}

/** The VMAC of an instance with use_vmac. */
export function vmacOf(c: InstanceConfig): VmacSpec | undefined {
  if (!c.useVmac) return undefined;
  return { name: c.useVmac.ifname, base: c.interface, mac: vmacAddress(c) };
}

/** Makes (or takes over) the instance's VMAC and sets the parameters; throws with the reason when it cannot. */
export async function makeVmac(ledger: KernelLedger, c: InstanceConfig): Promise<void> {
  const spec = vmacOf(c);
  if (!spec) return;
  if (!(await ledger.addVmac(c.name, spec)))
    throw new Error(`cannot make the VMAC interface ${spec.name} on ${spec.base}`);
  if (c.family !== 4) return; // ARP's parameters; IPv6 neighbour discovery answers only for the interface's own
  for (const [key, value] of Object.entries(ON_VMAC))
    ledger.setSysctl(`net/ipv4/conf/${spec.name}/${key}`, value, spec.name);
  for (const [key, value] of Object.entries(ON_BASE))
    ledger.setSysctl(`net/ipv4/conf/${spec.base}/${key}`, value, spec.name);
}

/** Removes the instance's VMAC (if vipd made it) and gives the base its parameters back if no VMAC needs them. */
export async function unmakeVmac(ledger: KernelLedger, c: InstanceConfig): Promise<void> {
  const spec = vmacOf(c);
  if (!spec) return;
  await ledger.removeVmac(spec);
  ledger.releaseSysctls(spec.name);
}
