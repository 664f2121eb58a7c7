/**
 * MISC_CHECK and vrrp_script runs (keepalived.md §1d, §2, §3f), through runScript (own process group,
 * sanitised environment, SIGTERM to the group on timeout then SIGKILL after the grace period).
 *
 * exit 0 = ok; with misc_dynamic, exit 2..255 = ok with dynamicWeight = status - 2 (exit 0 keeps the configured
 * weight: no dynamicWeight); any other exit = fail ('exit 1'). A timeout is a failure ('timeout'), as is a
 * death by signal ('killed by SIGKILL') or a script that cannot be started ('exec: ENOENT'). Never throws.
 *
 * checkScriptSecurity is keepalived's enable_script_security rule, for the caller to apply at config time.
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedMiscCheck } from '../../core/checks/spec.js';
import type { CheckResult } from '../../core/tracking/types.js';
import { runScript, type ScriptResult } from '../scripts.js';
import { since } from './reasons.js';

export type MiscProbeOptions = Pick<
  ResolvedMiscCheck,
  'miscPath' | 'miscTimeoutMs' | 'miscDynamic' | 'uid' | 'gid' | 'env' | 'killGraceMs'
>;

/**
 * Runs the script once. Resolves when the script has exited (on abort it is terminated first, so no process is
 * left behind when the promise settles, unless it ignores SIGTERM: then it is SIGKILLed after killGraceMs).
 */
export function miscProbe(o: MiscProbeOptions, signal?: AbortSignal): Promise<CheckResult> {
  const start = performance.now();
  return new Promise<CheckResult>((resolve) => {
    if (signal?.aborted) {
      resolve({ ok: false, reason: 'aborted', latencyMs: 0 });
      return;
    }
    let aborted = false;
    const onAbort = () => {
      aborted = true;
      handle.terminate();
    };
    const handle = runScript(o.miscPath, {
      timeoutMs: o.miscTimeoutMs,
      uid: o.uid,
      gid: o.gid,
      env: o.env,
      killGraceMs: o.killGraceMs,
      onExit: (r) => {
        signal?.removeEventListener('abort', onAbort);
        const res = scriptOutcome(r, o.miscDynamic);
        resolve({ ...res, ...(aborted ? { ok: false, reason: 'aborted' } : {}), latencyMs: since(start) });
      },
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** How keepalived judges a script's exit. */
export function scriptOutcome(r: ScriptResult, dynamic: boolean): Omit<CheckResult, 'latencyMs'> {
  if (r.error) return { ok: false, reason: `exec: ${r.error.code}` };
  if (r.timedOut) return { ok: false, reason: 'timeout' };
  if (r.signal) return { ok: false, reason: `killed by ${r.signal}` };
  const code = r.code ?? -1;
  if (code === 0) return { ok: true, reason: 'ok' };
  if (dynamic && code >= 2 && code <= 255) return { ok: true, reason: 'ok', dynamicWeight: code - 2 };
  return { ok: false, reason: `exit ${code}` };
}

/**
 * keepalived's enable_script_security test (check_security in notify.c): the script, once symlinks are
 * resolved, and every directory above it must not be writable by anyone but root. A path component is
 * refused when it is owned by a non-root user, or when (unless it is a sticky directory such as /tmp) it is
 * group-writable with a non-root group or world-writable. Returns the reason for a refusal, else undefined.
 */
export function checkScriptSecurity(file: string): string | undefined {
  let real: string;
  try {
    real = realpathSync(file);
  } catch (err) {
    return `cannot resolve ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  let p = real;
  for (let i = 0; i < 4096; i++) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch (err) {
      return `cannot stat ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
    }
    if (st.uid !== 0) return `${p} is owned by uid ${st.uid}, not root`;
    const stickyDir = st.isDirectory() && (st.mode & 0o1000) !== 0;
    if (!stickyDir) {
      if (st.gid !== 0 && (st.mode & 0o020) !== 0) return `${p} is writable by group ${st.gid}`;
      if ((st.mode & 0o002) !== 0) return `${p} is world-writable`;
    }
    const parent = path.dirname(p);
    if (parent === p) return undefined;
    p = parent;
  }
  return `path too deep: ${real}`;
}
