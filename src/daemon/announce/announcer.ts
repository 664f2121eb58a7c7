/**
 * The `announce` blocks at run time (issue 22): one Announcement (core/announce) per block, told its health by the
 * trackers, the interface addresses equal to its prefixes by the kernel, and the time by its own timer; its steps
 * become the two kernel routes of each prefix (core/announce/routes.ts), in order, through the ledger, so that a stop
 * or a crash removes exactly those. What the kernel does under vipd is followed: a route deleted by hand is put back
 * while it should be there, and an address equal to a prefix added to an interface later withdraws that announce
 * until it goes (FRR would announce the interface's connected route in its place, or nothing).
 */
import { Announcement, type AnnounceStep } from '../../core/announce/announcement.js';
import { announcingRoute, localRoute } from '../../core/announce/routes.js';
import { canonicalAddress } from '../../core/codec/ip-address.js';
import type { ReloadPlan } from '../../core/config/diff.js';
import type { AnnounceConfig } from '../../core/config/model.js';
import { StartupError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Family, RouteSpec } from '../../core/net.js';
import type { AddressChange, TimerPort } from '../../core/ports.js';
import type { Millis } from '../../core/time.js';

export interface AnnouncerEdges {
  addRoute(owner: string, spec: RouteSpec): Promise<boolean>;
  removeRoute(spec: RouteSpec): Promise<void>;
  now(): Millis;
  createTimer(onFire: () => void): TimerPort;
  sleep(ms: Millis): Promise<void>;
  /** Removes every route of vipd's protocol number (what a crash left); resolves them as lines. */
  removeLeftovers?(): Promise<string[]>;
  /** Every address of a family on every device (absent: no such check can be made here). */
  listAddresses?(family: Family): Promise<{ dev: string; address: string }[]>;
  /** Follows an announce's trackers and virtual servers: `apply` hears the first one down, or undefined. */
  bindHealth(a: AnnounceConfig, apply: (down: string | undefined) => void): void;
  unbindHealth(name: string): void;
}

interface Entry {
  config: AnnounceConfig;
  machine: Announcement;
  timer: TimerPort;
  /** Its route changes, one after the other. */
  queue: Promise<void>;
}

/** What `vipd status` shows of an announce. */
export interface AnnounceStatus {
  name: string;
  state: Announcement['state'];
  /** Monotonic time of the last state change. */
  since: Millis;
  /** Why it is not announced (undefined while it is, or while it waits for announce_delay). */
  why: string | undefined;
  prefixes: string[];
}

const ownerOf = (a: AnnounceConfig) => `announce ${a.name}`;
const prefixText = (p: AnnounceConfig['prefixes'][number]) => `${p.address}/${p.family === 4 ? 32 : 128}`;

export class Announcer {
  private readonly entries = new Map<string, Entry>();
  /** Announces on their way out (a reload removed them): withdrawn, then drained. */
  private readonly leaving = new Set<Promise<void>>();
  private conflictCheck: Promise<void> | undefined;
  private conflictAgain = false;

  constructor(
    private readonly edges: AnnouncerEdges,
    private readonly log: Logger,
  ) {}

  /**
   * Starts every announce. Refuses (StartupError) a prefix that is already an address of an interface: the
   * announcement would never be seen.
   */
  async start(announces: readonly AnnounceConfig[]): Promise<void> {
    // A vipd killed with -9 left its routes announced, whatever this configuration says: they go first.
    const leftovers = await this.edges.removeLeftovers?.().catch((err: unknown) => {
      this.log.error({ err }, 'cannot remove the routes a previous vipd left');
      return [];
    });
    if (leftovers?.length) this.log.warn({ routes: leftovers }, 'removed the routes a previous vipd left');
    if (announces.length === 0) return;
    const held = await this.interfaceAddresses(announces);
    for (const a of announces) {
      for (const p of a.prefixes) {
        const dev = held.get(p.address);
        if (dev === undefined) continue;
        throw new StartupError(
          `announce ${a.name}: prefix ${prefixText(p)} is an address of ${dev}: an announced address must not be an ` +
            `interface address (FRR would announce the interface's route instead of vipd's); vipd makes the host ` +
            `accept it by a local route`,
        );
      }
    }
    for (const a of announces) this.add(a);
  }

