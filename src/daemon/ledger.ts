/**
 * The one daemon-wide record of what vipd added to the kernel, so that a release (an instance leaving MASTER, a
 * stop, a crash, a reload) removes exactly what vipd owns and nothing it does not: an address, route or rule
 * someone else added, or that was there before, is never removed. Addresses, routes, rules and IPVS services
 * today; macvlans join it with VMAC.
 */
import { canonicalAddress } from '../core/codec/ip-address.js';
import { routeKey, routeLine, ruleKey, ruleLine } from '../core/config/routing.js';
import { addressKey } from '../core/config/vip.js';
import { VipdError } from '../core/errors.js';
import type { IpvsOp } from '../core/ipvs/reconcile.js';
import type { MarkElement } from '../core/ipvs/table.js';
import { type ServiceKey, serviceId } from '../core/ipvs/table.js';
import type { Logger } from '../core/log.js';
import type { AddressSpec, FirewallSettings, RouteSpec, RuleSpec, VmacSpec } from '../core/net.js';
import type {
  AddressPort,
  FirewallPort,
  GroupMarkPort,
  GroupMarkSettings,
  IpvsPort,
  RoutingPort,
  SysctlPort,
  VmacPort,
} from '../core/ports.js';

/** How one kind of kernel object is added, removed, told apart and named in logs. */
interface ObjectKind<S> {
  noun: string;
  key(spec: S): string;
  add(spec: S): Promise<'added' | 'present'>;
  remove(spec: S): Promise<'removed' | 'absent'>;
  describe(spec: S): Record<string, unknown>;
}

interface Entry<S> {
  /** Who asked for it (an instance name, or a static_* block): what a reload or an instance's removal releases. */
  owner: string;
  spec: S;
  /** Whether vipd added it, once the kernel has answered every add so far. */
  owned: Promise<boolean>;
  /** The kernel has not answered this entry's add yet. */
  pending: boolean;
}

/**
 * The objects of one kind that vipd added. An object is vipd's when vipd's add created it (the kernel answered
 * "added"), and stays vipd's when vipd adds it again while it holds it (the kernel then answers "present"). Adds
 * are sent before `add` returns; their answers settle ownership later, and a removal waits for them.
 */
class OwnedObjects<S> {
  private readonly entries = new Map<string, Entry<S>>();

  constructor(
    private readonly kind: ObjectKind<S>,
    private readonly log: Logger,
    /** Hears each object as it becomes (true) or stops being (false) vipd's, settled. */
    private readonly onOwned: (spec: S, owned: boolean) => void = () => undefined,
  ) {}

  /**
   * Adds `spec`; resolves whether it is vipd's (never rejects: a failed add is logged and is not vipd's, and
   * `failed` hears why, before the promise resolves).
   */
  add(owner: string, spec: S, failed?: (err: unknown) => void): Promise<boolean> {
    const key = this.kind.key(spec);
    const previous = this.entries.get(key);
    const added = this.kind.add(spec).then(
      (r) => r === 'added',
      (err: unknown) => {
        this.log.error({ err, ...this.kind.describe(spec) }, `cannot add ${this.kind.noun}`);
        failed?.(err);
        return false;
      },
    );
    // Adding what vipd already holds keeps it vipd's, although the kernel now answers "present".
    const owned = previous ? Promise.all([previous.owned, added]).then(([a, b]) => a || b) : added;
    const entry: Entry<S> = { owner, spec, owned, pending: true };
    this.entries.set(key, entry);
    void owned.then((mine) => {
      entry.pending = false;
      if (this.entries.get(key) !== entry) return;
      if (mine) this.onOwned(spec, true);
      else this.entries.delete(key);
    });
    return owned;
  }

  /** Removes `spec` if vipd added it, once the adds before have been answered; otherwise does nothing. */
  async remove(spec: S): Promise<void> {
    const key = this.kind.key(spec);
    const entry = this.entries.get(key);
    if (!entry || !(await entry.owned)) return;
    this.entries.delete(key);
    this.onOwned(spec, false);
    try {
      await this.kind.remove(spec);
    } catch (err) {
      this.log.error({ err, ...this.kind.describe(spec) }, `cannot remove ${this.kind.noun}`);
    }
  }

  /** Whether vipd asked for `spec` and holds it or is adding it. */
  has(spec: S): boolean {
    return this.entries.has(this.kind.key(spec));
  }

  /** Whether vipd's add of `spec` is still waiting for the kernel's answer (its absence from a listing means nothing yet). */
  adding(spec: S): boolean {
    return this.entries.get(this.kind.key(spec))?.pending === true;
  }

  /** What vipd holds on behalf of `owner`, or of everyone. */
  of(owner?: string): S[] {
    return [...this.entries.values()].filter((e) => owner === undefined || e.owner === owner).map((e) => e.spec);
  }

  async releaseAll(): Promise<void> {
    await Promise.all(this.of().map((spec) => this.remove(spec)));
  }
}

