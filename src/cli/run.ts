/** `vipd run`: the daemon in the foreground until SIGTERM/SIGINT; exit 0 after a hand-off, 1 when it cannot start. */
import type { VipdConfig } from '../core/config/model.js';
import { VipdError } from '../core/errors.js';
import { Daemon } from '../daemon/daemon.js';
import { createLogger, flushLogs } from '../log.js';

export async function run(config: VipdConfig, level?: string) {
  const log = createLogger(level);
  const { createRealEdges } = await import('../edges/index.js');
  const daemon = new Daemon(config, await createRealEdges(log), log);

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
      void daemon.stop().then(() => resolve(0));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  // Reload arrives with a later issue; until then SIGHUP must not kill the daemon and strand its VIPs.
  process.on('SIGHUP', () => log.warn('SIGHUP: configuration reload is not supported yet; keeping the running config'));

  // Fault injection for the crash-path test: an uncaught exception this many ms after start-up.
  const crashAfter = Number(process.env.VIPD_INJECT_CRASH_AFTER_MS);
  if (crashAfter > 0) {
    setTimeout(() => {
      throw new Error('injected crash (VIPD_INJECT_CRASH_AFTER_MS)');
    }, crashAfter).unref();
  }

  try {
    await daemon.start();
  } catch (err) {
    // What a user can act on is one line on stderr; anything else keeps its stack in the log.
    const reason = missingPrivileges(err) ?? (err instanceof VipdError ? err.message : undefined);
    if (reason) process.stderr.write(`vipd: ${reason}\n`);
    log.error(reason ? { reason } : { err }, 'vipd cannot start');
    await daemon.emergencyRelease();
    return 1;
  }
  return stopped;
}

// A reader that left (EPIPE) must cost the lines it misses, never the daemon: without a listener the stream's
// 'error' would be an uncaught exception, and the crash path would release the VIPs of a healthy master.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

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
