/**
 * Addresses and links through rtnetlink (the `netlink` package's socket and codecs, see netlink-socket.ts).
 *
 * - createAddressPort(): AddressPort — idempotent add/remove of VIPs (EEXIST → 'present',
 *   EADDRNOTAVAIL → 'absent'), list, coded errors naming the address and the device.
 * - createLinkWatcher(): LinkWatcher fed by RTNLGRP_LINK notifications (no polling), deduplicated,
 *   plus onAddressChange from RTNLGRP_IPV4_IFADDR / IPV6_IFADDR: the daemon re-checks its advert source
 *   and its VIPs whenever an address on one of its interfaces comes or goes, whoever did it.
 * - primaryAddress(): the VRRP advert source (first primary IPv4, or the fe80::/10 link-local).
 *
 * A netlink socket belongs to the network namespace of the process that opened it.
 */
import { AttrStream, FlagsNew, rt } from 'netlink';
import { addressFamily, formatAddress, parseAddress } from '../core/codec/ip-address.js';
import type {
  AddressChange,
  AddressPort,
  AddressSpec,
  Family,
  KernelAddress,
  LinkInfo,
  LinkWatcher,
} from '../core/ports.js';
import { pickSourceAddress } from '../core/vrrp/source-address.js';
import { errnoError, NetlinkError, type RtReply, RtRequester, RtSubscriber, toNetlinkError } from './netlink-socket.js';

export { NetlinkError } from './netlink-socket.js';

const AF_INET = 2;
const AF_INET6 = 10;
const IFNAMSIZ = 16;

export type ScopeName = NonNullable<AddressSpec['scope']>;

/** RT_SCOPE_* values (rtnetlink.h). */
export const SCOPES: Readonly<Record<ScopeName, number>> = {
  global: 0,
  site: 200,
  link: 253,
  host: 254,
  nowhere: 255,
};

function scopeName(value: number | undefined): ScopeName | number {
  const v = value ?? 0;
  const found = (Object.keys(SCOPES) as ScopeName[]).find((k) => SCOPES[k] === v);
  return found ?? v;
}

function afOf(family: Family): number {
  return family === 4 ? AF_INET : AF_INET6;
}

function describe(spec: Pick<AddressSpec, 'address' | 'prefix'>): string {
  return `${spec.address}/${spec.prefix}`;
}

function invalid(what: string, why: string): NetlinkError {
  return new NetlinkError(`${what}: ${why}`, 'EINVAL');
}

function validName(name: string): boolean {
  return name.length > 0 && name.length < IFNAMSIZ && !/[/\s:]/.test(name);
}

/** Checks a spec before anything reaches the kernel; returns the address bytes. */
function checkSpec(spec: AddressSpec, what: string): Buffer {
  if (spec.family !== 4 && spec.family !== 6) throw invalid(what, `family must be 4 or 6, got ${String(spec.family)}`);
  if (addressFamily(spec.address) !== spec.family) throw invalid(what, `not an IPv${spec.family} address`);
  const max = spec.family === 4 ? 32 : 128;
  if (!Number.isInteger(spec.prefix) || spec.prefix < 0 || spec.prefix > max) {
    throw invalid(what, `prefix must be an integer 0..${max}`);
  }
  if (!validName(spec.dev)) throw invalid(what, `invalid device name ${JSON.stringify(spec.dev)}`);
  if (spec.family === 4 && spec.label !== undefined && (spec.label.length === 0 || spec.label.length >= IFNAMSIZ)) {
    throw invalid(what, `label must be 1..${IFNAMSIZ - 1} characters`);
  }
  if (spec.scope !== undefined && !(spec.scope in SCOPES)) throw invalid(what, `unknown scope ${spec.scope}`);
  if (spec.family === 4 && spec.broadcast !== undefined && spec.broadcast !== '+') {
    if (addressFamily(spec.broadcast) !== 4) throw invalid(what, `broadcast ${spec.broadcast} is not IPv4`);
  }
  return parseAddress(spec.address);
}

/** The IPv4 broadcast of address/prefix (all host bits set), for `broadcast: '+'` as in `ip addr add … brd +`. */
function hostBitsSet(addr: Buffer, prefix: number): Buffer {
  const value = addr.readUInt32BE(0);
  const mask = prefix === 0 ? 0 : (0xffff_ffff << (32 - prefix)) >>> 0;
  const out = Buffer.alloc(4);
  out.writeUInt32BE((value | ~mask) >>> 0, 0);
  return out;
}

