/**
 * `lvs_sync_daemon`: the kernel's IPVS connection-sync daemons. With `inst VI`, one follows that VRRP instance
 * (master while it is MASTER, backup otherwise); without, both run. vipd stops exactly the daemons it started, and a
 * daemon the kernel no longer runs (stopped by hand, or by the kernel when its interface went away) is started again
 * at the next re-check. The load balancer runs each call in its queue of kernel operations.
 */
import type { LvsSyncDaemonConfig } from '../../core/config/model.js';
import type { SyncDaemonSpec } from '../../core/ipvs/table.js';
import type { Logger } from '../../core/log.js';
import type { IpvsPort } from '../../core/ports.js';

type SyncState = SyncDaemonSpec['state'];

export interface SyncDaemonEdges {
  ipvs: Pick<IpvsPort, 'startSyncDaemon' | 'stopSyncDaemon' | 'listSyncDaemons'>;
  /** A start failed: a re-check soon, to try again. */
  retrySoon(): void;
}

export class SyncDaemons {
  /** The states vipd started (to stop exactly those). */
  private readonly running = new Set<SyncState>();
  /** The states vipd wants running: one that could not be started is tried again at the next re-check. */
  private wanted: SyncState[] = [];
  private spec: LvsSyncDaemonConfig | undefined;

  constructor(
    private readonly edges: SyncDaemonEdges,
    private readonly log: Logger,
  ) {}

  /** The instance whose state the master/backup choice follows (undefined: none, both run). */
  get follows(): string | undefined {
    return this.spec?.instance;
  }

  /** The configuration at start or at a reload: a changed one stops what runs and starts what it says. */
  async configure(spec: LvsSyncDaemonConfig | undefined): Promise<void> {
    const changed = JSON.stringify(spec ?? null) !== JSON.stringify(this.spec ?? null);
    if (!changed) return;
    if (this.wanted.length > 0 || this.running.size > 0) await this.set([]);
    this.spec = spec;
    if (spec && spec.instance === undefined) await this.set(['master', 'backup']);
  }

  /** The state the followed instance is in now; undefined when `instance` is not the one followed. */
  statesFor(instance: string, state: string): SyncState[] | undefined {
    if (!this.spec || instance !== this.spec.instance) return undefined;
    return [state === 'MASTER' ? 'master' : 'backup'];
  }

  /** Runs exactly the states given (stopping the others vipd started). */
  async set(states: SyncState[]): Promise<void> {
    this.wanted = [...states];
    for (const s of [...this.running]) {
      if (states.includes(s)) continue;
      await this.edges.ipvs
        .stopSyncDaemon(s)
        .catch((err: unknown) => this.log.warn({ err }, 'cannot stop the sync daemon'));
      this.running.delete(s);
    }
    const d = this.spec;
    if (!d) return;
    for (const state of states) {
      if (this.running.has(state)) continue;
      try {
        await this.edges.ipvs.startSyncDaemon({
          state,
          interface: d.interface,
          syncId: d.syncId,
          maxlen: d.maxlen,
          port: d.port,
          ttl: d.ttl,
          group: d.group,
        });
      } catch (err) {
        // Tried again at the next re-check, soon (a slow or busy kernel, the interface not up yet).
        this.log.error({ err, state }, 'cannot start the IPVS sync daemon: trying again');
        this.edges.retrySoon();
        continue;
      }
      this.running.add(state);
      this.log.info({ state, interface: d.interface, syncId: d.syncId }, 'IPVS sync daemon started');
    }
  }

  /** The daemons vipd wants and the kernel no longer runs are started again. */
  async recheck(): Promise<void> {
    if (this.wanted.length === 0 && this.running.size === 0) return;
    const running = new Set((await this.edges.ipvs.listSyncDaemons()).map((d) => d.state));
    const missing = this.wanted.filter((s) => !running.has(s));
    if (missing.length === 0) return;
    const gone = missing.filter((s) => this.running.has(s));
    if (gone.length > 0) this.log.warn({ missing: gone }, 'IPVS sync daemon gone from the kernel: started again');
    for (const s of missing) this.running.delete(s);
    await this.set(this.wanted);
  }
}
