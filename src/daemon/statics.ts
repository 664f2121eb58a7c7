/**
 * What vipd holds for its whole life, whatever the VRRP states: `static_ipaddress`, `static_routes`,
 * `static_rules` (keepalived adds them first, as the host's), and the no_accept drop rules of the non-owner
 * instances. Kept as the kernel changes: a static address or route deleted behind vipd is put back; one that cannot
 * be (its device gone, the kernel refusing it) is, with a `track_group`, a fault of that group's instances until it
 * is back. The daemon tells it what the kernel did; it tells the daemon which faults to raise.
 */

import { canonicalAddress } from '../core/codec/ip-address.js';
import type { RoutingChanges } from '../core/config/diff.js';
import type { VipdConfig } from '../core/config/model.js';
import { routeLine, ruleLine } from '../core/config/routing.js';
import type { Logger } from '../core/log.js';
import type { Family } from '../core/net.js';
import type { KernelAddress } from '../core/ports.js';
import type { KernelLedger } from './ledger.js';

/** The ledger's owner of static entries (instances own their VIPs by name). */
export const STATIC_OWNER = 'static_ipaddress';

export interface StaticsEdges {
  ledger: KernelLedger;
  /** The configuration now. */
  config(): VipdConfig;
  /** track_group `group`'s instances are (or no longer are) in FAULT because `what` cannot be put back. */
  fault(group: string, what: string, fault: boolean, why: string): void;
}

export class Statics {
  /** track_group: static items that cannot be put back now → their group and why. */
  private readonly unheld = new Map<string, { group: string; why: string }>();

  constructor(
    private readonly edges: StaticsEdges,
    private readonly log: Logger,
  ) {}

  /** Adds the static addresses, routes and rules of the configuration. */
  async start(c: VipdConfig): Promise<void> {
    await Promise.all(c.staticAddresses.map((a) => this.edges.ledger.addAddress(STATIC_OWNER, a)));
    await this.addRouting(c.staticRoutes, c.staticRules);
  }

  /** The static items that cannot be put back, as faults of instances made since. */
  reapplyFaults(): void {
    for (const [what, u] of this.unheld) this.edges.fault(u.group, what, true, u.why);
  }

  /** A route or rule went from the kernel: the tracked static ones are added back (one still there: no change). */
  async restoreRouting(): Promise<void> {
    const c = this.edges.config();
    await this.addRouting(
      c.staticRoutes.filter((r) => !r.noTrack),
      c.staticRules.filter((r) => !r.noTrack),
    );
  }

  /**
   * The kernel's addresses of `dev` and `family` now (undefined: the device is gone): static addresses deleted
   * behind vipd are added back, and their track groups follow whether they are there.
   */
  async addressesOn(dev: string, family: Family, listed: readonly KernelAddress[] | undefined): Promise<void> {
    const mine = this.edges.config().staticAddresses.filter((a) => a.dev === dev && a.family === family);
    if (!listed) {
      // The device is gone: its static addresses cannot be put back until it returns.
      for (const a of mine) this.held(a, `address ${a.address}`, false, `${dev} does not exist`);
      return;
    }
    const present = new Set(listed.map((a) => canonicalAddress(a.address)));
    const gone = mine.filter((a) => !present.has(canonicalAddress(a.address)));
    if (gone.length > 0) {
      this.log.warn(
        { addresses: gone.map((a) => a.address), dev },
        'static address deleted behind vipd: adding it back',
      );
      await Promise.all(
        gone.map((a) =>
          this.edges.ledger.addAddress(STATIC_OWNER, a).catch((err: unknown) => {
            this.held(a, `address ${a.address}`, false, err instanceof Error ? err.message : String(err));
            if (!a.trackGroup) throw err;
          }),
        ),
      );
    }
    // Static addresses there (again): their track groups' instances may leave FAULT.
    for (const a of mine) {
      if (a.trackGroup && present.has(canonicalAddress(a.address))) this.held(a, `address ${a.address}`, true);
    }
  }

  /** A reload: what is no longer configured is removed (if vipd added it), what is new is added. */
  /** A reload: the plan's static changes (`changes`), `next` the new configuration. */
  async reload(changes: RoutingChanges, next: VipdConfig): Promise<void> {
    const { addresses, routes, rules } = changes;
    await Promise.all([
      ...addresses.removed.map((a) => this.edges.ledger.removeAddress(a)),
      ...addresses.added.map((a) => this.edges.ledger.addAddress(STATIC_OWNER, a)),
    ]);
    await Promise.all(rules.removed.map((r) => this.edges.ledger.removeRule(r)));
    await Promise.all(routes.removed.map((r) => this.edges.ledger.removeRoute(r)));
    // What is no longer configured is no longer a track group's fault.
    const configured = new Set([
      ...next.staticAddresses.map((a) => `address ${a.address}`),
      ...next.staticRoutes.map((r) => `route ${routeLine(r)}`),
      ...next.staticRules.map((r) => `rule ${ruleLine(r)}`),
    ]);
    for (const [what, u] of [...this.unheld]) {
      if (configured.has(what)) continue;
      this.unheld.delete(what);
      this.edges.fault(u.group, what, false, '');
    }
    await this.addRouting(routes.added, rules.added);
  }

  private async addRouting(routes: VipdConfig['staticRoutes'], rules: VipdConfig['staticRules']): Promise<void> {
    await this.hold(
      routes,
      (r) => `route ${routeLine(r)}`,
      (r, no) => this.edges.ledger.addRoute(STATIC_OWNER, r, no),
    );
    await this.hold(
      rules,
      (r) => `rule ${ruleLine(r)}`,
      (r, no) => this.edges.ledger.addRule(STATIC_OWNER, r, no),
    );
  }

  /** Adds static items; one the kernel refuses (the ledger logs it) is, with a track group, its group's fault. */
  private async hold<S extends { trackGroup?: string | undefined }>(
    items: readonly S[],
    what: (item: S) => string,
    add: (item: S, failed: (err: unknown) => void) => Promise<unknown>,
  ): Promise<void> {
    await Promise.all(
      items.map(async (item) => {
        let why: string | undefined;
        await add(item, (err) => {
          why = err instanceof Error ? err.message : String(err);
        });
        this.held(item, what(item), why === undefined, why);
      }),
    );
  }

  /** A static item (`what`) is held, or cannot be put back: with a track group, its instances' fault follows. */
  private held(item: { trackGroup?: string | undefined }, what: string, held: boolean, why = ''): void {
    if (item.trackGroup === undefined) return;
    if (held) this.unheld.delete(what);
    else this.unheld.set(what, { group: item.trackGroup, why });
    this.edges.fault(item.trackGroup, what, !held, why);
  }
}
