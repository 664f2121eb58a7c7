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
import { canonicalAddress, isLinkLocal6 } from '../../core/codec/ip-address.js';
import type { InstanceConfig } from '../../core/config/model.js';
import { StartupError, VipdError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { VmacSpec } from '../../core/net.js';
import type { AddressPort, LinkInfo, LinkWatcher, SysctlPort } from '../../core/ports.js';
import { type InstanceVmac, ownVmacAddress } from '../../core/vrrp/vmac.js';
import type { KernelLedger } from '../ledger.js';

const ON_VMAC: Readonly<Record<string, string>> = { arp_ignore: '1', accept_local: '1', rp_filter: '0' };
const ON_BASE: Readonly<Record<string, string>> = { arp_ignore: '1', arp_filter: '1', arp_announce: '2' };

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

export interface VmacEdges {
  ledger: KernelLedger;
  links: Pick<LinkWatcher, 'get'>;
  addresses: Pick<AddressPort, 'add' | 'list'>;
  sysctl?: Pick<SysctlPort, 'read'> | undefined;
  /** An instance's own VMAC carries its sockets: bind them to this link (made, or made again). */
  bindOwn(c: InstanceConfig, v: InstanceVmac, link: LinkInfo): void;
}

/**
 * The VMAC interfaces of the running instances, as vipd made them: made (or taken over), their own addresses put
 * on them, and what the kernel-following needs to know to make them again when they go.
 */
export class Vmacs {
  /** The index of each address VMAC as vipd made it (gone: absent); an own VMAC's is its bound interface's. */
  private readonly addressIndex = new Map<string, number>();
  /** The link-local address put on each IPv6 address VMAC, with the VMAC. */
  private readonly linkLocals = new Map<string, { address: string; vmac: VmacSpec }>();

  constructor(
    private readonly edges: VmacEdges,
    private readonly log: Logger,
  ) {}

  /** Makes (or takes over) `v` for `c`, with its addresses and sockets; throws StartupError when it cannot. */
  async ensure(c: InstanceConfig, v: InstanceVmac): Promise<void> {
    const name = v.spec.name;
    try {
      await makeVmac(this.edges.ledger, c.name, v);
    } catch (err) {
      throw new StartupError(`instance ${c.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const link = await this.edges.links.get(name);
    if (!link) throw new StartupError(`instance ${c.name}: the VMAC interface ${name} vanished as it was made`);
    if (!v.own) {
      this.addressIndex.set(name, link.index);
      if (v.family === 6) await this.putLinkLocal(v.spec);
      return;
    }
    const all = this.edges.sysctl?.read('net/ipv4/conf/all/rp_filter');
    if (all !== undefined && all !== '0' && !v.spec.ipvlan) {
      this.log.warn(
        { instance: c.name, vmac: name, allRpFilter: all },
        "net.ipv4.conf.all.rp_filter is not 0: the VMAC may drop its clients' packets (set it to 0, as keepalived does)",
      );
    }
    this.edges.bindOwn(c, v, link);
  }

  /**
   * The address the instance's own VMAC carries (ownVmacAddress): an IPv6 VMAC sends adverts from the instance's
   * link-local source, which must then be on the VMAC itself (the kernel sends from a link-local address only on its
   * own interface), and an ipvlan holds its configured address, its advert source; keepalived adds both too. Added
   * outside the ledger: it is the host's own address, goes with the VMAC, and must stay usable as the advert source.
   */
  async putOwnAddress(c: InstanceConfig, source: string): Promise<void> {
    const spec = ownVmacAddress(c, source);
    if (!spec) return;
    await this.edges.addresses.add(spec).catch((err: unknown) => {
      throw new StartupError(`instance ${c.name}: cannot put ${spec.address} on its VMAC ${spec.dev}: ${String(err)}`);
    });
  }

  /** The index an address VMAC had when vipd made it (undefined: not made, or gone since). */
  addressVmacIndex(name: string): number | undefined {
    return this.addressIndex.get(name);
  }

  /** A link went: if it was an address VMAC as vipd made it, that VMAC is gone. */
  linkDeleted(name: string, index: number): void {
    if (this.addressIndex.get(name) === index) this.addressIndex.delete(name);
  }

  /** The link-local address of an IPv6 address VMAC deleted by hand (not in `present`): put back. */
  async restoreLinkLocal(dev: string, present: ReadonlySet<string>): Promise<void> {
    const put = this.linkLocals.get(dev);
    if (put && !present.has(canonicalAddress(put.address))) await this.putLinkLocal(put.vmac);
  }

  /** Removes `v` (if vipd made it) and forgets it. */
  async unmake(v: InstanceVmac): Promise<void> {
    await unmakeVmac(this.edges.ledger, v);
    this.addressIndex.delete(v.spec.name);
    this.linkLocals.delete(v.spec.name);
  }

  /**
   * An IPv6 address VMAC gets its base's link-local address, deprecated (never a source of the host's own traffic),
   * as keepalived gives it: without one the kernel has no source for the VMAC's MLD reports, and a switch that
   * snoops MLD would not forward neighbour solicitations for the address to it. The host's own address, outside the
   * ledger, as the own VMAC's source; put back when deleted.
   */
  private async putLinkLocal(vmac: VmacSpec): Promise<void> {
    const listed = await this.edges.addresses.list(vmac.base, 6).catch(() => undefined);
    const address = listed?.find((a) => isLinkLocal6(a.address))?.address;
    if (address === undefined) return;
    this.linkLocals.set(vmac.name, { address, vmac });
    const spec = { family: 6 as const, address, prefix: 64, dev: vmac.name, preferredLifetimeS: 0 };
    await this.edges.addresses
      .add(spec)
      .catch((err: unknown) => this.log.warn({ err, vmac: vmac.name, address }, 'cannot put a link-local on the VMAC'));
  }
}