  /** A route went from the kernel: the routes that should be there are added back (one still there: no change). */
  restore(): void {
    for (const e of this.entries.values()) {
      const wanted = this.present(e);
      if (wanted.length > 0) this.enqueue(e, () => this.addAll(e.config, wanted));
    }
  }

  /** An address came or went on some interface: the announces with that prefix are checked again. */
  addressChanged(change: AddressChange): void {
    const address = canonicalAddress(change.address);
    const concerned = [...this.entries.values()].some((e) => e.config.prefixes.some((p) => p.address === address));
    if (concerned) void this.checkConflicts();
  }

  /**
   * A reload, as the plan says: announces gone are withdrawn (then drained); changed ones keep their state where
   * they are announced, only the routes that differ change, announcing ones before local ones; new ones start.
   */
  reload(plan: ReloadPlan['announces'], next: readonly AnnounceConfig[]): void {
    const byName = new Map(next.map((a) => [a.name, a]));
    for (const name of [...plan.removed, ...plan.changed]) {
      const e = this.entries.get(name);
      if (!e) continue;
      this.entries.delete(name);
      this.edges.unbindHealth(name);
      const a = byName.get(name);
      if (a) this.replace(e, a);
      else this.retireInBackground(e);
    }
    for (const name of plan.added) this.add(byName.get(name) as AnnounceConfig);
    void this.checkConflicts();
  }

