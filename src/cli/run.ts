/** `vipd run`: the daemon in the foreground until SIGTERM/SIGINT; exit 0 after a hand-off, 1 when it cannot start. */
import { type FSWatcher, readFileSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { describePlan, type ReloadPlan } from '../core/config/diff.js';
import type { VipdConfig } from '../core/config/model.js';
import { reloadTimeOf } from '../core/config/reload-time.js';
import { VipdError } from '../core/errors.js';
import { Daemon } from '../daemon/daemon.js';
import { type Snmp, startSnmp } from '../daemon/observe/snmp.js';
import { formatKeepalivedStats } from '../daemon/observe/status.js';
import type { MetricsServer } from '../edges/control/metrics-http.js';
import { type ControlServer, listenControl } from '../edges/control/server.js';
import { acquirePidFile, type PidFile } from '../edges/pid-file.js';
import { sdNotify } from '../edges/systemd.js';
import { createLogger, flushLogs, type Logger } from '../log.js';

interface ReloadAnswer {
  applied: boolean;
  /** Every error, as `file:line:col: message` where the configuration has them. */
  errors: string[];
  plan?: ReloadPlan;
  /** The plan as lines, one per thing it touched. */
  changes?: string[];
}

export interface RunOptions {
  logLevel?: string | undefined;
  /** Default /run/vipd/vipd.sock. */
  controlSocket: string;
  /** Default /run/vipd/vipd.pid. */
  pidFile: string;
  /** Reads and validates the configuration again (the same file and options as at start), for a reload. */
  load: () => Promise<{ config?: VipdConfig | undefined; errors: string[]; warnings: string[] }>;
  /** `--metrics ADDR:PORT`: Prometheus text at http://ADDR:PORT/metrics; off when undefined. */
  metrics?: { host: string; port: number } | undefined;
  version: string;
}

export async function run(config: VipdConfig, opts: RunOptions): Promise<number> {
  let pidFile: PidFile;
  try {
    pidFile = acquirePidFile(opts.pidFile);
  } catch (err) {
    process.stderr.write(`vipd: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  try {
    return await runDaemon(config, opts);
  } finally {
    pidFile.release();
  }
}

async function runDaemon(config: VipdConfig, opts: RunOptions): Promise<number> {
  const log = createLogger(opts.logLevel);
  // keepalived's umask: the files vipd creates from here on (pid file excepted: it is made before).
  if (config.globalDefs.umask !== undefined) process.umask(config.globalDefs.umask);
  const ns = config.globalDefs.netNamespace;
  if (ns !== undefined) {
    // keepalived's net_namespace: everything vipd opens from here on is in that namespace.
    try {
      const { native } = await import('../edges/native.js');
      native.setNetworkNamespace(`/run/netns/${ns}`);
    } catch (err) {
      process.stderr.write(`vipd: net_namespace ${ns}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
    log.info({ netNamespace: ns }, 'running in network namespace');
  }
  const { createRealEdges } = await import('../edges/index.js');
  const daemon = new Daemon(config, await createRealEdges(log), log);
  let control: ControlServer | undefined;
  const notify = (state: string) => sdNotify(state, (err) => log.warn({ err }, 'cannot notify systemd'));
  let metrics: MetricsServer | undefined;
  let snmp: Snmp | undefined;
  daemon.onTransition((instance) => snmp?.stateChanged(instance));
  daemon.onGroupState((group, state) => snmp?.groupEntered(group, state));
  daemon.onDrop((instance, reason, src) => snmp?.dropped(instance, reason, src));
  daemon.onLoadBalancerEvent((virtualServer, e) => snmp?.loadBalancerChanged(virtualServer, e));

  let crashed = false;
  const crash = (err: unknown) => {
    if (crashed) return;
    crashed = true;
    log.fatal({ err }, 'vipd crashed; releasing VIPs');
    const deadline = setTimeout(() => process.exit(1), 2000);
    void daemon
      .emergencyRelease()
      .then(() => flushLogs(200))
      .finally(() => {
        clearTimeout(deadline);
        process.exit(1);
      });
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);

  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stop requested');
      notify('STOPPING=1');
      void control?.close();
      void metrics?.close();
      snmp?.close();
      void daemon.stop().then(() => resolve(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // keepalived's dumps: SIGUSR1 the data (vipd: the status report as JSON, also to json_dump_file), SIGUSR2
  // keepalived.stats' blocks. They go where state_dump_file / stats_dump_file say, else beside the pid file
  // (/run/vipd by default: root's), written whole or not at all.
  let current = config;
  const dumpDir = path.dirname(opts.pidFile);
  process.on('SIGUSR1', () => {
    const data = `${JSON.stringify(daemon.status(opts.version), null, 2)}\n`;
    const files = current.globalDefs.dumpFiles;
    writeDump(files.state ?? path.join(dumpDir, 'vipd.data'), data, log);
    if (files.json !== undefined) writeDump(files.json, data, log);
  });
  process.on('SIGUSR2', () =>
    writeDump(
      current.globalDefs.dumpFiles.stats ?? path.join(dumpDir, 'vipd.stats'),
      formatKeepalivedStats(daemon.status(opts.version)),
      log,
    ),
  );
  // Reload (SIGHUP or `vipd reload`): the new file is read and validated whole before anything changes; a broken
  // one is refused, every error logged, and the running configuration stays. One reload at a time.
  let reloading: Promise<ReloadAnswer> | undefined;
  const reload = (): Promise<ReloadAnswer> => {
    reloading ??= reloadOnce().finally(() => {
      reloading = undefined;
    });
    return reloading;
  };
  const reloadOnce = async (): Promise<ReloadAnswer> => {
    notify('RELOADING=1');
    // keepalived's reload_file: there (empty) while the files are read, gone once they are, for whoever updates them.
    const reloadFile = current.globalDefs.reloadFile;
    const marker = reloadFile === true ? path.join(path.dirname(opts.pidFile), 'vipd.reload') : reloadFile;
    if (marker) tryFile(() => writeFileSync(marker, ''), log, marker);
    try {
      const readStart = performance.now();
      const loaded = await opts.load().finally(() => {
        if (marker) tryFile(() => rmSync(marker, { force: true }), log, marker);
      });
      // What a reload costs before anything changes: the one figure that grows with the file.
      log.info({ ms: Math.round(performance.now() - readStart) }, 'configuration read');
      for (const w of loaded.warnings) log.warn({ issue: w }, 'configuration warning');
      if (loaded.errors.length > 0 || !loaded.config) {
        for (const e of loaded.errors) log.error({ issue: e }, 'configuration refused: keeping the running one');
        return { applied: false, errors: loaded.errors };
      }
      const plan = await daemon.reload(loaded.config);
      // The SNMP agent follows the settings: started, stopped or moved to another master's socket.
      if (JSON.stringify(loaded.config.globalDefs.snmp) !== JSON.stringify(current.globalDefs.snmp)) {
        snmp?.close();
        snmp = startSnmp(loaded.config.globalDefs, () => daemon.snmpView(opts.version), log);
      }
      current = loaded.config;
      timedReload.follow(current.globalDefs.reloadTimeFile, current.globalDefs.reloadRepeat);
      return { applied: true, errors: [], plan, changes: describePlan(plan) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      log.error({ err }, 'reload refused: keeping the running configuration');
      return { applied: false, errors: [message] };
    } finally {
      notify('READY=1');
    }
  };
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading the configuration');
    void reload();
  });
  // keepalived's reload_time_file: a reload at the time the file says, followed as the file comes and goes.
  const timedReload = new TimedReload(log, () => {
    void reload();
  });

  // Fault injection for the crash-path test: an uncaught exception this many ms after start-up.
  const crashAfter = Number(process.env.VIPD_INJECT_CRASH_AFTER_MS);
  if (crashAfter > 0) {
    setTimeout(() => {
      throw new VipdError('VIPD_ERR_INJECTED_CRASH', 'injected crash (VIPD_INJECT_CRASH_AFTER_MS)');
    }, crashAfter).unref();
  }

  // Before the instances start, as keepalived: their first state changes are notified once the session is open.
  snmp = startSnmp(config.globalDefs, () => daemon.snmpView(opts.version), log);
  try {
    await daemon.start();
  } catch (err) {
    // What a user can act on is one line on stderr; anything else keeps its stack in the log.
    const reason = missingPrivileges(err) ?? (err instanceof VipdError ? err.message : undefined);
    if (reason) process.stderr.write(`vipd: ${reason}\n`);
    log.error(reason ? { reason } : { err }, 'vipd cannot start');
    snmp?.close();
    await daemon.emergencyRelease();
    return 1;
  }
  try {
    control = await listenControl(
      opts.controlSocket,
      {
        status: async () => {
          await daemon.refreshStatus();
          return daemon.status(opts.version);
        },
        reload: () => reload(),
      },
      log,
    );
  } catch (err) {
    // Status is for people and scripts; the VIPs matter more: keep running, say why status cannot answer.
    log.error({ err, path: opts.controlSocket }, 'control socket unavailable: vipd status will not answer');
  }
  if (opts.metrics) {
    const { createMetrics } = await import('../daemon/observe/metrics.js');
    const { listenMetrics } = await import('../edges/control/metrics-http.js');
    const registry = createMetrics(
      () => daemon.status(opts.version),
      (name) => config.instances.find((i) => i.name === name)?.vips.map((v) => v.address) ?? [],
    );
    try {
      metrics = await listenMetrics(opts.metrics.host, opts.metrics.port, registry, log);
      log.info({ address: metrics.address, port: metrics.port }, 'metrics at /metrics');
    } catch (err) {
      log.error({ err, ...opts.metrics }, 'metrics endpoint unavailable');
    }
  }
  timedReload.follow(config.globalDefs.reloadTimeFile, config.globalDefs.reloadRepeat);
  void stopped.finally(() => timedReload.close());
  const servers = config.virtualServers.length > 0 ? `, ${config.virtualServers.length} virtual servers` : '';
  notify(`READY=1\nSTATUS=${config.instances.length} VRRP instances${servers} running\nMAINPID=${process.pid}`);
  // Node writes its compile cache (systemd's CacheDirectory=, see cli.ts) only at a clean exit: a daemon may never
  // have one, so what start-up compiled is written now, once, after READY.
  setImmediate(() => module.flushCompileCache?.());
  return stopped;
}

/**
 * One line for the commonest start-up failure, a process without the capabilities it needs, instead of a stack
 * trace: raw VRRP and packet sockets need CAP_NET_RAW, addresses and multicast membership CAP_NET_ADMIN.
 */
function missingPrivileges(err: unknown): string | undefined {
  const e = err as { code?: unknown; syscall?: unknown } | null;
  if (e?.code !== 'EPERM' && e?.code !== 'EACCES') return undefined;
  const what = e.syscall === 'socket' ? 'open raw VRRP and packet sockets' : 'configure the network';
  return `cannot ${what} (${String(e.code)}): vipd needs CAP_NET_RAW and CAP_NET_ADMIN; run it as root or grant them (systemd: AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN)`;
}

/** Writes a dump atomically (a temporary file renamed over the old one), mode 0600; a failure is logged. */
function writeDump(file: string, text: string, log: Logger): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, file);
    log.info({ file }, 'dump written');
  } catch (err) {
    log.error({ err, file }, 'cannot write dump');
  }
}