/** The ports the ledger adds and removes kernel objects through. */
export type LedgerPorts = { addresses: AddressPort } & Partial<{
  ipvs: IpvsPort;
  routing: RoutingPort;
  vmacs: VmacPort;
  sysctl: SysctlPort;
  firewall: FirewallPort;
  groupMarks: GroupMarkPort;
}>;

export class KernelLedger {
  /** Canonical addresses known (settled) to be vipd's: never an advert source. */
  private readonly ownedNow = new Set<string>();
  private readonly addresses: OwnedObjects<AddressSpec>;
  private readonly routes: OwnedObjects<RouteSpec>;
  private readonly rules: OwnedObjects<RuleSpec>;
  private readonly vmacs: OwnedObjects<VmacSpec>;
  /** Whether vipd's no_accept table is in the kernel (removed at the end). */
  private firewallInstalled = false;
  /** Whether nftables_ipvs's marking tables are in the kernel (removed with vipd's IPVS services). */
  private groupMarksInstalled = false;
  /** Kernel parameters vipd changed: the value before, and who needs the change (restored when nobody does). */
  private readonly sysctls = new Map<string, { before: string; holders: Set<string> }>();
  /** IPVS services vipd programmed (or took over at start-up), by serviceId, with their keys. */
  private readonly services = new Map<string, ServiceKey>();

  private readonly ipvs: IpvsPort | undefined;
  private readonly sysctl: SysctlPort | undefined;
  private readonly firewall: FirewallPort | undefined;
  private readonly groupMarks: GroupMarkPort | undefined;

  /** The daemon's edges give every port; a test gives those it uses (a missing one fails the operation that needs it). */
  constructor(
    ports: LedgerPorts,
    private readonly log: Logger,
  ) {
    const { addresses: port, routing, vmacs: vmacPort } = ports;
    this.ipvs = ports.ipvs;
    this.sysctl = ports.sysctl;
    this.firewall = ports.firewall;
    this.groupMarks = ports.groupMarks;
    this.addresses = new OwnedObjects<AddressSpec>(
      {
        noun: 'address',
        key: addressKey,
        add: (a) => port.add(a),
        remove: (a) => port.remove(a),
        describe: (a) => ({ vip: a.address, dev: a.dev }),
      },
      log,
      (a, owned) => {
        if (owned) this.ownedNow.add(canonicalAddress(a.address));
        else this.ownedNow.delete(canonicalAddress(a.address));
      },
    );
    const noRouting = () => Promise.reject(new VipdError('VIPD_ERR_MISSING_PORT', 'these edges have no routing port'));
    this.routes = new OwnedObjects<RouteSpec>(
      {
        noun: 'route',
        key: routeKey,
        add: (r) => routing?.addRoute(r) ?? noRouting(),
        remove: (r) => routing?.removeRoute(r) ?? noRouting(),
        describe: (r) => ({ route: routeLine(r) }),
      },
      log,
    );
    this.vmacs = new OwnedObjects<VmacSpec>(
      {
        noun: 'VMAC interface',
        key: (v) => v.name,
        // A left-over of vipd's or keepalived's (a kill -9) is taken over: it is removed at the end like a new one.
        add: (v) =>
          vmacPort
            ? vmacPort.create(v).then(() => 'added' as const)
            : Promise.reject(new VipdError('VIPD_ERR_MISSING_PORT', 'no VMAC port')),
        remove: (v) => vmacPort?.remove(v.name) ?? Promise.resolve('absent' as const),
        describe: (v) => ({ vmac: v.name, base: v.base }),
      },
      log,
    );
    this.rules = new OwnedObjects<RuleSpec>(
      {
        noun: 'rule',
        key: ruleKey,
        add: (r) => routing?.addRule(r) ?? noRouting(),
        remove: (r) => routing?.removeRule(r) ?? noRouting(),
        describe: (r) => ({ rule: ruleLine(r) }),
      },
      log,
    );
  }