function body(kind: 'address' | 'link', data: rt.Address | rt.Link, attrs: object): Uint8Array[] {
  const out = new AttrStream();
  if (kind === 'address')
    rt.formatAddressMessage({ kind, data: data as rt.Address, attrs: attrs as rt.AddressAttrs }, out);
  else rt.formatLinkMessage({ kind, data: data as rt.Link, attrs }, out);
  return out.bufs;
}

/** Rounds of the start-up warm-up: enough for V8 to optimise the add path (a few ms, once). */
const WARM_UP_ROUNDS = 16;

/** An RTM_NEWADDR for `spec`, waiting only for its interface index. */
function newAddressMessage(spec: AddressSpec, what: string): (index: number) => Uint8Array[] {
  const bytes = checkSpec(spec, what);
  const v4 = spec.family === 4;
  const attrs: rt.AddressAttrs = { local: bytes, address: bytes };
  if (v4 && spec.label !== undefined) attrs.label = spec.label;
  if (v4 && spec.broadcast !== undefined) {
    attrs.broadcast = spec.broadcast === '+' ? hostBitsSet(bytes, spec.prefix) : parseAddress(spec.broadcast);
  }
  return (index) =>
    body(
      'address',
      {
        family: afOf(spec.family),
        prefixlen: spec.prefix,
        scope: v4 ? SCOPES[spec.scope ?? 'global'] : 0,
        index,
        ...(v4 ? {} : { flags: { nodad: true } }),
      },
      attrs,
    );
}

/**
 * RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL; sent before this returns (the kernel applies it inside sendmsg).
 * EEXIST resolves 'present'.
 */
async function requestNewAddress(
  sock: RtRequester,
  message: (index: number) => Uint8Array[],
  index: number,
  what: string,
): Promise<'added' | 'present'> {
  try {
    await sock.request({
      type: rt.MessageType.NEWADDR,
      body: message(index),
      flags: FlagsNew.CREATE | FlagsNew.EXCL,
      what,
    });
    return 'added';
  } catch (err) {
    const e = toNetlinkError(what, err);
    if (e.code === 'EEXIST') return 'present';
    throw e;
  }
}

