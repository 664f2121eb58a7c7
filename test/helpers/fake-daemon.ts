/**
 * The Daemon on fake edges (no root needed): a fake kernel of links and addresses that emits the events netlink
 * would, fake sockets bound to an interface index (adverts can be injected as if a peer sent them), timers on a
 * fake clock. Shared by the daemon scenario tests.
 */

import { Writable } from 'node:stream';
import { pino } from 'pino';
import { expect } from 'vitest';
import { type BfdSession, sessionKey } from '../../src/core/bfd/control.js';
import { encodeAdvert } from '../../src/core/codec/advert.js';
import { encodeAhDatagram } from '../../src/core/codec/ah.js';
import { decodeGarp } from '../../src/core/codec/frames.js';
import { formatAddress, parseAddress } from '../../src/core/codec/ip-address.js';
import { routeLine, ruleLine } from '../../src/core/config/routing.js';
import { parseYamlConfig } from '../../src/core/config/yaml.js';
import type { Family } from '../../src/core/net.js';
import type {
  AddressChange,
  AddressPort,
  DaemonEdges,
  KernelAddress,
  LinkInfo,
  LinkWatcher,
  ReceivedPacket,
  RoutingDeletion,
  RoutingPort,
  TrackerEdges,
} from '../../src/core/ports.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { advertRefusal, frameRefusal, settleSend } from './fake-send.js';
import { FakeTimers } from './fake-timers.js';

export const VIP = '192.0.2.100';
export const PRIMARY = '192.0.2.11';

const errno = (code: string) => Object.assign(new Error(code), { code });

interface Addr extends KernelAddress {
  family: Family;
}

/** Links and addresses, and the notifications a change of either sends. */
export class FakeKernel {
  readonly links = new Map<string, LinkInfo>();
  readonly addresses = new Map<number, Addr[]>();
  readonly linkListeners = new Set<(l: LinkInfo) => void>();
  readonly addressListeners = new Set<(c: AddressChange) => void>();
  private nextIndex = 2;
  /** When set, every VRRP send fails with this code (a firewall, say). */
  sendError: string | undefined;
  /** The open VRRP sockets (not AH), each with what the kernel dropped at it, its receive buffer full. */
  readonly vrrpSockets = new Set<{ ifindex: number; family: 4 | 6; drops: number }>();

  /** A burst the socket on this interface could not queue: `count` more drops there. */
  overflowSocket(ifindex: number, family: 4 | 6, count: number): void {
    for (const s of this.vrrpSockets) if (s.ifindex === ifindex && s.family === family) s.drops += count;
  }
  /** Routes and rules, as `ip route` / `ip rule` lines (routing.ts's routeLine / ruleLine). */
  readonly routes = new Set<string>();
  readonly rules = new Set<string>();
  readonly routingListeners = new Set<(d: RoutingDeletion) => void>();

  /** The interface of each route that names one (as the kernel, routes through a link go when it goes down). */
  readonly routeDevs = new Map<string, string>();

  /** Someone deletes a route by hand: the kernel tells whoever listens. */
  deleteRoute(line: string): void {
    if (!this.routes.delete(line)) return;
    this.routeDevs.delete(line);
    for (const l of this.routingListeners) l({ kind: 'route', family: 4 });
  }

  /** When set, every route add fails with this code (a table the kernel refuses, say). */
  routeError: string | undefined;

  /** A route through `dev` needs it to exist and be up (ENODEV, ENETDOWN), as the kernel's does. */
  addRoute(line: string, dev: string | undefined): 'present' | 'added' {
    if (this.routeError !== undefined) throw errno(this.routeError);
    if (dev !== undefined) {
      const link = this.links.get(dev);
      if (!link) throw errno('ENODEV');
      if (!link.up) throw errno('ENETDOWN');
      this.routeDevs.set(line, dev);
    }
    if (this.routes.has(line)) return 'present';
    this.routes.add(line);
    return 'added';
  }

  /** Down or deleted, a link takes its routes with it. */
  private dropRoutesOf(dev: string): void {
    for (const [line, d] of [...this.routeDevs]) if (d === dev) this.deleteRoute(line);
  }

