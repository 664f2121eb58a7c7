/**
 * The kernel changing under vipd: links up, down, deleted, renamed and made again; addresses added and removed.
 * vipd's picture is kept true by these events and by re-reading the kernel, never assumed from what vipd did:
 * an interface made again gets new sockets and its source address read again; a VIP, static address, VMAC or
 * advert source deleted by hand is put back; an interface gone puts its instances in FAULT until it returns.
 * Re-checks run per device in order (DeviceQueues); a burst of address events costs one re-check.
 */
import { canonicalAddress } from '../../core/codec/ip-address.js';
import type { InstanceConfig, VipdConfig } from '../../core/config/model.js';
import { addressInterfaces, trackGroupInterfaces } from '../../core/config/tracking.js';
import type { Logger } from '../../core/log.js';
import type { Family } from '../../core/net.js';
import type { AddressChange, AddressPort, KernelAddress, LinkInfo, LinkWatcher } from '../../core/ports.js';
import { pickSourceAddress } from '../../core/vrrp/source-address.js';
import { type InstanceVmac, ownVmacAddress, vmacsOf } from '../../core/vrrp/vmac.js';
import type { DeviceQueues } from '../device-queues.js';
import type { Statics } from '../statics.js';
import type { InstanceRuntime } from './advertiser.js';
import { type InstanceRunner, SOURCE_ADDRESS_FAULT } from './instance.js';
import type { BoundInterface } from './interface-binding.js';
import type { LinkDebounce } from './link-debounce.js';
import type { Vmacs } from './vmacs.js';

/** An IPv6 link-local address is unusable while DAD runs (about 1 s after link up): start-up waits this long. */
const SOURCE_ADDRESS_ATTEMPTS = 30;
const SOURCE_ADDRESS_RETRY_MS = 100;

export interface KernelEventEdges {
  links: Pick<LinkWatcher, 'get'>;
  addresses: Pick<AddressPort, 'list'>;
  /** A sleep on the daemon's clock (tests); else a timer. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** Whether vipd added this address (never an advert source). */
  ownsAddress(address: string): boolean;
  config(): VipdConfig;
  instances(): readonly InstanceRunner[];
  /** The interfaces with VRRP sockets, by name (the daemon's; read here). */
  interfaces: ReadonlyMap<string, BoundInterface>;
  stopping(): boolean;
  trackers: { linkChanged(name: string, up: boolean): void };
  linkDebounce: LinkDebounce;
  deviceQueues: DeviceQueues;
  statics: Statics;
  vmacs: Vmacs;
  /** A VMAC to make again (deleted behind vipd, or its base interface back). */
  remakeVmac(r: InstanceRunner, v: InstanceVmac): Promise<void>;
  /** Routes and rules may have gone (a link came up again): put vipd's back. */
  routingChanged(): void;
  /** promote_secondaries, on an interface made again with the kernel's defaults. */
  promoteSecondaries(c: InstanceConfig): void;
  /** What an instance sends with on `b` from `primary`. */
  runtimeOf(c: InstanceConfig, b: BoundInterface, primary: string): InstanceRuntime;
}

export class KernelEvents {
  /** Tracked interfaces whose state has been read from the kernel (seedTrackedLinks). */
  private readonly seeded = new Set<string>();

  constructor(
    private readonly edges: KernelEventEdges,
    private readonly log: Logger,
  ) {}

  /** The instance's advert source, waited for while IPv6 DAD runs (at start and when a new instance starts). */
  async waitForSourceAddress(c: InstanceConfig): Promise<string | undefined> {
    const sleep = this.edges.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    for (let attempt = 0; attempt < SOURCE_ADDRESS_ATTEMPTS; attempt++) {
      const listed = await this.listAddresses(c.interface, c.family);
      const a = listed && this.sourceAddress(listed, c.family);
      if (a) return a;
      await sleep(SOURCE_ADDRESS_RETRY_MS);
    }
    return undefined;
  }

  /** The advert source among `listed`, never one of the VIPs vipd added. */
  sourceAddress(listed: readonly KernelAddress[], family: Family): string | undefined {
    const ours = listed.map((a) => a.address).filter((a) => this.edges.ownsAddress(a));
    return pickSourceAddress(listed, family, new Set(ours.map(canonicalAddress)));
  }

  /** The kernel's addresses on a device, or undefined when it cannot tell (the device is gone). */
  async listAddresses(dev: string, family: Family): Promise<KernelAddress[] | undefined> {
    try {
      return await this.edges.addresses.list(dev, family);
    } catch (err) {
      this.log.debug({ err, dev, family }, 'cannot list addresses');
      return undefined;
    }
  }