/** Resolves a device name to its ifindex (RTM_GETLINK by IFLA_IFNAME). ENODEV when it does not exist. */
async function linkByName(sock: RtRequester, name: string, what: string): Promise<rt.LinkMessage> {
  if (!validName(name)) throw errnoError(what, 19 /* ENODEV */);
  const replies = await sock.request({ type: rt.MessageType.GETLINK, body: body('link', {}, { ifname: name }), what });
  const link = replies.map((r) => r.message).find((m): m is rt.LinkMessage => m.kind === 'link');
  if (!link?.data.index) throw errnoError(what, 19);
  return link;
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** An address as listed from the kernel. */
export interface ListedAddress extends KernelAddress {
  /** RT_SCOPE_* by name ('global', 'link', …), or the number when it has none. */
  scope: ScopeName | number;
  /** IFA_LABEL (IPv4 only). */
  label?: string;
  secondary: boolean;
  tentative: boolean;
  dadfailed: boolean;
  deprecated: boolean;
}

export interface NetlinkAddressPort extends AddressPort {
  list(dev: string, family: Family): Promise<ListedAddress[]>;
}

export interface NetlinkOptions {
  /** Per-request timeout (default 5000 ms); a timed-out request rejects with code ETIMEDOUT. */
  timeoutMs?: number;
}

/**
 * Adds and removes addresses over one rtnetlink socket. The socket holds the event loop only while a
 * request is outstanding; close() rejects pending requests (code ECANCELED) and releases it.
 */
export function createAddressPort(opts: NetlinkOptions = {}): NetlinkAddressPort {
  const sock = new RtRequester(opts.timeoutMs);
  // ifindex by device name. With the index known, add() sends RTM_NEWADDR before it returns, and the kernel
  // applies it inside that sendmsg: a GARP sent right after add() already finds the VIP in place.
  // A device that was deleted and recreated gets a new index: ENODEV drops the entry and the call retries.
  const indexes = new Map<string, number>();
  const indexOf = (dev: string, what: string): number | Promise<number> =>
    indexes.get(dev) ??
    linkByName(sock, dev, what).then((link) => {
      const index = link.data.index ?? 0;
      indexes.set(dev, index);
      return index;
    });
  // With the index cached, op runs (and sends) before withIndex returns; only a retry after ENODEV waits.
  const withIndex = <T>(dev: string, what: string, op: (index: number) => Promise<T>): Promise<T> => {
    const cached = indexes.get(dev);
    const first = cached !== undefined ? op(cached) : Promise.resolve(indexOf(dev, what)).then(op);
    return first.catch((err: unknown) => {
      if (cached === undefined || toNetlinkError(what, err).code !== 'ENODEV') throw err;
      indexes.delete(dev);
      return Promise.resolve(indexOf(dev, what)).then(op);
    });
  };
  return {
    /**
     * RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL. IPv4: IFA_LOCAL and IFA_ADDRESS, IFA_LABEL, IFA_BROADCAST
     * ('+' = host bits set), scope. IPv6: IFA_F_NODAD; the kernel derives the scope from the address and
     * ignores label and broadcast. EEXIST resolves 'present' (this call did not add it: do not remove it
     * later). IPv4 "exists" means same address and prefix; IPv6 means same address, whatever the prefix.
     */
    add(spec) {
      const what = `cannot add ${describe(spec)} to ${spec.dev}`;
      try {
        const message = newAddressMessage(spec, what);
        return withIndex(spec.dev, what, (index) => requestNewAddress(sock, message, index, what));
      } catch (err) {
        return Promise.reject(err);
      }
    },

    /**
     * Runs the whole add path once against ifindex 0, which the kernel refuses with ENODEV before it looks at
     * anything else: nothing changes, and the first real add on a takeover then runs compiled code.
     */
    async warmUp() {
      // Measured: the first handful of adds cost 0.2-0.3 ms each in JavaScript, later ones 0.06-0.08 ms.
      for (let round = 0; round < WARM_UP_ROUNDS; round++) {
        for (const [family, address] of [
          [4, '192.0.2.1'],
          [6, '2001:db8::1'],
        ] as const) {
          const spec: AddressSpec = { family, address, prefix: family === 4 ? 32 : 128, dev: 'lo' };
          const what = 'warm-up add on ifindex 0';
          await requestNewAddress(sock, newAddressMessage(spec, what), 0, what).catch(() => undefined);
        }
      }
    },

    /**
     * RTM_DELADDR matching address and prefix on the device. 'absent' when the kernel has no such address
     * (EADDRNOTAVAIL) or the device itself is gone (ENODEV): either way the address is not there.
     */
    async remove(spec) {
      const what = `cannot remove ${describe(spec)} from ${spec.dev}`;
      const bytes = checkSpec(spec, what);
      const removeAt = async (index: number): Promise<'removed' | 'absent'> => {
        await sock.request({
          type: rt.MessageType.DELADDR,
          body: body(
            'address',
            { family: afOf(spec.family), prefixlen: spec.prefix, index },
            { local: bytes, address: bytes },
          ),
          what,
        });
        return 'removed';
      };
      try {
        return await withIndex(spec.dev, what, removeAt);
      } catch (err) {
        const e = toNetlinkError(what, err);
        if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOENT' || e.code === 'ESRCH' || e.code === 'ENODEV') {
          return 'absent';
        }
        throw e;
      }
    },

    /** Addresses of one family on a device, in kernel order (for IPv4: primaries before secondaries). */
    async list(dev, family) {
      const what = `cannot list IPv${family} addresses of ${dev}`;
      // Also primes the ifindex cache, so later adds on this device go out synchronously.
      const link = await linkByName(sock, dev, what);
      indexes.set(dev, link.data.index ?? 0);
      return listAddresses(sock, link.data.index ?? 0, family, what);
    },

    close() {
      sock.close();
    },
  };
}

async function listAddresses(sock: RtRequester, index: number, family: Family, what: string): Promise<ListedAddress[]> {
  const replies = await sock.dump({
    type: rt.MessageType.GETADDR,
    body: body('address', { family: afOf(family) }, {}),
    what,
  });
  const out: ListedAddress[] = [];
  for (const { message: m } of replies) {
    if (m.kind !== 'address' || m.data.index !== index || m.data.family !== afOf(family)) continue;
    const listed = toListed(m);
    if (listed) out.push(listed);
  }
  return out;
}

