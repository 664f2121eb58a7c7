/**
 * keepalived's VMACs for addresses (`use_vmac_addr` in an instance, `use_vmac` on one address line): a private
 * macvlan with the VRRP virtual MAC on the address's own interface, so that the address is answered for with a MAC
 * that moves with mastership even where the instance itself does not use that interface (or that family).
 *
 * Which addresses (keepalived 2.2.7, vrrp_complete_instance): an address on the instance's interface of the
 * instance's family goes on the instance's VMAC if it has one, else stays on the interface; `use_vmac` on it then
 * asks for its own VMAC there. An address of the other family on the instance's interface, or on another interface,
 * gets a VMAC with `use_vmac` on its line or `use_vmac_addr` in the instance. One VMAC per (interface, family, MAC)
 * and VRID, shared by the addresses that need it.
 *
 * Names, of these and of an instance's own VMAC written without one: PREFIX.VRID (PREFIX: vmac_prefix for the
 * instance's own, vmac_addr_prefix for an address's, else "vrrp"), else PREFIX1.VRID, PREFIX2.VRID ... (IPv6 tries
 * PREFIX6.VRID first), the first that no VMAC named in the file and none named before has. keepalived also passes
 * over a name an existing interface holds; vipd names at load time, and an interface of that name that is not a
 * macvlan on that base refuses the instance at start with the reason.
 */
import { virtualMac } from '../codec/ethernet.js';
import type { AddressSpec, Family } from '../net.js';
import type { AddressVmac, InstanceConfig } from './model.js';

const IFNAMSIZ = 16;

/** What the placement needs to know of the instance. */
export interface VmacPlacementInstance {
  interface: string;
  family: Family;
  vrid: number;
  /** The instance's own VMAC (use_vmac). */
  vmacName?: string | undefined;
  /** use_vmac's MAC, when written: address VMACs get it too. */
  vmacMac?: Buffer | undefined;
  useVmacAddr: boolean;
}

export interface PlacedAddress {
  /** The device the address goes on: for an address VMAC, its key until it is named. */
  dev: string;
  /** The address VMAC it needs (named by its key), if any. */
  vmac?: AddressVmac | undefined;
  /** Why the line's `use_vmac` changes nothing (keepalived reports it and carries on). */
  redundant?: string | undefined;
}

/** Where one (e)VIP goes, given its family, its dev (the instance's interface when it names none) and use_vmac. */
export function placeAddress(
  i: VmacPlacementInstance,
  address: { family: Family; dev: string; useVmac: boolean },
): PlacedAddress {
  const onBase = address.dev === i.interface;
  const sameFamily = address.family === i.family;
  let own = address.useVmac;
  let redundant: string | undefined;
  if (own && onBase && i.vmacName !== undefined && sameFamily) {
    own = false;
    redundant = `the instance's use_vmac already puts it on ${i.vmacName}`;
  } else if (own && (!onBase || !sameFamily) && i.useVmacAddr) {
    redundant = "the instance's use_vmac_addr already gives it a VMAC";
  }
  if (onBase && sameFamily && i.vmacName !== undefined) return { dev: i.vmacName, redundant };
  const needs = own || (i.useVmacAddr && (!onBase || !sameFamily));
  if (!needs) return { dev: address.dev, redundant };
  const mac = i.vmacMac ?? virtualMac(i.vrid, address.family);
  const key = vmacKey({ base: address.dev, family: address.family, mac });
  return { dev: key, vmac: { name: key, base: address.dev, family: address.family, mac }, redundant };
}

/** keepalived's create_vmac_name sequence: PREFIX.VRID, then numbered (IPv6 tries 6 first, then 1, 2, ... 5, 7). */
export function* vmacNameCandidates(prefix: string, vrid: number, family: Family): Generator<string> {
  const named = (num: string) => {
    const tail = `${num}.${vrid}`;
    return `${prefix.slice(0, IFNAMSIZ - 1 - tail.length)}${tail}`;
  };
  yield named('');
  const order = family === 6 ? [6, 1, 2, 3, 4, 5] : [1, 2, 3, 4, 5, 6];
  for (const n of order) yield named(String(n));
  for (let n = 7; n < 10_000; n++) yield named(String(n));
}

/**
 * Until named, an address VMAC's name is this key (with a '/', which no interface name has), and so is the dev of
 * each address that goes on it.
 */
export function vmacKey(v: { base: string; family: Family; mac: Buffer }): string {
  return `${v.base}/${v.family}/${v.mac.toString('hex')}`;
}

/** Until named, an instance's own VMAC (or ipvlan) written without a name has this key as its name. */
export function ownVmacKey(vrid: number, family: Family): string {
  return `own/${vrid}/${family}`;
}

/**
 * Names the VMACs written without a name, instance by instance in the order of the configuration, as keepalived
 * completes them: first the instance's own (use_vmac, use_ipvlan: PREFIX.VRID with vmac_prefix), then its addresses'
 * (vmac_addr_prefix), each the first candidate that no VMAC named in the file and none named before holds. An
 * address VMAC already named for the same base, family, MAC and VRID is shared. Every address on one gets its name
 * as its dev.
 */
export function nameVmacs(
  instances: readonly InstanceConfig[],
  prefixes: { vmacPrefix: string; addressVmacPrefix: string },
): InstanceConfig[] {
  const unnamed = (name: string) => name.includes('/');
  const taken = new Set(instances.flatMap((i) => (i.useVmac && !unnamed(i.useVmac.ifname) ? [i.useVmac.ifname] : [])));
  const named: (AddressVmac & { vrid: number })[] = [];
  return instances.map((i) => {
    const names = new Map<string, string>();
    let useVmac = i.useVmac;
    if (useVmac && unnamed(useVmac.ifname)) {
      const name = firstFree(vmacNameCandidates(prefixes.vmacPrefix, i.vrid, i.family), taken);
      taken.add(name);
      names.set(useVmac.ifname, name);
      useVmac = { ...useVmac, ifname: name };
    }
    const addressVmacs = i.addressVmacs.map((w) => {
      const same = named.find(
        (n) => n.vrid === i.vrid && n.base === w.base && n.family === w.family && n.mac.equals(w.mac),
      );
      let name = same?.name;
      if (name === undefined) {
        name = firstFree(vmacNameCandidates(prefixes.addressVmacPrefix, i.vrid, w.family), taken);
        taken.add(name);
        named.push({ ...w, name, vrid: i.vrid });
      }
      names.set(w.name, name);
      return { ...w, name };
    });
    if (names.size === 0) return i;
    const rename = (a: AddressSpec) => {
      const name = names.get(a.dev);
      return name === undefined ? a : { ...a, dev: name };
    };
    return { ...i, useVmac, addressVmacs, vips: i.vips.map(rename), excludedVips: i.excludedVips.map(rename) };
  });
}

function firstFree(candidates: Iterable<string>, taken: ReadonlySet<string>): string {
  let last = '';
  for (const c of candidates) {
    if (!taken.has(c)) return c;
    last = c;
  }
  return last; // ten thousand address VMACs of one VRID: the loader refuses the duplicate name
}
