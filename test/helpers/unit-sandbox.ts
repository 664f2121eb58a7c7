/**
 * A systemd unit's [Service] sandbox, emulated where systemd is not PID 1: the command line that starts a unit's
 * ExecStart= as systemd would set it up for each hardening option, built from the same tools systemd's options
 * stand for (setpriv for capability sets and no_new_privs, prlimit for limits, a private mount namespace for the
 * file-system options). An option with no emulation here is an error: a hardening line is in the unit only once
 * vipd has been run under it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** [Service] keys that shape what runs, not what it may do: not emulated. */
const NOT_SANDBOX = new Set([
  'Type',
  'NotifyAccess',
  'ExecStartPre',
  'ExecStart',
  'ExecReload',
  'ExecStopPost',
  'TimeoutStopSec',
  'KillMode',
  'Restart',
  'RestartSec',
  'RuntimeDirectoryMode',
  'CacheDirectoryMode',
]);

export interface UnitSandbox {
  /** The [Service] keys, last value wins. */
  service: Map<string, string>;
  /** Directories systemd would create for the unit (RuntimeDirectory=, CacheDirectory=), to create and remove. */
  directories: string[];
  /** Environment systemd would set (CACHE_DIRECTORY, RUNTIME_DIRECTORY). */
  env: Record<string, string>;
  /** argv that runs `command` inside the sandbox (prefix with `ip netns exec NS` for a lab host). */
  wrap(command: string[]): string[];
}

export function parseService(unitText: string): Map<string, string> {
  const service = new Map<string, string>();
  let section = '';
  for (const raw of unitText.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1] as string;
      continue;
    }
    const eq = line.indexOf('=');
    if (section === 'Service' && eq > 0) service.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return service;
}

const caps = (list: string) =>
  `-all,${list
    .split(/\s+/)
    .filter(Boolean)
    .map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`)
    .join(',')}`;
const yes = (v: string | undefined) => v !== undefined && /^(yes|true|on|1)$/i.test(v);

/** Read-only bind mounts of the paths that exist (as systemd's ProtectSystem/ProtectHome make them). */
const readOnly = (paths: string[]) =>
  paths.filter((p) => existsSync(p)).map((p) => `mount --bind ${p} ${p} && mount -o remount,bind,ro ${p}`);

export function unitSandbox(unitText: string): UnitSandbox {
  const service = parseService(unitText);
  const mounts: string[] = [];
  const setpriv: string[] = [];
  const prlimit: string[] = [];
  const directories: string[] = [];
  const env: Record<string, string> = {};
  for (const [key, value] of service) {
    if (NOT_SANDBOX.has(key)) continue;
    switch (key) {
      case 'CapabilityBoundingSet':
        setpriv.push(`--bounding-set=${caps(value)}`);
        break;
      case 'AmbientCapabilities':
        setpriv.push(`--inh-caps=${caps(value)}`, `--ambient-caps=${caps(value)}`);
        break;
      case 'NoNewPrivileges':
        if (yes(value)) setpriv.push('--no-new-privs');
        break;
      case 'ProtectSystem':
        if (value === 'full') mounts.push(...readOnly(['/usr', '/boot', '/efi', '/etc']));
        else throw new Error(`ProtectSystem=${value}: only 'full' is emulated`);
        break;
      case 'ProtectHome':
        if (value === 'read-only') mounts.push(...readOnly(['/home', '/root', '/run/user']));
        else throw new Error(`ProtectHome=${value}: only 'read-only' is emulated`);
        break;
      case 'PrivateTmp':
        if (yes(value)) mounts.push('mount -t tmpfs tmpfs /tmp', 'mount -t tmpfs tmpfs /var/tmp');
        break;
      case 'ProtectKernelModules':
        // Module loading is not this service's (CAP_SYS_MODULE is outside the bounding set), nor are module files.
        if (yes(value))
          mounts.push(...['/usr/lib/modules'].filter(existsSync).map((p) => `mount -t tmpfs -o ro tmpfs ${p}`));
        break;
      case 'ProtectControlGroups':
        if (yes(value)) mounts.push(...readOnly(['/sys/fs/cgroup']));
        break;
      case 'RuntimeDirectory':
        directories.push(`/run/${value}`);
        env.RUNTIME_DIRECTORY = `/run/${value}`;
        break;
      case 'CacheDirectory':
        directories.push(`/var/cache/${value}`);
        env.CACHE_DIRECTORY = `/var/cache/${value}`;
        break;
      case 'LimitNOFILE': {
        // systemd raises it as PID 1 may; a test machine without CAP_SYS_RESOURCE keeps its own hard limit as a cap.
        const hard = Number(execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim()) || Number(value);
        const limit = Math.min(Number(value), hard);
        prlimit.push(`--nofile=${limit}:${limit}`);
        break;
      }
      default:
        throw new Error(`no emulation for the unit's ${key}=${value}: test vipd under it before adding it`);
    }
  }
  return {
    service,
    directories,
    env,
    wrap(command) {
      const inner = ['prlimit', ...prlimit, '--', 'setpriv', ...setpriv, '--', ...command];
      const script = [...mounts, 'exec "$@"'].join(' && ');
      return ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sandbox', ...inner];
    },
  };
}