  /** A link changed: up and down, deleted, renamed, made again. */
  linkChanged(link: LinkInfo): void {
    if (this.edges.stopping()) return;
    // Up and down pass through interface_up_down_delays; a deleted or renamed interface is acted on at once.
    const upDown = (up: boolean) => {
      this.edges.trackers.linkChanged(link.name, up);
      const bound = this.edges.interfaces.get(link.name);
      if (bound && bound.index === link.index) for (const r of this.runnersOn(bound)) r.linkChanged(up);
    };
    if (!link.deleted) this.edges.linkDebounce.changed(link.name, link.up, upDown);
    else {
      this.edges.linkDebounce.deleted(link.name);
      this.edges.trackers.linkChanged(link.name, false);
    }
    if (link.deleted) this.edges.vmacs.linkDeleted(link.name, link.index);
    for (const r of this.edges.instances()) {
      if (r.leaving) continue;
      for (const v of vmacsOf(r.config)) {
        const vmac = v.spec.name;
        const gone = link.name === vmac && link.deleted;
        // The base interface back (after being deleted): its VMAC went with it and is made again.
        const made = v.own ? this.edges.interfaces.get(vmac)?.index : this.edges.vmacs.addressVmacIndex(vmac);
        const baseBack = link.name === v.spec.base && !link.deleted && made === undefined;
        if (gone || baseBack) {
          if (gone)
            this.log.warn({ instance: r.config.name, vmac }, 'VMAC interface deleted behind vipd: making it again');
          this.edges.deviceQueues.run(vmac, () => this.edges.remakeVmac(r, v));
        }
      }
    }
    // An interface holding static addresses, created (again): they went with the old one and are put back. No
    // address event says so, the new link has none.
    if (!link.deleted) {
      if (link.up) this.edges.routingChanged();
      for (const family of new Set(
        this.edges
          .config()
          .staticAddresses.filter((a) => a.dev === link.name)
          .map((a) => a.family),
      )) {
        this.edges.deviceQueues.run(link.name, () => this.recheckAddresses(link.name, family));
      }
    }
    for (const b of this.edges.interfaces.values()) {
      // The index vipd's sockets are bound to went away, or now carries another name: for vipd it is gone.
      if (b.index === link.index && (link.deleted || b.name !== link.name)) {
        this.interfaceGone(b, link.deleted ? 'deleted' : `renamed to ${link.name}`);
      }
    }
    const b = this.edges.interfaces.get(link.name);
    if (!b || link.deleted) return;
    if (b.index === link.index) {
      b.update(link);
      return;
    }
    // An interface of that name appeared: a new index, new sockets, perhaps a new MAC and source address.
    this.edges.deviceQueues.run(b.name, () => this.interfaceAppeared(b, link));
  }

  /**
   * The interfaces instances track (track_interface, their (e)VIPs', and their track groups' static addresses,
   * routes and rules)
   * start from the kernel's state of them, each once: later, link events keep it (a reload adds new ones).
   */
  async seedTrackedLinks(known: ReadonlyMap<string, LinkInfo>): Promise<void> {
    const tracked = [
      ...this.edges
        .config()
        .instances.flatMap((c) => [...c.trackInterfaces.map((t) => t.interface), ...addressInterfaces(c)]),
      ...[...trackGroupInterfaces(this.edges.config()).values()].flat(),
      ...this.edges.config().announces.flatMap((a) => a.trackers.trackInterfaces.map((t) => t.interface)),
    ];
    for (const name of new Set(tracked)) {
      if (this.seeded.has(name)) continue;
      this.seeded.add(name);
      const link = known.get(name) ?? (await this.edges.links.get(name));
      if (!link) this.log.warn({ interface: name }, 'tracked interface does not exist: counted as down');
      else this.edges.linkDebounce.seed(name, link.up);
      this.edges.trackers.linkChanged(name, link?.up ?? false);
    }
  }

  private interfaceGone(b: BoundInterface, how: string): void {
    b.detach();
    for (const r of this.runnersOn(b)) {
      r.linkChanged(false, `interface ${b.name} ${how}`);
      r.setFault(SOURCE_ADDRESS_FAULT, true, `interface ${b.name} ${how}`);
    }
  }