/** A file operation that may fail without stopping anything: said in the log. */
function tryFile(op: () => void, log: Logger, file: string): void {
  try {
    op();
  } catch (err) {
    log.warn({ err, file }, 'reload_file: cannot create or remove it');
  }
}

/**
 * keepalived's reload_time_file / reload_repeat: the file's time (core/config/reload-time.ts) schedules a reload;
 * the file's directory is watched, so writing, changing or deleting the file reschedules or cancels it. Once due,
 * the file is deleted (unless reload_repeat: a time without a date then reloads every day).
 */
class TimedReload {
  private file: string | undefined;
  private repeat = false;
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;

  constructor(
    private readonly log: Logger,
    private readonly reload: () => void,
  ) {}

  follow(file: string | undefined, repeat: boolean): void {
    if (file !== this.file) {
      this.watcher?.close();
      this.watcher = undefined;
      if (file !== undefined) {
        try {
          this.watcher = watch(path.dirname(file), (_event, name) => {
            if (name === path.basename(file)) this.schedule();
          });
        } catch (err) {
          this.log.warn({ err, file }, 'reload_time_file: cannot watch its directory; no timed reload');
        }
      }
    }
    this.file = file;
    this.repeat = repeat;
    this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const file = this.file;
    if (file === undefined) return;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return; // no file: no reload
    }
    const now = Date.now();
    const t = reloadTimeOf(text, now, (ms) => -new Date(ms).getTimezoneOffset());
    if (!t.ok) {
      this.log.warn({ file, reason: t.reason }, 'reload_time_file: not a time; no reload scheduled');
      return;
    }
    if (t.at <= now) return; // a date that is past
    const wait = t.at - now;
    // setTimeout's limit is about 24.8 days: a later time is looked at again then.
    this.timer = setTimeout(
      () => (wait > MAX_TIMEOUT_MS ? this.schedule() : this.due(file)),
      Math.min(wait, MAX_TIMEOUT_MS),
    );
    this.log.info({ file, at: new Date(t.at).toISOString() }, 'reload scheduled by reload_time_file');
  }

  private due(file: string): void {
    if (!this.repeat) {
      try {
        rmSync(file, { force: true });
      } catch (err) {
        this.log.warn({ err, file }, 'reload_time_file: cannot delete it after the reload');
      }
    }
    this.reload();
  }

  close(): void {
    clearTimeout(this.timer);
    this.watcher?.close();
  }
}

const MAX_TIMEOUT_MS = 2 ** 31 - 1;