function toListed(m: rt.AddressMessage): ListedAddress | undefined {
  const raw = m.attrs.local ?? m.attrs.address;
  if (!raw || (raw.length !== 4 && raw.length !== 16)) return undefined;
  // IFA_FLAGS (u32) supersedes the u8 ifa_flags when present.
  const flags = m.attrs.flags ?? m.data.flags ?? {};
  const out: ListedAddress = {
    address: formatAddress(raw),
    prefix: m.data.prefixlen ?? 0,
    scope: scopeName(m.data.scope),
    secondary: flags.secondary === true,
    tentative: flags.tentative === true,
    dadfailed: flags.dadfailed === true,
    deprecated: flags.deprecated === true,
  };
  if (m.attrs.label !== undefined) out.label = m.attrs.label;
  return out;
}

/**
 * The address VRRP adverts are sent from: IPv4, the first non-secondary address of the device; IPv6, its
 * fe80::/10 link-local address that has passed DAD (undefined while it is still tentative). Undefined
 * when there is none; rejects with code ENODEV when the device does not exist.
 */
export async function primaryAddress(
  ifname: string,
  family: Family,
  opts: NetlinkOptions = {},
): Promise<string | undefined> {
  const sock = new RtRequester(opts.timeoutMs);
  try {
    const what = `cannot read the primary IPv${family} address of ${ifname}`;
    const link = await linkByName(sock, ifname, what);
    return pickSourceAddress(await listAddresses(sock, link.data.index ?? 0, family, what), family);
  } finally {
    sock.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Links

export type OperState = 'unknown' | 'notpresent' | 'down' | 'lowerlayerdown' | 'testing' | 'dormant' | 'up';
const OPERSTATES: OperState[] = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'];

/** LinkInfo plus what it was computed from. */
export interface NetlinkLinkInfo extends LinkInfo {
  /** IFF_UP. */
  adminUp: boolean;
  /** IFF_LOWER_UP (carrier). */
  carrier: boolean;
  /** IFLA_OPERSTATE (RFC 2863). */
  operstate: OperState | number;
}

export interface NetlinkLinkWatcher extends LinkWatcher {
  get(name: string): Promise<NetlinkLinkInfo | undefined>;
  onChange(listener: (link: NetlinkLinkInfo) => void): () => void;
}

export interface LinkWatcherOptions extends NetlinkOptions {
  /**
   * Keep the event loop alive while watching (default true, like a listening server); close() releases
   * it either way so the process can exit.
   */
  ref?: boolean;
  /** Also subscribe to address notifications for onAddressChange (default true). */
  addresses?: boolean;
  /** Notification socket errors other than overflow (overflow, ENOBUFS, is handled by a resync). */
  onError?: (err: NetlinkError) => void;
}

function toLinkInfo(m: rt.LinkMessage): NetlinkLinkInfo | undefined {
  const name = m.attrs.ifname;
  const index = m.data.index;
  if (name === undefined || !index) return undefined;
  const f = m.data.flags ?? {};
  const adminUp = f.up === true;
  const carrier = f.lowerUp === true;
  const op = m.attrs.operstate;
  // IFF_RUNNING is operstate UP or UNKNOWN: covers devices that never report a lower layer.
  const up = adminUp && (carrier || f.running === true);
  return {
    name,
    index,
    up,
    mac: m.attrs.address ? Buffer.from(m.attrs.address) : Buffer.alloc(0),
    mtu: m.attrs.mtu ?? 0,
    adminUp,
    carrier,
    operstate: op === undefined ? 'unknown' : (OPERSTATES[op] ?? op),
  };
}

function sameLink(a: LinkInfo, b: LinkInfo): boolean {
  return a.name === b.name && a.index === b.index && a.up === b.up && a.mtu === b.mtu && a.mac.equals(b.mac);
}

/** Calls every listener; one that throws neither stops the others nor the socket (rethrown later). */
function dispatch<T>(listeners: Iterable<(v: T) => void>, value: T): void {
  for (const l of [...listeners]) {
    try {
      l(value);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}

/**
 * Subscribes to RTNLGRP_LINK (and address groups), then reads the current links so that onChange
 * reports only changes: a link's notification is delivered when name, up, MAC or MTU differ from what
 * was last known (identical repeats are dropped), and once with up=false and deleted=true on RTM_DELLINK.
 * On notification overflow (ENOBUFS) the links are re-read and the differences delivered.
 */
export async function createLinkWatcher(opts: LinkWatcherOptions = {}): Promise<NetlinkLinkWatcher> {
  const requester = new RtRequester(opts.timeoutMs);
  const known = new Map<number, NetlinkLinkInfo>();
  const linkListeners = new Set<(link: NetlinkLinkInfo) => void>();
  const addrListeners = new Set<(change: AddressChange) => void>();
  let buffered: RtReply[] | undefined = [];
  let closed = false;
  let resyncing = false;
  let resyncAgain = false;

  const noteLink = (info: NetlinkLinkInfo): void => {
    const prev = known.get(info.index);
    known.set(info.index, info);
    if (!prev || !sameLink(prev, info)) dispatch(linkListeners, info);
  };

  const handle = (reply: RtReply): void => {
    const m = reply.message;
    if (m.kind === 'link') {
      const info = toLinkInfo(m);
      if (!info) return;
      if (reply.type === rt.MessageType.DELLINK) {
        if (!known.delete(info.index)) return;
        dispatch(linkListeners, { ...info, up: false, deleted: true });
      } else if (reply.type === rt.MessageType.NEWLINK) {
        noteLink(info);
      }
    } else if (m.kind === 'address') {
      const kind =
        reply.type === rt.MessageType.NEWADDR ? 'added' : reply.type === rt.MessageType.DELADDR ? 'removed' : undefined;
      const listed = toListed(m);
      const family = m.data.family === AF_INET ? 4 : m.data.family === AF_INET6 ? 6 : undefined;
      if (!kind || !listed || !family) return;
      const index = m.data.index ?? 0;
      const change: AddressChange = {
        kind,
        family,
        address: listed.address,
        prefix: listed.prefix,
        index,
        dev: known.get(index)?.name,
      };
      dispatch(addrListeners, change);
    }
  };

  const dumpLinks = async (): Promise<NetlinkLinkInfo[]> => {
    const replies = await requester.dump({
      type: rt.MessageType.GETLINK,
      body: body('link', {}, {}),
      what: 'cannot list links',
    });
    return replies.flatMap((r) => (r.message.kind === 'link' ? (toLinkInfo(r.message) ?? []) : []));
  };

  const resync = async (): Promise<void> => {
    if (resyncing) {
      resyncAgain = true;
      return;
    }
    resyncing = true;
    try {
      for (let round = 0; round < 3 && !closed; round++) {
        resyncAgain = false;
        const links = await dumpLinks();
        if (closed) return;
        const seen = new Set<number>();
        for (const info of links) {
          seen.add(info.index);
          noteLink(info);
        }
        for (const [index, prev] of [...known]) {
          if (seen.has(index)) continue;
          known.delete(index);
          dispatch(linkListeners, { ...prev, up: false, deleted: true });
        }
        if (!resyncAgain) break;
      }
    } catch (err) {
      if (!closed) opts.onError?.(toNetlinkError('cannot resynchronise links', err));
    } finally {
      resyncing = false;
    }
  };

  const groups = [rt.MulticastGroups.LINK];
  if (opts.addresses !== false) groups.push(rt.MulticastGroups.IPV4_IFADDR, rt.MulticastGroups.IPV6_IFADDR);
  let subscriber: RtSubscriber;
  try {
    subscriber = new RtSubscriber({
      groups,
      ...(opts.ref === undefined ? {} : { ref: opts.ref }),
      onMessage: (reply) => {
        if (buffered) buffered.push(reply);
        else handle(reply);
      },
      onError: (err) => {
        if (err.code === 'ENOBUFS') void resync();
        else opts.onError?.(err);
      },
    });
  } catch (err) {
    requester.close();
    throw err;
  }

  // Joined first, then read: a change between the two shows up as a buffered notification.
  try {
    for (const info of await dumpLinks()) known.set(info.index, info);
  } catch (err) {
    subscriber.close();
    requester.close();
    throw toNetlinkError('cannot start the link watcher', err);
  }
  const pending = buffered;
  buffered = undefined;
  for (const reply of pending) handle(reply);

  return {
    async get(name) {
      if (!validName(name)) return undefined;
      try {
        return toLinkInfo(await linkByName(requester, name, `cannot read link ${name}`));
      } catch (err) {
        if (toNetlinkError(name, err).code === 'ENODEV') return undefined;
        throw err;
      }
    },
    onChange(listener) {
      linkListeners.add(listener);
      return () => {
        linkListeners.delete(listener);
      };
    },
    onAddressChange(listener) {
      addrListeners.add(listener);
      return () => {
        addrListeners.delete(listener);
      };
    },
    close() {
      if (closed) return;
      closed = true;
      subscriber.close();
      requester.close();
      linkListeners.clear();
      addrListeners.clear();
    },
  };
}
