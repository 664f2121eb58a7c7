/**
 * The daemon: the one place where the pure core meets the edges. It opens a receiver per
 * (interface, family), starts one InstanceRunner per configured instance, turns link notifications
 * into fault events, and on stop releases everything in keepalived's order (priority 0, VIPs, notify).
 */
import { canonicalAddress } from '../core/codec/ip-address.js';
import type { InstanceConfig, VipdConfig } from '../core/config/model.js';
import type { AddressPort, Family, FramePort, LinkInfo, LinkWatcher, TimerPort, VrrpPort } from '../core/ports.js';
import type { Clock } from '../core/time.js';
import type { Logger } from '../log.js';
import { InstanceRunner } from './instance.js';
import { Receiver } from './receiver.js';
import { type TrackerEdges, TrackerError, Trackers } from './trackers.js';

/** Everything the daemon needs from the outside world; tests may pass fakes. */
export interface DaemonEdges {
  clock: Clock;
  addresses: AddressPort;
  links: LinkWatcher;
  primaryAddress(ifname: string, family: Family): Promise<string | undefined>;
  openVrrpSocket(opts: { family: Family; ifname: string; ifindex: number; multicast: boolean }): VrrpPort;
  openFrameSocket(ifindex: number): FramePort;
  createTimer(onFire: () => void): TimerPort;
  runScript(argv: string[], opts: { timeoutMs: number; log: Logger }): Promise<void>;
  trackers: TrackerEdges;
  /** Whether the interface forwards IPv6 (keepalived then sets the NA Router flag). */
  ipv6Forwarding(ifname: string): boolean;
}

export class StartupError extends Error {
  readonly code = 'VIPD_ERR_STARTUP';
}

const NOTIFY_TIMEOUT_MS = 10_000;
const PRIMARY_ADDRESS_ATTEMPTS = 30;