  /** Applies an IPVS operation and records what it changes in vipd's ownership. Rejects on a kernel error. */
  async applyIpvs(op: IpvsOp): Promise<void> {
    if (!this.ipvs) throw new VipdError('VIPD_ERR_MISSING_PORT', 'no IPVS port');
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
  /**
   * nftables_ipvs: traffic to these ranges is marked from now on (none: vipd's marking tables go). Throws on
   * failure.
   */
  async markGroups(elements: readonly MarkElement[], settings: GroupMarkSettings): Promise<void> {
    if (elements.length === 0) return this.unmarkGroups();
    if (!this.groupMarks) throw new VipdError('VIPD_ERR_MISSING_PORT', 'no group marking port');
    this.groupMarksInstalled = true; // set first: a half-applied transaction is still removed at the end
    await this.groupMarks.mark(elements, settings);
  }

  /** Whether the marking tables are as vipd put them (true when vipd has none). */
  async groupMarksIntact(): Promise<boolean> {
    return !this.groupMarksInstalled || (await this.groupMarks?.intact()) !== false;
  }

  private async unmarkGroups(): Promise<void> {
    if (!this.groupMarksInstalled) return;
    await this.groupMarks?.remove();
    this.groupMarksInstalled = false;
  }

  async releaseIpvs(flushAll = false): Promise<void> {
    // Marks first: packets stop going to the services before these go.
    await this.unmarkGroups().catch((err: unknown) => this.log.error({ err }, 'cannot remove the nftables_ipvs table'));
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
    return this.addresses.add(owner, spec);
  }

  /** Removes `spec` if vipd added it, once the adds before have been answered; otherwise does nothing. */
  removeAddress(spec: AddressSpec): Promise<void> {
    return this.addresses.remove(spec);
  }

  /** An add of this address was sent and is not answered yet. */
  addingAddress(spec: AddressSpec): boolean {
    return this.addresses.adding(spec);
  }

  /** Whether `address` is one vipd added and holds (settled). */
  ownsAddress(address: string): boolean {
    return this.ownedNow.has(canonicalAddress(address));
  }

  /** What vipd holds on behalf of `owner`, or of everyone. */
  addressesOf(owner?: string): AddressSpec[] {
    return this.addresses.of(owner);
  }

  addRoute(owner: string, spec: RouteSpec, failed?: (err: unknown) => void): Promise<boolean> {
    return this.routes.add(owner, spec, failed);
  }

  removeRoute(spec: RouteSpec): Promise<void> {
    return this.routes.remove(spec);
  }

  addRule(owner: string, spec: RuleSpec, failed?: (err: unknown) => void): Promise<boolean> {
    return this.rules.add(owner, spec, failed);
  }

  removeRule(spec: RuleSpec): Promise<void> {
    return this.rules.remove(spec);
  }

  /** Whether vipd asked for this route or rule (deleted behind its back: vipd puts it back). */
  holdsRoute(spec: RouteSpec): boolean {
    return this.routes.has(spec);
  }

  holdsRule(spec: RuleSpec): boolean {
    return this.rules.has(spec);
  }

  /** Makes (or takes over) a VMAC interface; resolves whether it is there and vipd's. */
  addVmac(owner: string, spec: VmacSpec): Promise<boolean> {
    return this.vmacs.add(owner, spec);
  }

  removeVmac(spec: VmacSpec): Promise<void> {
    return this.vmacs.remove(spec);
  }

  /** Whether vipd made (or took over) the VMAC of that name. */
  holdsVmac(spec: VmacSpec): boolean {
    return this.vmacs.has(spec);
  }

  /**
   * Sets a kernel parameter on behalf of `holder`, remembering its value before the first change; throws when it
   * cannot be written.
   */
  setSysctl(key: string, value: string, holder: string): void {
    if (!this.sysctl) throw new VipdError('VIPD_ERR_MISSING_PORT', 'no sysctl port');
    const before = this.sysctls.get(key)?.before ?? this.sysctl.read(key);
    if (before === undefined) throw new VipdError('VIPD_ERR_NO_KERNEL_PARAMETER', `no kernel parameter ${key}`);
    if (before !== value || this.sysctls.has(key)) this.sysctl.write(key, value);
    const entry = this.sysctls.get(key) ?? { before, holders: new Set<string>() };
    entry.holders.add(holder);
    this.sysctls.set(key, entry);
  }

  /** `holder` no longer needs its changes: each parameter nobody else needs gets its value from before. */
  releaseSysctls(holder: string): void {
    for (const [key, entry] of [...this.sysctls]) {
      if (!entry.holders.delete(holder) || entry.holders.size > 0) continue;
      this.sysctls.delete(key);
      try {
        this.sysctl?.write(key, entry.before);
      } catch (err) {
        // The interface went away with its parameters: nothing is left to restore.
        this.log.debug({ err, key }, 'cannot restore kernel parameter');
      }
    }
  }

  /** no_accept: input to these addresses is dropped from now on (none: vipd's table goes). Throws on failure. */
  async dropInputTo(
    addresses: readonly { family: 4 | 6; address: string }[],
    settings: FirewallSettings,
  ): Promise<void> {
    if (addresses.length === 0) {
      if (this.firewallInstalled) await this.firewall?.remove();
      this.firewallInstalled = false;
      return;
    }
    if (!this.firewall) throw new VipdError('VIPD_ERR_MISSING_PORT', 'no firewall port');
    this.firewallInstalled = true; // set first: a half-applied transaction is still removed at the end
    await this.firewall.dropTo(addresses, settings);
  }

  /**
   * Removes everything vipd added (a stop or a crash after the instances had their turn): rules, routes,
   * addresses, VMAC interfaces, the no_accept table, then the kernel parameters it changed.
   */
  async releaseAll(): Promise<void> {
    await this.rules.releaseAll();
    await this.routes.releaseAll();
    await this.addresses.releaseAll();
    await this.vmacs.releaseAll();
    if (this.firewallInstalled) {
      await this.firewall
        ?.remove()
        .catch((err: unknown) => this.log.error({ err }, 'cannot remove the no_accept rules'));
      this.firewallInstalled = false;
    }
    for (const entry of [...this.sysctls.values()]) for (const h of [...entry.holders]) this.releaseSysctls(h);
  }
}

export { addressKey };
