/**
 * Notify script runner, following keepalived's execution model (keepalived.md §3f, §0 point 7):
 * - the argv is exec'd directly, never through a shell (the config loader already split the command line
 *   the way keepalived does; `splitCommand` is re-exported here);
 * - the script runs in its own process group (detached), with LD_PRELOAD, LD_LIBRARY_PATH and IFS removed
 *   from its environment, and its stdio ignored or forwarded line by line to a logger;
 * - it is fire-and-forget: runScript returns at once and reports the outcome through onExit;
 * - on timeout the whole process group gets SIGTERM, then SIGKILL 2 s later if the script is still running;
 * - a script that cannot be started (ENOENT, EACCES, EPERM for a uid/gid change, ...) is reported, never thrown.
 * keepalived also sets PR_SET_PDEATHSIG on its scripts; Node cannot, so a script outlives a crashed vipd.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { lazyBuiltin } from '../core/lazy-builtin.js';

export { CommandSyntaxError, splitCommand } from '../core/config/command.js';

const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');

/** keepalived's delay between the SIGTERM and the SIGKILL of a timed-out script. */
export const KILL_GRACE_MS = 2000;

/** Variables keepalived removes from a script's environment. */
const STRIPPED_ENV = ['LD_PRELOAD', 'LD_LIBRARY_PATH', 'IFS'] as const;

/** The subset of a pino logger the runner uses. */
export interface ScriptLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ScriptResult {
  /** Exit code, or null when the script was killed by a signal or never started. */
  code: number | null;
  /** Name of the terminating signal (e.g. 'SIGTERM'), or null. */
  signal: string | null;
  /** True when the timeout fired (the script was sent SIGTERM, and SIGKILL if needed). */
  timedOut: boolean;
  /** From the spawn to the exit (or to the failure to start). */
  durationMs: number;
  /** Set when the script could not be started: code 'ENOENT', 'EACCES', 'EPERM', 'EINVAL', ... */
  error?: { code: string; message: string } | undefined;
}

export interface RunScriptOptions {
  timeoutMs: number;
  /** The environment to start from (default process.env); LD_PRELOAD, LD_LIBRARY_PATH and IFS are removed. */
  env?: Record<string, string | undefined> | undefined;
  uid?: number | undefined;
  gid?: number | undefined;
  /** Called exactly once, asynchronously: when the script exits, or when it could not be started. */
  onExit?: ((r: ScriptResult) => void) | undefined;
  /** Also called (before onExit) when the script could not be started. */
  onError?: ((err: { code: string; message: string }) => void) | undefined;
  /** When given, stdout and stderr are forwarded line by line (info / warn); otherwise they are ignored. */
  logger?: ScriptLogger | undefined;
  /** Delay between SIGTERM and SIGKILL after a timeout (keepalived: 2000 ms). */
  killGraceMs?: number | undefined;
}

export interface ScriptHandle {
  /** Process id (= process group id), undefined when the script could not be started. */
  readonly pid: number | undefined;
  /** Sends SIGTERM to the script's process group now (then SIGKILL after the grace period). */
  terminate(): void;
}

/** Starts a script and returns at once; never throws. */
export function runScript(argv: readonly string[], opts: RunScriptOptions): ScriptHandle {
  const started = performance.now();
  const grace = opts.killGraceMs ?? KILL_GRACE_MS;
  let done = false;
  let timedOut = false;
  let exited = false;
  let termTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;

  const finish = (r: Omit<ScriptResult, 'durationMs' | 'timedOut'>) => {
    if (done) return;
    done = true;
    clearTimeout(termTimer);
    clearTimeout(killTimer);
    const result: ScriptResult = { ...r, timedOut, durationMs: performance.now() - started };
    if (r.error) opts.onError?.(r.error);
    opts.onExit?.(result);
  };
  const failToStart = (code: string, message: string) =>
    setImmediate(() => finish({ code: null, signal: null, error: { code, message } }));

  const file = argv[0];
  if (file === undefined || file === '') {
    failToStart('EINVAL', 'empty command');
    return { pid: undefined, terminate: () => {} };
  }

  let child: ChildProcess;
  try {
    child = childProcess().spawn(file, argv.slice(1), {
      detached: true, // own process group: a timeout kills the script and everything it started
      stdio: opts.logger ? ['ignore', 'pipe', 'pipe'] : 'ignore',
      env: scriptEnv(opts.env ?? process.env),
      uid: opts.uid,
      gid: opts.gid,
      shell: false,
      windowsHide: true,
    });
  } catch (err) {
    // Node throws synchronously for some spawn failures (EPERM on a uid change, ENOTDIR, bad arguments).
    const e = err as NodeJS.ErrnoException;
    failToStart(e.code ?? 'ESPAWN', e.message);
    return { pid: undefined, terminate: () => {} };
  }

  const pid = child.pid;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (pid === undefined || exited) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  };
  const terminate = () => {
    if (exited || killTimer) return;
    signalGroup('SIGTERM');
    killTimer = setTimeout(() => signalGroup('SIGKILL'), grace);
  };

  child.on('error', (err: NodeJS.ErrnoException) => {
    // Emitted when the spawn itself fails (ENOENT, EACCES, ...): no 'exit' follows.
    if (child.pid === undefined)
      finish({ code: null, signal: null, error: { code: err.code ?? 'ESPAWN', message: err.message } });
  });
  child.on('exit', (code, signal) => {
    exited = true;
    finish({ code, signal });
  });
  if (opts.logger && pid !== undefined) {
    const meta = { script: file, pid };
    forwardLines(child.stdout, (line) => opts.logger?.info({ ...meta, stream: 'stdout' }, line));
    forwardLines(child.stderr, (line) => opts.logger?.warn({ ...meta, stream: 'stderr' }, line));
  }
  if (pid !== undefined && Number.isFinite(opts.timeoutMs)) {
    termTimer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, opts.timeoutMs);
  }
  return { pid, terminate };
}

/** The environment a script gets: `base` minus LD_PRELOAD, LD_LIBRARY_PATH and IFS (as keepalived). */
export function scriptEnv(base: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) {
    if (v !== undefined && !(STRIPPED_ENV as readonly string[]).includes(k)) env[k] = v;
  }
  return env;
}

const MAX_LINE = 4096;

function forwardLines(stream: Readable | null, emit: (line: string) => void): void {
  if (!stream) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      emit(buf.slice(0, Math.min(nl, MAX_LINE)));
      buf = buf.slice(nl + 1);
      nl = buf.indexOf('\n');
    }
    if (buf.length > MAX_LINE) {
      emit(buf.slice(0, MAX_LINE));
      buf = '';
    }
  });
  stream.on('end', () => {
    if (buf) emit(buf);
    buf = '';
  });
  stream.on('error', () => {});
}
