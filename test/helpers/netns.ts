/**
 * A LAN of network namespaces for integration tests: one "switch" namespace holding a bridge,
 * and one namespace per host joined to it by a veth pair (eth0 inside the host). Nothing is created
 * in the root namespace, so the machine's own interfaces are never touched. Names are unique per
 * process and lab; destroy() removes everything and is also run on exit and on SIGINT/SIGTERM.
 */
import { type ChildProcess, execFileSync, type SpawnOptions, spawn } from 'node:child_process';

export const isRoot = process.getuid?.() === 0;
export const inCI = process.env.CI === 'true';

/**
 * Whether root-only tests can run. Not root: skip with a message, except in CI where that is a failure.
 * Use as `describe.skipIf(!canRunNetns())(...)`.
 */
export function canRunNetns(): boolean {
  if (isRoot && hasIp()) return true;
  const why = isRoot ? 'iproute2 (ip) is not installed' : 'these tests need root (network namespaces, raw sockets)';
  if (inCI) throw new Error(`CI=true but namespace tests cannot run: ${why}`);
  console.warn(`skipping namespace tests: ${why}`);
  return false;
}

function hasIp(): boolean {
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let labCounter = 0;
const liveLabs = new Set<Lab>();

export interface LabHost {
  /** Short name given by the test (r1, r2, client). */
  name: string;
  /** Namespace name (unique). */
  ns: string;
  /** Primary IPv4 / IPv6 address on eth0 (TEST-NET-1 / documentation prefix). */
  ipv4: string;
  ipv6: string;
  /** The host's port on the bridge (peer of its eth0). */
  port: string;
}

export interface LabOptions {
  /** Extra IPv4 prefix for host addresses: 192.0.2.0/24 by default (TEST-NET-1). */
  ipv4Prefix?: string;
}

export class Lab {
  readonly id: string;
  readonly switchNs: string;
  readonly hosts = new Map<string, LabHost>();
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;

  private constructor(tag: string) {
    labCounter += 1;
    const rand = Math.random().toString(36).slice(2, 6);
    this.id = `vipd-${tag}-${process.pid}-${labCounter}-${rand}`;
    this.switchNs = `${this.id}-sw`;
  }

  /** Creates the switch and one host per name. Hosts get 192.0.2.(11+i)/24 and 2001:db8::(11+i)/64. */
  static create(tag: string, hostNames: string[]): Lab {
    const lab = new Lab(tag);
    liveLabs.add(lab);
    try {
      lab.build(hostNames);
    } catch (err) {
      lab.destroy();
      throw err;
    }
    return lab;
  }

  private build(hostNames: string[]): void {
    ip('netns', 'add', this.switchNs);
    this.exec(this.switchNs, 'ip', 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0');
    // Multicast snooping would need an IGMP querier; without one, plain flooding is what a small LAN does.
    this.exec(this.switchNs, 'ip', 'link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '0');
    this.exec(this.switchNs, 'ip', 'link', 'set', 'br0', 'up');
    hostNames.forEach((name, i) => {
      const ns = `${this.id}-${name}`;
      const n = 11 + i;
      const host: LabHost = { name, ns, ipv4: `192.0.2.${n}`, ipv6: `2001:db8::${n}`, port: `p${i}` };
      ip('netns', 'add', ns);
      this.hosts.set(name, host);
      this.exec(ns, 'ip', 'link', 'set', 'lo', 'up');
      this.plugInterface(name);
    });
  }

  /**
   * Creates the host's eth0 (a veth whose peer is a port of the bridge) with its addresses, and brings it up.
   * `dad: true` leaves IPv6 duplicate address detection on, so the link-local address is tentative for a while,
   * as on a real host; the lab's own hosts have it off (random link-local IIDs never collide here). `up: false`
   * leaves it down, for a caller that times the moment it comes up.
   */
  plugInterface(hostName: string, opts: { dad?: boolean; up?: boolean } = {}): void {
    const { ns, port, ipv4, ipv6 } = this.host(hostName);
    ip('-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', this.switchNs);
    this.exec(this.switchNs, 'ip', 'link', 'set', port, 'master', 'br0');
    this.exec(this.switchNs, 'ip', 'link', 'set', port, 'up');
    if (!opts.dad) this.exec(ns, 'sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=0');
    this.exec(ns, 'ip', 'addr', 'add', `${ipv4}/24`, 'dev', 'eth0');
    this.exec(ns, 'ip', 'addr', 'add', `${ipv6}/64`, 'dev', 'eth0', 'nodad');
    if (opts.up !== false) this.exec(ns, 'ip', 'link', 'set', 'eth0', 'up');
  }

  /** Deletes the host's eth0 (and its bridge port with it), as a network manager rebuilding a device does. */
  unplugInterface(hostName: string): void {
    this.exec(hostName, 'ip', 'link', 'del', 'eth0');
  }

  host(name: string): LabHost {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name} in lab ${this.id}`);
    return h;
  }

  /** Runs a command inside a namespace (host name or namespace name) and returns stdout. */
  exec(nsOrHost: string, cmd: string, ...args: string[]): string {
    const ns = this.hosts.get(nsOrHost)?.ns ?? nsOrHost;
    return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 20_000,
    });
  }

  /** Like exec, but returns undefined instead of throwing when the command fails. */
  tryExec(nsOrHost: string, cmd: string, ...args: string[]): string | undefined {
    try {
      return this.exec(nsOrHost, cmd, ...args);
    } catch {
      return undefined;
    }
  }

  /** Starts a long-running process in a namespace; it is killed by destroy(). */
  spawn(nsOrHost: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const ns = this.hosts.get(nsOrHost)?.ns ?? nsOrHost;
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.children.add(child);
    child.on('exit', () => this.children.delete(child));
    return child;
  }

  /** IPv4 addresses currently on a host's device. */
  addresses(nsOrHost: string, dev = 'eth0', family: 4 | 6 = 4): string[] {
    const out = this.tryExec(nsOrHost, 'ip', '-j', `-${family}`, 'addr', 'show', 'dev', dev) ?? '[]';
    const parsed = JSON.parse(out) as { addr_info?: { local?: string }[] }[];
    // `ip -j` may list empty objects for filtered-out addresses.
    return parsed.flatMap((l) => (l.addr_info ?? []).map((a) => a.local).filter((a): a is string => Boolean(a)));
  }

  /** The host's IPv6 link-local address on a device (the VRRPv3 IPv6 advert source). */
  linkLocal(nsOrHost: string, dev = 'eth0'): string | undefined {
    return this.addresses(nsOrHost, dev, 6).find((a) => a.startsWith('fe80:'));
  }

  /** Kills every process started here and deletes every namespace. Safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    liveLabs.delete(this);
    for (const child of this.children) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const ns of [...[...this.hosts.values()].map((h) => h.ns), this.switchNs]) {
      // Kill anything still running inside (a grandchild that escaped the process group).
      try {
        const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean);
        for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
      } catch {
        // namespace already gone
      }
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // already deleted
      }
    }
  }
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

function destroyAll(): void {
  for (const lab of [...liveLabs]) lab.destroy();
}

process.once('exit', destroyAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    destroyAll();
    process.exit(130);
  });
}

/** Waits until `probe` returns a value other than undefined, polling every `stepMs`; bounded by `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  stepMs = 20,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < Math.ceil(timeoutMs / stepMs) + 1; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