  /** Sockets first, then the source address; only then may the instances leave FAULT. */
  private async interfaceAppeared(b: BoundInterface, link: LinkInfo): Promise<void> {
    if (this.edges.stopping()) return;
    const current = (await this.edges.links.get(b.name)) ?? link;
    if (current.index === b.index) return; // an earlier event already bound it
    try {
      b.attach(current);
    } catch (err) {
      // Faults stay on; the next event for this interface tries again.
      this.log.error({ err, interface: b.name }, 'cannot open sockets on the re-created interface');
      return;
    }
    this.log.info({ interface: b.name, index: current.index }, 'interface appeared: sockets re-opened');
    // A new interface has the kernel's defaults: promote_secondaries again.
    for (const r of this.runnersOn(b)) this.edges.promoteSecondaries(r.config);
    for (const family of b.receivers.keys()) await this.recheckSource(b, family);
    for (const r of this.runnersOn(b)) r.linkChanged(b.up);
  }

  /** An address came or went on some device: that device and family re-read, if vipd uses the device. */
  addressChanged(change: AddressChange): void {
    if (this.edges.stopping()) return;
    const dev = change.dev ?? [...this.edges.interfaces.values()].find((b) => b.index === change.index)?.name;
    if (dev === undefined || !this.usesDevice(dev)) return;
    this.edges.deviceQueues.coalesce(dev, `${dev}/${change.family}`, () => this.recheckAddresses(dev, change.family));
  }

  /** Re-reads the addresses of one device and family, and brings every instance's view in line with them. */
  async recheckAddresses(dev: string, family: Family): Promise<void> {
    // One read of the kernel serves both the advert source and the VIPs.
    const listed = await this.listAddresses(dev, family);
    const b = this.edges.interfaces.get(dev);
    if (b?.receivers.has(family)) this.applySource(b, family, b.index === undefined ? undefined : listed);
    if (this.edges.stopping()) return;
    if (!listed) return this.edges.statics.addressesOn(dev, family, undefined);
    const present = new Set(listed.map((a) => canonicalAddress(a.address)));
    for (const r of this.edges.instances()) {
      r.restoreVips(dev, family, present);
      // An IPv6 VMAC's advert source deleted by hand: put back, or its adverts could not leave.
      const own = ownVmacAddress(r.config, r.primaryAddress);
      if (own?.dev === dev && own.family === family && !present.has(canonicalAddress(own.address)))
        await this.edges.vmacs.putOwnAddress(r.config, r.primaryAddress);
    }
    if (family === 6) await this.edges.vmacs.restoreLinkLocal(dev, present);
    await this.edges.statics.addressesOn(dev, family, listed);
  }

  /** Each instance of `family` on `b` sends from the address the kernel has now, or is in FAULT without one. */
  async recheckSource(b: BoundInterface, family: Family): Promise<void> {
    this.applySource(b, family, b.index === undefined ? undefined : await this.listAddresses(b.name, family));
  }

  /** `listed`: the interface's addresses of `family` as the kernel has them (undefined: it cannot tell). */
  private applySource(b: BoundInterface, family: Family, listed: KernelAddress[] | undefined): void {
    const runners = this.runnersOn(b).filter((r) => r.config.family === family && r.config.unicastSrcIp === undefined);
    const source = listed && this.sourceAddress(listed, family);
    for (const r of runners) {
      if (!source) {
        const what = family === 4 ? 'no IPv4 address' : 'no usable link-local IPv6 address';
        r.setFault(SOURCE_ADDRESS_FAULT, true, `interface ${b.name} has ${what} to send adverts from`);
        continue;
      }
      const runtime = this.edges.runtimeOf(r.config, b, source);
      if (source !== r.primaryAddress || r.hasFault(SOURCE_ADDRESS_FAULT)) r.rebind(runtime);
      r.setFault(SOURCE_ADDRESS_FAULT, false);
    }
    // A configured source: the interface being there is enough (it went with the interface and comes back with it),
    // or, with track_src_ip, that address being on it.
    if (!listed) return;
    const present = new Set(listed.map((a) => canonicalAddress(a.address)));
    for (const r of this.runnersOn(b)) {
      const src = r.config.unicastSrcIp;
      if (r.config.family !== family || src === undefined) continue;
      const missing = r.config.trackSrcIp === true && !present.has(canonicalAddress(src));
      if (!missing && r.hasFault(SOURCE_ADDRESS_FAULT)) r.rebind(this.edges.runtimeOf(r.config, b, src));
      r.setFault(SOURCE_ADDRESS_FAULT, missing, `${src} is not on interface ${b.name}`);
    }
  }

  /** The instances whose interface is `b`. */
  runnersOn(b: BoundInterface): InstanceRunner[] {
    return this.edges.instances().filter((r) => r.config.interface === b.name);
  }

  private usesDevice(dev: string): boolean {
    return (
      this.edges.interfaces.has(dev) ||
      this.edges.config().instances.some((c) => c.vips.some((v) => v.dev === dev)) ||
      this.edges.config().staticAddresses.some((a) => a.dev === dev)
    );
  }
}