  /** vipd stops: every announce withdrawn, then, withdraw_delay later, no longer accepted. */
  async stop(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) this.edges.unbindHealth(e.config.name);
    await Promise.all([...all.map((e) => this.retire(e)), ...this.leaving]);
  }

  /** A crash: the announcing routes go first, at once (the ledger's release then takes the local ones). */
  async withdrawNow(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.allSettled(
      all.flatMap((e) => e.config.prefixes.map((p) => this.edges.removeRoute(announcingRoute(p, e.config.metric)))),
    );
  }

  report(): AnnounceStatus[] {
    return [...this.entries.values()].map((e) => {
      const held = e.machine.held;
      return {
        name: e.config.name,
        state: e.machine.state,
        since: e.machine.since,
        why: held === undefined ? undefined : held.kind === 'stopping' ? 'stopping' : held.why,
        prefixes: e.config.prefixes.map(prefixText),
      };
    });
  }

  private add(a: AnnounceConfig, resume?: { announced: boolean; queue: Promise<void> }): Entry {
    const e: Entry = {
      config: a,
      machine: new Announcement(a, this.edges.now(), resume),
      timer: this.edges.createTimer(() => this.run(e, (m) => m.timer(this.edges.now()))),
      queue: resume?.queue ?? Promise.resolve(),
    };
    this.entries.set(a.name, e);
    this.edges.bindHealth(a, (down) =>
      this.run(e, (m) => m.health(down === undefined, down === undefined ? '' : `${down} is down`, this.edges.now())),
    );
    return e;
  }

  /** A changed announce: the new definition takes over, announced if the old one was. */
  private replace(old: Entry, a: AnnounceConfig): void {
    old.timer.close();
    const announced = old.machine.state === 'announced';
    const before = this.present(old);
    const after = announced
      ? [...a.prefixes.map(localRoute), ...a.prefixes.map((p) => announcingRoute(p, a.metric))]
      : [];
    const key = (r: RouteSpec) => `${r.type} ${r.dst} ${r.metric ?? ''}`;
    const keep = new Set(after.map(key));
    const had = new Set(before.map(key));
    const added = after.filter((r) => !had.has(key(r)));
    const gone = before.filter((r) => !keep.has(key(r)));
    const queue = old.queue.then(async () => {
      // Accepted before announced; withdrawn before no longer accepted, withdraw_delay later.
      await this.addAll(
        a,
        added.filter((r) => r.type === 'local'),
      );
      await this.addAll(
        a,
        added.filter((r) => r.type !== 'local'),
      );
      const withdrawn = gone.filter((r) => r.type !== 'local');
      await Promise.all(withdrawn.map((r) => this.edges.removeRoute(r)));
      if (withdrawn.length > 0 && old.config.withdrawDelayMs > 0) await this.edges.sleep(old.config.withdrawDelayMs);
      await Promise.all(gone.filter((r) => r.type === 'local').map((r) => this.edges.removeRoute(r)));
    });
    this.add(a, { announced, queue: queue.catch(() => undefined) });
  }

  /** Withdrawn, drained, its routes gone; resolves when done. */
  private async retire(e: Entry): Promise<void> {
    this.run(e, (m) => m.stop(this.edges.now()));
    const at = e.machine.timerAt;
    e.timer.close();
    if (at !== undefined) {
      await this.edges.sleep(Math.max(0, at - this.edges.now()));
      this.run(e, (m) => m.timer(at));
    }
    await e.queue;
  }

  private retireInBackground(e: Entry): void {
    const done = this.retire(e).finally(() => this.leaving.delete(done));
    this.leaving.add(done);
  }

  /** The routes an entry's state says are in the kernel. */
  private present(e: Entry): RouteSpec[] {
    const { prefixes, metric } = e.config;
    return [
      ...(e.machine.accepting ? prefixes.map(localRoute) : []),
      ...(e.machine.state === 'announced' ? prefixes.map((p) => announcingRoute(p, metric)) : []),
    ];
  }

  /** Tells an entry's machine something (`tell`) and carries out the steps that come of it. */
  private run(e: Entry, tell: (m: Announcement) => AnnounceStep[]): void {
    const before = e.machine.state;
    for (const s of tell(e.machine)) {
      if (s.kind === 'timer') {
        if (s.at === undefined) e.timer.disarm();
        else e.timer.armAt(s.at);
        continue;
      }
      const { prefixes, metric } = e.config;
      if (s.kind === 'accept') this.enqueue(e, () => this.addAll(e.config, prefixes.map(localRoute)));
      else if (s.kind === 'announce') {
        this.enqueue(e, () =>
          this.addAll(
            e.config,
            prefixes.map((p) => announcingRoute(p, metric)),
          ),
        );
      } else {
        const routes =
          s.kind === 'withdraw' ? prefixes.map((p) => announcingRoute(p, metric)) : prefixes.map(localRoute);
        this.enqueue(e, async () => {
          await Promise.all(routes.map((r) => this.edges.removeRoute(r)));
        });
      }
    }
    if (e.machine.state !== before) {
      const held = e.machine.held;
      this.log.info(
        {
          announce: e.config.name,
          state: e.machine.state,
          prefixes: e.config.prefixes.map(prefixText),
          ...(held && held.kind !== 'stopping' ? { why: held.why } : {}),
        },
        `announce ${e.machine.state}`,
      );
    }
  }

  private enqueue(e: Entry, step: () => Promise<void>): void {
    e.queue = e.queue.then(step).catch((err: unknown) => {
      this.log.error({ err, announce: e.config.name }, 'cannot change the routes of an announce');
    });
  }

  /** Adds routes; one the kernel refuses is logged by the ledger and retried at the next re-check. */
  private async addAll(a: AnnounceConfig, routes: RouteSpec[]): Promise<void> {
    await Promise.all(routes.map((r) => this.edges.addRoute(ownerOf(a), r)));
  }

  /** Which announces have a prefix that is an interface's address now, told to each (coalesced). */
  private checkConflicts(): Promise<void> {
    if (this.conflictCheck) {
      this.conflictAgain = true;
      return this.conflictCheck;
    }
    this.conflictCheck = (async () => {
      do {
        this.conflictAgain = false;
        const entries = [...this.entries.values()];
        const held = await this.interfaceAddresses(entries.map((e) => e.config));
        for (const e of entries) {
          if (this.entries.get(e.config.name) !== e) continue;
          const p = e.config.prefixes.find((x) => held.has(x.address));
          const why = p && `prefix ${prefixText(p)} is an address of ${held.get(p.address)}`;
          const before = e.machine.held;
          if (why !== undefined && (before?.kind !== 'conflict' || before.why !== why)) {
            this.log.error({ announce: e.config.name, why }, 'announce withdrawn: its prefix is an interface address');
          }
          this.run(e, (m) => m.conflict(why, this.edges.now()));
        }
      } while (this.conflictAgain);
    })()
      .catch((err: unknown) => this.log.error({ err }, 'cannot list the interface addresses'))
      .finally(() => {
        this.conflictCheck = undefined;
      });
    return this.conflictCheck;
  }

  /** Canonical address → device, for the families the announces use. */
  private async interfaceAddresses(announces: readonly AnnounceConfig[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const list = this.edges.listAddresses;
    if (!list) return out;
    const families = new Set(announces.flatMap((a) => a.prefixes.map((p) => p.family)));
    for (const family of families) {
      for (const { dev, address } of await list(family)) out.set(canonicalAddress(address), dev);
    }
    return out;
  }
}
