/**
 * The one daemon-wide record of what vipd added to the kernel, so that a release (an instance leaving MASTER, a
 * stop, a crash, later a reload) removes exactly what vipd owns and nothing it does not: an address someone else
 * added, or that was there before, is never removed. Addresses today; routes, rules, macvlans and IPVS objects
 * join it as they land.
 *
 * An address is vipd's when vipd's add created it (the kernel answered "added"), and stays vipd's when vipd adds it
 * again while it holds it (the kernel then answers "present"). Adds are sent before `addAddress` returns; their
 * answers settle ownership later, and a removal waits for them.
 */
import { canonicalAddress } from '../core/codec/ip-address.js';
import { addressKey } from '../core/config/vip.js';
import type { IpvsOp } from '../core/ipvs/reconcile.js';
import { type ServiceKey, serviceId } from '../core/ipvs/table.js';
import type { AddressPort, AddressSpec, IpvsPort } from '../core/ports.js';
import type { Logger } from '../log.js';

interface AddressEntry {
  /** Who asked for it (an instance name): what a reload or an instance's removal releases. */
  owner: string;
  spec: AddressSpec;
  /** Whether vipd added it, once the kernel has answered every add so far. */
  owned: Promise<boolean>;
}

export class KernelLedger {
  private readonly addresses = new Map<string, AddressEntry>();
  /** Canonical addresses known (settled) to be vipd's: never an advert source. */
  private readonly ownedNow = new Set<string>();
  /** IPVS services vipd programmed (or took over at start-up), by serviceId, with their keys. */
  private readonly services = new Map<string, ServiceKey>();

  constructor(
    private readonly port: AddressPort,
    private readonly log: Logger,
    private readonly ipvs?: IpvsPort,
  ) {}

  /** Applies an IPVS operation and records what it changes in vipd's ownership. Rejects on a kernel error. */
  async applyIpvs(op: IpvsOp): Promise<void> {
    if (!this.ipvs) throw new Error('no IPVS port');
    await this.ipvs.apply(op);
    if (op.op === 'add-service') this.services.set(serviceId(op.service.key), op.service.key);
    else if (op.op === 'remove-service') this.services.delete(serviceId(op.key));
  }

  /** A service vipd wants that is already in the kernel becomes vipd's (keepalived takes it over too). */
  claimIpvsService(key: ServiceKey): void {
    this.services.set(serviceId(key), key);
  }

  /** The serviceIds vipd owns. */
  ipvsServices(): ReadonlySet<string> {
    return new Set(this.services.keys());
  }

  /** Removes every service vipd owns (the kernel removes their destinations), or flushes all of IPVS. */
  async releaseIpvs(flushAll = false): Promise<void> {
    if (!this.ipvs) return;
    if (flushAll) {
      await this.ipvs.flush().catch((err: unknown) => this.log.error({ err }, 'cannot flush IPVS'));
      this.services.clear();
      return;
    }
    for (const [id, key] of [...this.services]) {
      try {
        await this.applyIpvs({ op: 'remove-service', key });
      } catch (err) {
        const code = (err as { code?: string }).code;
        // Already gone (removed by hand): nothing of vipd's is left there.
        if (code !== 'ENOENT' && code !== 'ESRCH') this.log.error({ err, service: id }, 'cannot remove IPVS service');
        this.services.delete(id);
      }
    }
  }

  /** Adds `spec`; resolves whether it is vipd's (never rejects: a failed add is logged and is not vipd's). */
  addAddress(owner: string, spec: AddressSpec): Promise<boolean> {
    const key = addressKey(spec);
    const previous = this.addresses.get(key);
    const added = this.port.add(spec).then(
      (r) => r === 'added',
      (err: unknown) => {
        this.log.error({ err, vip: spec.address, dev: spec.dev }, 'cannot add VIP');
        return false;
      },
    );
    // Adding what vipd already holds keeps it vipd's, although the kernel now answers "present".
    const owned = previous ? Promise.all([previous.owned, added]).then(([a, b]) => a || b) : added;
    const entry: AddressEntry = { owner, spec, owned };
    this.addresses.set(key, entry);
    void owned.then((mine) => {
      if (this.addresses.get(key) !== entry) return;
      if (mine) this.ownedNow.add(canonicalAddress(spec.address));
      else this.addresses.delete(key);
    });
    return owned;
  }

  /** Removes `spec` if vipd added it, once the adds before have been answered; otherwise does nothing. */
  async removeAddress(spec: AddressSpec): Promise<void> {
    const key = addressKey(spec);
    const entry = this.addresses.get(key);
    if (!entry || !(await entry.owned)) return;
    this.addresses.delete(key);
    this.ownedNow.delete(canonicalAddress(spec.address));
    try {
      await this.port.remove(spec);
    } catch (err) {
      this.log.error({ err, vip: spec.address, dev: spec.dev }, 'cannot remove VIP');
    }
  }

  /** Whether `address` is one vipd added and holds (settled). */
  ownsAddress(address: string): boolean {
    return this.ownedNow.has(canonicalAddress(address));
  }

  /** What vipd holds on behalf of `owner`, or of everyone. */
  addressesOf(owner?: string): AddressSpec[] {
    return [...this.addresses.values()].filter((e) => owner === undefined || e.owner === owner).map((e) => e.spec);
  }

  /** Removes everything vipd added (a stop or a crash after the instances had their turn). */
  async releaseAll(): Promise<void> {
    await Promise.all(this.addressesOf().map((spec) => this.removeAddress(spec)));
  }
}

export { addressKey };