  /** Kernel parameters by key (net/ipv4/conf/eth0/arp_ignore); every interface starts with keepalived's zeros. */
  readonly sysctls = new Map<string, string>();
  /** The VMAC (macvlan) interfaces, by name. */
  readonly macvlans = new Set<string>();
  /** The base interface of each macvlan vipd made: deleting a base deletes its macvlans, as the kernel does. */
  readonly macvlanBases = new Map<string, string>();
  /** The ipvlans among them, with their flags. */
  readonly ipvlans = new Map<string, string>();

  addLink(name: string, mac: Buffer = Buffer.from([2, 0, 0, 0, 0, this.nextIndex])): LinkInfo {
    const index = this.nextIndex++;
    const link: LinkInfo = { name, index, up: true, mac, mtu: 1500 };
    for (const k of ['arp_ignore', 'arp_filter', 'arp_announce', 'accept_local', 'rp_filter', 'promote_secondaries']) {
      this.sysctls.set(`net/ipv4/conf/${name}/${k}`, '0');
    }
    this.sysctls.set(`net/ipv6/conf/${name}/disable_ipv6`, '0');
    this.links.set(name, link);
    this.addresses.set(index, []);
    for (const l of this.linkListeners) l(link);
    return link;
  }

  setUp(name: string, up: boolean): void {
    const link = this.links.get(name);
    if (!link) return;
    const changed = { ...link, up };
    this.links.set(name, changed);
    for (const l of this.linkListeners) l(changed);
    if (!up) this.dropRoutesOf(name);
  }

  deleteLink(name: string): void {
    const link = this.links.get(name);
    if (!link) return;
    for (const [vlan, base] of [...this.macvlanBases]) if (base === name) this.deleteLink(vlan);
    this.macvlanBases.delete(name);
    this.ipvlans.delete(name);
    this.macvlans.delete(name);
    for (const k of [...this.sysctls.keys()]) {
      if (k.startsWith(`net/ipv4/conf/${name}/`) || k.startsWith(`net/ipv6/conf/${name}/`)) this.sysctls.delete(k);
    }
    for (const a of [...(this.addresses.get(link.index) ?? [])]) this.removeAddress(name, a.address);
    this.links.delete(name);
    this.addresses.delete(link.index);
    for (const l of this.linkListeners) l({ ...link, up: false, deleted: true });
    this.dropRoutesOf(name);
  }

  addAddress(dev: string, address: string, prefix: number): 'added' | 'present' {
    const link = this.links.get(dev);
    if (!link) throw errno('ENODEV');
    const list = this.addresses.get(link.index) ?? [];
    if (list.some((a) => a.address === address)) return 'present';
    const family: Family = address.includes(':') ? 6 : 4;
    const secondary = family === 4 && list.some((a) => a.family === 4 && !a.secondary);
    list.push({ family, address, prefix, secondary });
    for (const l of this.addressListeners) l({ kind: 'added', family, address, prefix, index: link.index, dev });
    return 'added';
  }

  /** Removing an IPv4 primary takes the secondaries with it (promote_secondaries off), as the kernel does. */
  removeAddress(dev: string, address: string): 'removed' | 'absent' {
    const link = this.links.get(dev);
    const list = link && this.addresses.get(link.index);
    const a = list?.find((x) => x.address === address);
    if (!link || !list || !a) return 'absent';
    const gone = a.family === 4 && !a.secondary ? list.filter((x) => x.family === 4) : [a];
    this.addresses.set(
      link.index,
      list.filter((x) => !gone.includes(x)),
    );
    for (const g of [...gone.filter((x) => x !== a), a]) {
      for (const l of this.addressListeners) {
        l({ kind: 'removed', family: g.family, address: g.address, prefix: g.prefix, index: link.index, dev });
      }
    }
    return 'removed';
  }

  has(dev: string, address: string): boolean {
    const link = this.links.get(dev);
    return !!link && (this.addresses.get(link.index) ?? []).some((a) => a.address === address);
  }

  hasIndex(index: number): boolean {
    return [...this.links.values()].some((l) => l.index === index);
  }
}