export class Daemon {
  readonly instances: InstanceRunner[] = [];
  private readonly receivers = new Map<string, Receiver>();
  private readonly frameSockets = new Map<number, FramePort>();
  private unsubscribeLinks: (() => void) | undefined;
  private readonly trackers: Trackers;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly config: VipdConfig,
    private readonly edges: DaemonEdges,
    private readonly log: Logger,
  ) {
    this.trackers = new Trackers(config, edges.trackers, log);
  }

  async start(): Promise<void> {
    await this.edges.addresses.warmUp?.();
    const links = new Map<string, LinkInfo>();
    for (const c of this.config.instances) {
      const link = links.get(c.interface) ?? (await this.edges.links.get(c.interface));
      if (!link) throw new StartupError(`instance ${c.name}: interface ${c.interface} does not exist`);
      links.set(c.interface, link);
      const runner = await this.createInstance(c, link);
      this.instances.push(runner);
    }
    for (const r of this.instances) this.trackers.bind(r.config, (result) => r.trackersChanged(result));
    for (const name of new Set(this.config.instances.flatMap((c) => c.trackInterfaces.map((t) => t.interface)))) {
      const link = links.get(name) ?? (await this.edges.links.get(name));
      if (!link) this.log.warn({ interface: name }, 'tracked interface does not exist: counted as down');
      this.trackers.linkChanged(name, link?.up ?? false);
    }
    this.unsubscribeLinks = this.edges.links.onChange((link) => {
      this.trackers.linkChanged(link.name, link.up);
      for (const r of this.instances) if (r.config.interface === link.name) r.linkChanged(link.up);
    });
    try {
      this.trackers.start();
    } catch (err) {
      if (err instanceof TrackerError) throw new StartupError(err.message);
      throw err;
    }
    for (const r of this.instances) {
      r.start();
      const link = links.get(r.config.interface);
      if (link && !link.up) r.linkChanged(false);
    }
    this.log.info({ instances: this.instances.map((r) => r.config.name) }, 'vipd started');
  }

  private async createInstance(c: InstanceConfig, link: LinkInfo): Promise<InstanceRunner> {
    const primary = c.unicastSrcIp ?? (await this.waitForPrimaryAddress(c));
    if (!primary) {
      const what = c.family === 4 ? 'an IPv4 address' : 'a link-local IPv6 address';
      throw new StartupError(`instance ${c.name}: interface ${c.interface} has no ${what} to send adverts from`);
    }
    await this.checkVipDevices(c);
    const receiver = this.receiverFor(c, link);
    const frames = this.frameSocketFor(link.index);
    const log = this.log.child({ instance: c.name, vrid: c.vrid, interface: c.interface, family: `ipv${c.family}` });
    return new InstanceRunner(
      c,
      { primaryAddress: primary, mac: link.mac, ipv6Router: c.family === 6 && this.edges.ipv6Forwarding(c.interface) },
      receiver,
      {
        clock: this.edges.clock,
        addresses: this.edges.addresses,
        frames,
        createTimer: (f) => this.edges.createTimer(f),
        runScript: (argv) => this.edges.runScript(argv, { timeoutMs: NOTIFY_TIMEOUT_MS, log }),
      },
      log,
    );
  }

  /**
   * Lists the addresses of every VIP device once: a VIP already there is reported (vipd will not remove what
   * it did not add), and the device's index is cached so that adds on a takeover need no lookup first.
   */
  private async checkVipDevices(c: InstanceConfig): Promise<void> {
    for (const dev of new Set(c.vips.map((v) => v.dev))) {
      const listed = await this.edges.addresses.list(dev, c.family);
      const present = new Set(listed.map((a) => canonicalAddress(a.address)));
      for (const v of c.vips) {
        if (v.dev === dev && present.has(canonicalAddress(v.address))) {
          this.log.warn({ instance: c.name, vip: v.address, dev }, 'VIP already present: vipd will not remove it');
        }
      }
    }
  }

  /** An IPv6 link-local address is unusable while DAD runs (about 1 s after link up): wait for it, bounded. */
  private async waitForPrimaryAddress(c: InstanceConfig): Promise<string | undefined> {
    for (let attempt = 0; attempt < PRIMARY_ADDRESS_ATTEMPTS; attempt++) {
      const a = await this.edges.primaryAddress(c.interface, c.family);
      if (a) return a;
      await new Promise((r) => setTimeout(r, 100));
    }
    return undefined;
  }

  private receiverFor(c: InstanceConfig, link: LinkInfo): Receiver {
    const key = `${c.interface}/${c.family}`;
    let r = this.receivers.get(key);
    if (!r) {
      // Join the multicast group whenever some instance on this interface multicasts.
      const multicast = this.config.instances.some(
        (o) => o.interface === c.interface && o.family === c.family && o.unicastPeers.length === 0,
      );
      const port = this.edges.openVrrpSocket({ family: c.family, ifname: c.interface, ifindex: link.index, multicast });
      r = new Receiver(c.interface, c.family, port);
      this.receivers.set(key, r);
    }
    return r;
  }

  private frameSocketFor(ifindex: number): FramePort {
    let f = this.frameSockets.get(ifindex);
    if (!f) {
      f = this.edges.openFrameSocket(ifindex);
      this.frameSockets.set(ifindex, f);
    }
    return f;
  }

  /** Graceful stop (SIGTERM/SIGINT): every instance releases mastership, then the edges close. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info('vipd stopping');
      await this.trackers.stop();
      await Promise.allSettled(this.instances.map((r) => r.stop()));
      this.closeEdges();
      this.log.info('vipd stopped');
    })();
    return this.stopping;
  }

  /** On a crash: send priority 0 where master and remove every VIP this process added. */
  async emergencyRelease(): Promise<void> {
    void this.trackers.stop();
    await Promise.allSettled(this.instances.map((r) => r.emergencyRelease()));
    this.closeEdges();
  }

  status(): Record<string, unknown>[] {
    return this.instances.map((r) => ({ ...r.machine.snapshot(), vrid: r.config.vrid, stats: r.counters.toJSON() }));
  }

  private closeEdges(): void {
    this.unsubscribeLinks?.();
    for (const r of this.instances) r.close();
    for (const r of this.receivers.values()) r.port.close();
    for (const f of this.frameSockets.values()) f.close();
    this.receivers.clear();
    this.frameSockets.clear();
    this.edges.links.close();
    this.edges.addresses.close();
  }
}
