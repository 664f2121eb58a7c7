/**
 * keepalived's notification contract: notify scripts (each as its own user, else global_defs script_user),
 * startup_script and shutdown_script, and the notify FIFOs (notify_fifo takes every line, vrrp_notify_fifo the VRRP
 * ones, lvs_notify_fifo the LVS ones). The FIFOs are opened before the instances start, so that their first
 * transition is written.
 */
import type { GlobalDefs, NotifyFifoConfig, VipdConfig } from '../../core/config/model.js';
import { StartupError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { DaemonEdges, NotifyFifoPort } from '../../core/ports.js';
import type { NotifyRun } from '../../core/vrrp/notify.js';

/** How long a notify script may run before it is killed (keepalived's default script timeout). */
export const NOTIFY_TIMEOUT_MS = 10_000;

export type NotifyKind = 'vrrp' | 'lvs';

/** Which FIFOs take which lines: notify_fifo every line, vrrp_notify_fifo VRRP's, lvs_notify_fifo LVS's. */
export function fifoTakes(keyword: NotifyFifoConfig['keyword'], kind: NotifyKind): boolean {
  return keyword === 'notify_fifo' || keyword === (kind === 'vrrp' ? 'vrrp_notify_fifo' : 'lvs_notify_fifo');
}

export interface NotifierEdges {
  runScript: DaemonEdges['runScript'];
  openNotifyFifo: DaemonEdges['openNotifyFifo'];
  resolveUser: DaemonEdges['trackers']['resolveUser'];
}

export class Notifier {
  private readonly fifos: { keyword: NotifyFifoConfig['keyword']; port: NotifyFifoPort }[] = [];

  constructor(
    /** The global settings now (a reload changes script_user). */
    private readonly globals: () => GlobalDefs,
    private readonly edges: NotifierEdges,
    private readonly log: Logger,
  ) {}

  /**
   * A notify script, as its own user (`notify_* CMD USER [GROUP]`), else global_defs script_user, else vipd's; an
   * unknown user is logged and the script not run.
   */
  run(run: NotifyRun, log: Logger = this.log, timeoutMs = NOTIFY_TIMEOUT_MS): Promise<void> {
    const user = run.user ?? this.globals().scriptUser;
    const ids = user ? this.edges.resolveUser(user) : undefined;
    if (user && !ids) {
      log.error({ argv: run.argv, user: user.user }, 'notify script not run: unknown user');
      return Promise.resolve();
    }
    return this.edges.runScript(run.argv, { timeoutMs, log, ...ids });
  }

  /** A command of the LVS side (notify_up, quorum_down...): as vipd's user, as keepalived's checker runs them. */
  runLvs(argv: string[]): Promise<void> {
    return this.edges.runScript(argv, { timeoutMs: NOTIFY_TIMEOUT_MS, log: this.log });
  }

  /** startup_script / shutdown_script: run, and waited for up to their timeout (then killed), as keepalived. */
  async runProcessScript(which: 'startupScript' | 'shutdownScript'): Promise<void> {
    const script = this.globals()[which];
    if (!script) return;
    this.log.info(
      { argv: script.argv },
      which === 'startupScript' ? 'running startup_script' : 'running shutdown_script',
    );
    await this.run(script, this.log, script.timeoutMs);
  }

  /** Every notify script's own user exists (keepalived refuses the script otherwise); throws StartupError. */
  checkUsers(c: VipdConfig): void {
    const owners = [
      ...c.instances.map((i) => ({ what: `vrrp_instance ${i.name}`, notify: i.notify })),
      ...c.syncGroups.map((g) => ({ what: `vrrp_sync_group ${g.name}`, notify: g.notify })),
    ];
    for (const { what, notify } of owners) {
      for (const [kind, user] of Object.entries(notify.users ?? {})) {
        if (!user || this.edges.resolveUser(user)) continue;
        const name =
          kind === 'generic' ? 'notify' : kind === 'masterRxLowerPri' ? 'notify_master_rx_lower_pri' : `notify_${kind}`;
        throw new StartupError(`${what}: ${name} runs as ${user.user}, and there is no such user`);
      }
    }
  }

  /** Opens the configured FIFOs; throws StartupError when one cannot be. */
  openFifos(): void {
    for (const f of this.globals().notifyFifos) {
      const owner = f.owner ? this.edges.resolveUser(f.owner) : undefined;
      if (f.owner && !owner) throw new StartupError(`${f.keyword} ${f.path}: unknown user ${f.owner.user}`);
      try {
        const port = this.edges.openNotifyFifo({ path: f.path, owner, script: f.script, log: this.log });
        this.fifos.push({ keyword: f.keyword, port });
      } catch (err) {
        throw new StartupError(`${f.keyword} ${f.path}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** A line to the FIFOs that take its kind. */
  writeFifos(kind: NotifyKind, line: string): void {
    for (const f of this.fifos) if (fifoTakes(f.keyword, kind)) f.port.write(line);
  }

  async closeFifos(): Promise<void> {
    await Promise.allSettled(this.fifos.map((f) => f.port.close()));
  }
}