/** One instance in YAML (two-space indented under vrrp_instance). */
export function instanceYaml(
  name: string,
  vrid: number,
  o: { priority?: number; vips?: string[]; extra?: string; version?: 2 | 3; advertInt?: number } = {},
) {
  const vips = (o.vips ?? [`${VIP}/24`]).map((v) => JSON.stringify(v)).join(', ');
  return `  ${name}:
    interface: eth0
    virtual_router_id: ${vrid}
    priority: ${o.priority ?? 150}
    version: ${o.version ?? 3}
    advert_int: ${o.advertInt ?? 0.1}
    virtual_ipaddress: [${vips}]
${o.extra ?? ''}`;
}

export function configOf(yaml: string) {
  const parsed = parseYamlConfig(yaml, 'test.yaml');
  if (!parsed.config) throw new Error(parsed.errors.map((e) => e.message).join('; '));
  return parsed.config;
}

export function world(instanceExtra = '', topLevel = '', first = instanceYaml('VI_1', 51)) {
  const kernel = new FakeKernel();
  kernel.addLink('eth0');
  kernel.addAddress('eth0', PRIMARY, 24);
  const time = new FakeTimers();
  const fifoLines: string[] = [];
  const wire: {
    ifindex: number;
    kind: 'advert' | 'garp' | 'frame' | 'ah-datagram';
    /** An AH frame's or datagram's sequence number. */
    seq?: number;
    /** When it was sent (fake clock). */
    at?: number;
    vrid?: number;
    priority?: number;
    src?: string;
    mac?: string;
    /** An advert's destination, and the TTL asked for (undefined: the socket's 255). */
    dst?: string;
    ttl?: number | undefined;
  }[] = [];
  const receivers: ((p: ReceivedPacket) => void)[] = [];
  /** Listeners of the IPv4 AH sockets (protocol 51). */
  const ahReceivers: ((p: ReceivedPacket) => void)[] = [];
  /** Notify scripts run, each as one line of its argv. */
  const scripts: string[] = [];
  const sockets: string[] = [];
  /** Sends the fake addon refused before any syscall (as the real one: a TTL out of 1..255, a short frame). */
  const refused: string[] = [];
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const links: LinkWatcher = {
    get: async (name) => kernel.links.get(name),
    onChange: (l) => {
      kernel.linkListeners.add(l);
      return () => kernel.linkListeners.delete(l);
    },
    onAddressChange: (l) => {
      kernel.addressListeners.add(l);
      return () => kernel.addressListeners.delete(l);
    },
    close: () => undefined,
  };
  const addresses: AddressPort = {
    add: async (spec) => kernel.addAddress(spec.dev, spec.address, spec.prefix),
    remove: async (spec) => kernel.removeAddress(spec.dev, spec.address),
    list: async (dev, family) => {
      const link = kernel.links.get(dev);
      if (!link) throw errno('ENODEV');
      return (kernel.addresses.get(link.index) ?? []).filter((a) => a.family === family);
    },
    listAll: async (family) =>
      [...kernel.links.values()].flatMap((l) =>
        (kernel.addresses.get(l.index) ?? [])
          .filter((a) => a.family === family)
          .map((a) => ({ dev: l.name, address: a.address })),
      ),
    close: () => undefined,
  };
  /** Files the trackers read (track_file), and who watches them. */
  const files = new Map<string, string>();
  const watchers = new Map<string, () => void>();
  /** Who follows bfdd's sessions, and the socket each asked for. */
  const bfdWatchers = new Map<(sessions: ReadonlyMap<string, BfdSession>) => void, string | undefined>();
  /** bfdd's sessions change: every watcher hears all of them. */
  const setBfd = (sessions: BfdSession[]) => {
    const map = new Map(sessions.map((s) => [sessionKey(s), s]));
    for (const w of bfdWatchers.keys()) w(map);
  };
  const trackers: TrackerEdges = {
    createCheck: () => ({ start: () => undefined, stop: async () => undefined, running: true }),
    watchBfd: (socketPath, changed) => {
      bfdWatchers.set(changed, socketPath);
      return { stop: () => bfdWatchers.delete(changed) };
    },
    watchFile: (path, onChange) => {
      watchers.set(path, onChange);
      return () => watchers.delete(path);
    },
    readFile: (path) => files.get(path),
    writeFile: (path, text) => files.set(path, text),
    scriptSecurity: () => undefined,
    resolveUser: (u) => (u.user === 'nobody' ? { uid: 65534, gid: 65534 } : undefined),
  };
  const writeTrackedFile = (path: string, text: string) => {
    files.set(path, text);
    watchers.get(path)?.();
  };
  const addTo = (set: Set<string>, line: string): 'present' | 'added' => {
    if (set.has(line)) return 'present';
    set.add(line);
    return 'added';
  };
  const routing: RoutingPort = {
    addRoute: async (r) => kernel.addRoute(routeLine(r), r.dev),
    removeRoute: async (r) => {
      kernel.routeDevs.delete(routeLine(r));
      return kernel.routes.delete(routeLine(r)) ? 'removed' : 'absent';
    },
    addRule: async (r) => addTo(kernel.rules, ruleLine(r)),
    removeRule: async (r) => (kernel.rules.delete(ruleLine(r)) ? 'removed' : 'absent'),
    removeRoutesOf: async (protocol) => {
      const mine = [...kernel.routes].filter((line) => line.endsWith(` protocol ${protocol}`));
      for (const line of mine) {
        kernel.routes.delete(line);
        kernel.routeDevs.delete(line);
      }
      return mine;
    },
    close: () => undefined,
  };
  const edges: DaemonEdges = {
    clock: time.clock,
    addresses,
    routing,
    vmacs: {
      create: async ({ name, base, mac, ipvlan }) => {
        if (!kernel.links.has(base)) throw errno('ENODEV');
        const had = kernel.links.get(name);
        if (had && !kernel.macvlans.has(name)) throw errno('EEXIST');
        // An ipvlan has its base's MAC.
        const link = had ?? kernel.addLink(name, ipvlan ? (kernel.links.get(base)?.mac ?? mac) : mac);
        kernel.macvlans.add(name);
        kernel.macvlanBases.set(name, base);
        if (ipvlan) kernel.ipvlans.set(name, ipvlan);
        return { index: link.index, created: !had };
      },
      remove: async (name) => {
        if (!kernel.macvlans.has(name)) return 'absent';
        kernel.deleteLink(name);
        return 'removed';
      },
      close: () => undefined,
    },
    sysctl: {
      read: (key) => kernel.sysctls.get(key),
      write: (key, value) => {
        if (!kernel.sysctls.has(key)) throw errno('ENOENT');
        kernel.sysctls.set(key, value);
      },
    },
    watchRoutingDeletions: (listener) => {
      kernel.routingListeners.add(listener);
      return () => kernel.routingListeners.delete(listener);
    },
    links,
    openVrrpSocket({ family, ifindex, ah }) {
      sockets.push(`open ipv${family} on ${ifindex}`);
      const counted = { ifindex, family, drops: 0 };
      if (!ah) kernel.vrrpSockets.add(counted);
      return {
        send(message, dst, opts) {
          // Refused before any syscall, whatever the options (the daemon's warm-up counts on it).
          const refusal = advertRefusal(opts);
          if (refusal) {
            refused.push(`advert ttl=${opts?.ttl} on ${ifindex}`);
            throw refusal;
          }
          settleSend(opts, () => {
            if (!kernel.hasIndex(ifindex)) throw errno('ENXIO');
            if (kernel.sendError) throw errno(kernel.sendError);
            if (ah) {
              // A whole datagram (IP_HDRINCL): IPv4 header, AH, the advert.
              const datagram = { seq: message.readUInt32BE(20 + 8), priority: message[20 + 24 + 2], ttl: message[8] };
              wire.push({
                ifindex,
                kind: 'ah-datagram',
                dst,
                src: formatAddress(message.subarray(12, 16)),
                ...datagram,
              });
              return;
            }
            wire.push({
              ifindex,
              kind: 'advert',
              vrid: message[1],
              priority: message[2],
              src: opts?.src,
              dst,
              ttl: opts?.ttl,
            });
          });
        },
        onPacket: (listener) => {
          if (family === 4) (ah ? ahReceivers : receivers).push(listener);
        },
        kernelDrops: () => (kernel.vrrpSockets.has(counted) ? counted.drops : 0),
        close: () => {
          kernel.vrrpSockets.delete(counted);
          sockets.push(`close on ${ifindex}`);
        },
      };
    },
    openFrameSocket(ifindex) {
      return {
        send(frame) {
          const refusal = frameRefusal(frame);
          if (refusal) {
            refused.push(`frame of ${frame.length} bytes on ${ifindex}`);
            throw refusal;
          }
          if (!kernel.hasIndex(ifindex)) throw errno('ENXIO');
          const g = decodeGarp(frame);
          if (g) wire.push({ ifindex, kind: 'garp', mac: g.senderMac, at: time.now });
          else
            wire.push({ ifindex, kind: 'frame', seq: frame.readUInt32BE(14 + 20 + 8), priority: frame[14 + 44 + 2] });
        },
        close: () => undefined,
      };
    },
    createTimer: time.createTimer,
    runScript: async (argv, { uid }) => {
      scripts.push(uid === undefined ? argv.join(' ') : `${argv.join(' ')} (as ${uid})`);
    },
    trackers,
    ipv6Forwarding: () => false,
    sleep: async () => undefined,
    openNotifyFifo: ({ path }) => ({
      write: (line) => fifoLines.push(`${path} ${line.trimEnd()}`),
      close: async () => {
        fifoLines.push(`${path} closed`);
      },
    }),
  };
  const daemon = new Daemon(
    configOf(`${topLevel}vrrp_instance:\n${first}${instanceExtra}`),
    edges,
    pino({ level: 'debug' }, sink),
  );
  const settle = async () => {
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  };
  /** Advances the fake clock by `ms`, firing every timer due on the way, in order. */
  const advance = async (ms: number) => {
    const end = time.now + ms;
    for (let i = 0; i < 10_000; i++) {
      const t = time.takeNext(end);
      if (!t) break;
      t.fire();
      await settle();
    }
    time.now = end;
  };
  /**
   * A VRRPv3 advert from a peer on eth0 (IPv4) to the VRRP group, or to `dst` (unicast); with `ah`, a VRRPv2 one
   * behind an IPsec AH header.
   */
  const inject = (
    vrid: number,
    priority: number,
    o: {
      src?: string;
      dst?: string;
      vips?: string[];
      intervalMs?: number;
      ah?: { seq: number; password: string };
    } = {},
  ) => {
    const src = o.src ?? '192.0.2.12';
    const dst = o.dst ?? '224.0.0.18';
    const version = o.ah ? 2 : 3;
    const message = encodeAdvert(
      {
        version,
        vrid,
        priority,
        maxAdverIntervalMs: o.intervalMs ?? (o.ah ? 1000 : 100),
        addresses: o.vips ?? [VIP],
        ...(o.ah ? { authType: 2 as const } : {}),
      },
      { family: 4, src, dst },
    );
    const data = o.ah
      ? encodeAhDatagram({
          vrrp: message,
          src,
          dst,
          seq: o.ah.seq,
          password: o.ah.password,
          unicast: dst !== '224.0.0.18',
        })
      : Buffer.concat([ipv4Header(src, dst, message.length), message]);
    const ifindex = kernel.links.get('eth0')?.index ?? 0;
    for (const r of o.ah ? ahReceivers : receivers) {
      r({ family: 4, data, src, dst, ttl: 255, ifindex, at: time.now });
    }
  };
  const runner = () => daemon.instances[0];
  const state = () => runner()?.machine.state;
  return {
    kernel,
    daemon,
    wire,
    sockets,
    refused,
    lines,
    settle,
    advance,
    state,
    writeTrackedFile,
    setBfd,
    bfdWatchers,
    fifoLines,
    inject,
    time,
    scripts,
  };
}

export async function master(instanceExtra = '') {
  const w = world(instanceExtra);
  await w.daemon.start();
  await w.advance(400); // Master_Down_Interval 341 ms at priority 150
  await w.settle();
  expect(w.state()).toBe('MASTER');
  expect(w.kernel.has('eth0', VIP)).toBe(true);
  return w;
}

/** A minimal IPv4 header for VRRP (TTL 255); the codec does not check its checksum. */
function ipv4Header(src: string, dst: string, payloadLength: number): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h[1] = 0xc0;
  h.writeUInt16BE(20 + payloadLength, 2);
  h[8] = 255;
  h[9] = 112;
  parseAddress(src)?.copy(h, 12);
  parseAddress(dst)?.copy(h, 16);
  return h;
}
